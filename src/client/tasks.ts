import {mkdir, writeFile} from 'node:fs/promises';
import {dirname, isAbsolute, join, resolve} from 'node:path';
import type {HubToOperator, OfflineMessage, OperatorToHub} from '../protocol/index.js';
import {offlineReplyEml, safeNamePart, transcriptEml, transcriptFileName, transcriptHtml, transcriptText, type TranscriptInput} from '../transcript/index.js';
import {line} from './line-edit.js';
import type {Action, SaveFormat, State} from './state.js';

/*
 * The file, clipboard and mail-program work behind save, e-mail, copy and the inbox's replies.
 * The commands ask for it through `Effects.task`; the chat's makings come from the hub
 * (`chat.export`), and what to do with them waits here until they arrive. Nothing of it is in
 * the reducer, which stays pure.
 */

/** What to do with a chat's export once the hub sends it. */
export type After = {do: 'save'; format: SaveFormat; path?: string} | {do: 'email'; to?: string} | {do: 'copy'};

export type Task =
  | {t: 'export'; chatId: string; then: After}
  | {t: 'save'; chatId: string; format: SaveFormat; path: string; overwrite?: boolean}
  | {t: 'reply'; message: OfflineMessage};

export type ExportFrame = Extract<HubToOperator, {t: 'chat.export'}>;

/** The outside world, injectable for tests. */
export interface TaskIo {
  home: string;
  env: Record<string, string | undefined>;
  platform: string;
  /** Opens a file with the system's program for it (the mail program for .eml). */
  open(path: string): Promise<unknown>;
  copy(text: string): Promise<void>;
  /** Writes straight to the terminal (OSC 52). */
  terminal(data: string): void;
}

export interface TaskDeps {
  send(frame: OperatorToHub): boolean;
  dispatch(action: Action): void;
  getState(): State;
  io: TaskIo;
}

/** The client runs over SSH: the clipboard and the mail program are on the other machine. */
export function overSsh(env: TaskIo['env']): boolean {
  return Boolean(env.SSH_CONNECTION || env.SSH_TTY);
}

/** A mail program can be opened here: not over SSH, and on Linux and the like only with a desktop. */
export function canOpen(io: Pick<TaskIo, 'env' | 'platform'>): boolean {
  if (overSsh(io.env)) return false;
  if (io.platform === 'darwin' || io.platform === 'win32') return true;
  return Boolean(io.env.DISPLAY || io.env.WAYLAND_DISPLAY);
}

/** OSC 52: the terminal puts the text on the clipboard of the machine the operator sits at. */
export function osc52(text: string): string {
  return `\x1b]52;c;${Buffer.from(text, 'utf8').toString('base64')}\x07`;
}

/** `~`, `~/x`, absolute or relative to the home folder. */
export function expandFolder(folder: string, home: string): string {
  if (folder === '~' || folder === '') return home;
  if (folder.startsWith('~/')) return join(home, folder.slice(2));
  return isAbsolute(folder) ? folder : resolve(home, folder);
}

export function transcriptInput(frame: ExportFrame, state?: State): TranscriptInput {
  const visitor = frame.chat.visitorId ? state?.visitors[frame.chat.visitorId] : undefined;
  return {
    chat: frame.chat,
    events: frame.events,
    site: {domain: frame.site.domain, timezone: frame.site.timezone, aliases: [], url: '', preview: false},
    visit: frame.visit,
    operators: frame.operators,
    ...(visitor ? {visitor: {name: visitor.name, email: visitor.email}} : {}),
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class Tasks {
  private readonly wanted = new Map<string, After[]>();
  private readonly exports = new Map<string, ExportFrame>();

  constructor(private readonly deps: TaskDeps) {}

  private notice(text: string): void {
    this.deps.dispatch({type: 'notice', text});
  }

  private folder(): string {
    return expandFolder(this.deps.getState().settings.saveFolder, this.deps.io.home);
  }

  /** Starts a task; failures end up on the status line. Resolves when it is done (for tests). */
  run(task: Task): Promise<void> {
    return this.handle(task).catch((error: unknown) => this.notice(`failed: ${errorText(error)}`));
  }

  private async handle(task: Task): Promise<void> {
    if (task.t === 'export') {
      const list = this.wanted.get(task.chatId) ?? [];
      this.wanted.set(task.chatId, [...list, task.then]);
      if (!this.deps.send({t: 'chat.export', chatId: task.chatId})) {
        this.wanted.delete(task.chatId);
        this.notice('not connected to the hub: try again when the status line says connected');
      }
      return;
    }
    if (task.t === 'reply') return this.reply(task.message);
    const frame = this.exports.get(task.chatId);
    if (!frame) return this.notice('that chat is no longer at hand: save it again');
    await this.save(frame, task.format, task.path, task.overwrite);
  }

  /** A frame from the hub: an export someone here is waiting for is put to use. */
  onFrame(frame: HubToOperator): Promise<void> {
    if (frame.t !== 'chat.export') return Promise.resolve();
    const id = frame.chat.id;
    this.exports.set(id, frame);
    const list = this.wanted.get(id) ?? [];
    this.wanted.delete(id);
    return Promise.all(list.map((after) => this.use(frame, after).catch((error: unknown) => this.notice(`failed: ${errorText(error)}`)))).then(() => {});
  }

  private async use(frame: ExportFrame, after: After): Promise<void> {
    if (after.do === 'copy') return this.copy(frame);
    if (after.do === 'email') return this.email(frame, after.to);
    if (after.path) return this.save(frame, after.format, after.path, false);
    // The name comes from chat data, made safe: it cannot climb out of the save folder.
    const name = transcriptFileName(frame.chat, transcriptInput(frame).site, undefined, after.format);
    const question = `Save ${after.format.toUpperCase()} to (Enter saves, Esc cancels):`;
    this.deps.dispatch({
      type: 'overlay',
      overlay: {kind: 'ask', question, line: line(join(this.folder(), name)), step: {s: 'savePath', chatId: frame.chat.id, format: after.format}},
    });
  }

  /** Where a typed path points: a bare name or relative path is inside the save folder. */
  private target(path: string): string {
    const trimmed = path.trim();
    if (trimmed === '~' || trimmed.startsWith('~/') || isAbsolute(trimmed)) return expandFolder(trimmed, this.deps.io.home);
    return join(this.folder(), trimmed);
  }

  private async save(frame: ExportFrame, format: SaveFormat, path: string, overwrite = false): Promise<void> {
    const file = this.target(path);
    const input = transcriptInput(frame, this.deps.getState());
    const content = format === 'html' ? transcriptHtml(input) : transcriptText(input);
    await mkdir(dirname(file), {recursive: true});
    try {
      await writeFile(file, content, {flag: overwrite ? 'w' : 'wx'});
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const question = `${file} exists: overwrite it? (y/N)`;
      this.deps.dispatch({type: 'overlay', overlay: {kind: 'confirm', what: 'overwrite', question, chatId: frame.chat.id, format, path: file}});
      return;
    }
    this.notice(`saved to ${file}`);
  }

  /** Writes next to what is there (name-2.eml, name-3.eml…) rather than over it. */
  private async writeNew(name: string, content: Buffer): Promise<string> {
    const folder = this.folder();
    await mkdir(folder, {recursive: true});
    const dot = name.lastIndexOf('.');
    for (let n = 1; ; n++) {
      const file = join(folder, n === 1 ? name : `${name.slice(0, dot)}-${n}${name.slice(dot)}`);
      try {
        await writeFile(file, content, {flag: 'wx'});
        return file;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || n > 99) throw error;
      }
    }
  }

  /** Opens a draft in the mail program, or says where it is when none can be opened from here. */
  private async openDraft(file: string): Promise<void> {
    if (!canOpen(this.deps.io)) return this.notice(`e-mail draft written to ${file}: open it in your mail program`);
    try {
      await this.deps.io.open(file);
      this.notice(`e-mail draft ${file} opened in the mail program`);
    } catch (error) {
      this.notice(`e-mail draft written to ${file} (no mail program opened it: ${errorText(error)})`);
    }
  }

  private async email(frame: ExportFrame, to?: string): Promise<void> {
    const input = transcriptInput(frame, this.deps.getState());
    // The draft goes to the visitor: operator-only notes stay out of it.
    const eml = await transcriptEml({...input, includePrivate: false, ...(to ? {to} : {})});
    const file = await this.writeNew(transcriptFileName(frame.chat, input.site, undefined, 'eml'), eml);
    await this.openDraft(file);
  }

  private async reply(message: OfflineMessage): Promise<void> {
    const eml = await offlineReplyEml({message});
    const name = `reply-${safeNamePart(message.site, 64) || 'site'}-${safeNamePart(message.name) || 'visitor'}.eml`;
    await this.openDraft(await this.writeNew(name, eml));
  }

  private async copy(frame: ExportFrame): Promise<void> {
    const text = transcriptText(transcriptInput(frame, this.deps.getState()));
    const lines = text.split('\n').length;
    const ssh = overSsh(this.deps.io.env);
    if (ssh) this.deps.io.terminal(osc52(text));
    try {
      await this.deps.io.copy(text);
    } catch (error) {
      if (!ssh) return this.notice(`could not copy: ${errorText(error)}`);
    }
    this.notice(`copied the transcript (${lines} lines)${ssh ? ' through the terminal' : ''}`);
  }
}
