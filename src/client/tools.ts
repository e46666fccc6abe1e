import type {Canned, OperatorToHub} from '../protocol/index.js';
import {edit, line, type Edit, type Line} from './line-edit.js';
import {OPTIONS} from './options.js';
import {activePane, cannedFor, chatTitle} from './selectors.js';
import type {Action, AskStep, Overlay, SaveFormat, State} from './state.js';
import type {Task} from './tasks.js';

/*
 * What the keys for canned responses, saving, e-mailing and copying transcripts and the offline
 * messages inbox do; commands.ts hands these commands over to here.
 */

export interface ToolEffects {
  send(frame: OperatorToHub): boolean;
  dispatch(action: Action): void;
  task?(task: Task): void;
}

function send(fx: ToolEffects, frame: OperatorToHub): void {
  if (!fx.send(frame)) fx.dispatch({type: 'notice', text: 'not connected to the hub: try again when the status line says connected'});
}

const notice = (fx: ToolEffects, text: string) => fx.dispatch({type: 'notice', text});
const ask = (fx: ToolEffects, question: string, step: AskStep, text = '') =>
  fx.dispatch({type: 'overlay', overlay: {kind: 'ask', question, line: line(text), step}});
const bare = (shortcut: string) => shortcut.trim().replace(/^#/, '');

/** The responses whose shortcut or text holds the filter, case aside. */
export function cannedRows(state: State, filter: string): Canned[] {
  const f = filter.trim().toLowerCase();
  return state.canned.filter((c) => !f || c.shortcut.toLowerCase().includes(f) || c.text.toLowerCase().includes(f));
}

/** `{visitor}`, `{operator}`, `{site}` filled in from the active pane. */
export function fillCanned(state: State, text: string): string {
  const pane = activePane(state);
  const chat = pane ? state.chats[pane.chatId] : undefined;
  const values: Record<string, string> = {
    visitor: pane ? chatTitle(state, pane.chatId) : '',
    operator: state.me?.displayName ?? state.myName,
    site: chat?.site ?? pane?.visitor?.site ?? '',
  };
  return text.replace(/\{(visitor|operator|site)\}/g, (_, name: string) => values[name]!);
}

function cannedMenu(state: State, filter: Line): Overlay {
  return {kind: 'canned', filter, index: cannedRows(state, filter.text).length > 0 ? 1 : 0};
}

export function openCanned(state: State, filter: string, fx: ToolEffects): void {
  if (!activePane(state)) return notice(fx, 'canned responses go on a chat\'s message line: open a chat first');
  fx.dispatch({type: 'overlay', overlay: cannedMenu(state, line(filter))});
}

function putOnLine(fx: ToolEffects, text: string): void {
  fx.dispatch({type: 'overlay'});
  fx.dispatch({type: 'draft', text});
}

/** `#shortcut` just before the cursor becomes its response; false when there is none to expand. */
export function expandShortcut(state: State, fx: ToolEffects): boolean {
  const pane = activePane(state);
  if (state.focus !== 'pane' || !pane) return false;
  const chars = [...pane.draft];
  const at = pane.cursor ?? chars.length;
  const before = chars.slice(0, at).join('');
  const m = /(?:^|\s)#(\S+)$/.exec(before);
  const found = m && state.canned.find((c) => bare(c.shortcut).toLowerCase() === m[1]!.toLowerCase());
  if (!found) return false;
  const start = before.length - m[1]!.length - 1;
  const text = before.slice(0, start) + fillCanned(state, found.text);
  fx.dispatch({type: 'draft', text: text + chars.slice(at).join(''), cursor: [...text].length});
  return true;
}

/** Typing and line edits while a menu or question is open; false when none is. */
export function editTool(state: State, change: Edit, fx: ToolEffects): boolean {
  const o = state.overlay;
  if (o?.kind === 'canned') fx.dispatch({type: 'overlay', overlay: cannedMenu(state, edit(o.filter, change))});
  else if (o?.kind === 'ask') fx.dispatch({type: 'overlay', overlay: {...o, line: edit(o.line, change)}});
  else return false;
  return true;
}

/** The rows of the options screen after the settings: each canned response, then "add one". */
export function optionRows(state: State): number {
  return OPTIONS.length + state.canned.length + 1;
}

/** Up/Down in the canned menu or the inbox; false when neither is open. */
export function moveTool(state: State, by: number, fx: ToolEffects): boolean {
  const o = state.overlay;
  const clamp = (i: number, max: number) => Math.max(0, Math.min(max, i));
  if (o?.kind === 'canned') fx.dispatch({type: 'overlay', overlay: {...o, index: clamp(o.index + by, cannedRows(state, o.filter.text).length)}});
  else if (o?.kind === 'messages') fx.dispatch({type: 'overlay', overlay: {...o, index: clamp(o.index + by, state.messages.length - 1)}});
  else return false;
  return true;
}

/** Enter in the canned menu, the inbox or a question; false when none is open. */
export function enterTool(state: State, fx: ToolEffects): boolean {
  const o = state.overlay;
  if (o?.kind === 'canned') {
    const row = cannedRows(state, o.filter.text)[o.index - 1];
    if (row) return putOnLine(fx, fillCanned(state, row.text)), true;
    const text = activePane(state)?.draft.trim();
    if (!text) notice(fx, 'type the response on the message line first, then add it');
    else ask(fx, 'Shortcut for it (#word):', {s: 'cannedShortcut', text});
    if (!text) fx.dispatch({type: 'overlay'});
    return true;
  }
  if (o?.kind === 'messages') {
    const message = state.messages[o.index];
    if (message) fx.task?.({t: 'reply', message});
    return true;
  }
  if (o?.kind === 'ask') {
    answer(state, o.step, o.line.text.trim(), fx);
    return true;
  }
  return false;
}

function answer(state: State, step: AskStep, text: string, fx: ToolEffects): void {
  fx.dispatch({type: 'overlay'});
  switch (step.s) {
    case 'saveFormat': {
      const format = saveFormat(text || 'html');
      if (!format) return ask(fx, 'Save as html or txt?', step, text);
      return fx.task?.({t: 'export', chatId: step.chatId, then: {do: 'save', format}});
    }
    case 'savePath':
      if (text) fx.task?.({t: 'save', chatId: step.chatId, format: step.format, path: text});
      return;
    case 'cannedText':
      if (!text) return;
      if (step.id && step.shortcut) return send(fx, {t: 'canned.edit', id: step.id, shortcut: step.shortcut, text});
      return ask(fx, 'Shortcut for it (#word):', {s: 'cannedShortcut', text});
    case 'cannedShortcut': {
      const shortcut = bare(text);
      if (!shortcut) return ask(fx, 'A shortcut, please (#word):', step);
      if (step.id) return ask(fx, 'Response text:', {s: 'cannedText', id: step.id, shortcut}, step.text);
      return ask(fx, 'For the team or only you? (team/me, Enter: me)', {s: 'cannedTeam', text: step.text, shortcut});
    }
    case 'cannedTeam': {
      const team = /^t/i.test(text);
      send(fx, {t: 'canned.add', shortcut: step.shortcut, text: step.text, team});
      // "added" only once the hub has stored it and lists it (reducer-hub.ts, canned.list).
      return notice(fx, `adding #${step.shortcut} ${cannedFor(!team)}...`);
    }
  }
}

function saveFormat(word: string | undefined): SaveFormat | undefined {
  if (word && /^html?$/i.test(word)) return 'html';
  if (word && /^(txt|text)$/i.test(word)) return 'txt';
  return undefined;
}

/** The pane a transcript is of: the active one. */
function paneChat(state: State, fx: ToolEffects): string | undefined {
  const pane = activePane(state);
  if (!pane) notice(fx, 'open a chat pane first');
  return pane?.chatId;
}

/** `/save`, `/save txt`, `/save html ~/x.html`, `/save name.txt`. */
export function save(state: State, arg: string, fx: ToolEffects): void {
  const chatId = paneChat(state, fx);
  if (!chatId) return;
  const [first = '', ...rest] = arg.trim().split(/\s+/);
  const format = saveFormat(first);
  const path = (format ? rest.join(' ') : arg).trim();
  if (!format && !path) return ask(fx, 'Save as html or txt? (Enter: html)', {s: 'saveFormat', chatId});
  const then = {do: 'save' as const, format: format ?? (/\.txt$/i.test(path) ? 'txt' : 'html'), ...(path ? {path} : {})};
  fx.task?.({t: 'export', chatId, then});
}

export function email(state: State, to: string, fx: ToolEffects): void {
  const chatId = paneChat(state, fx);
  if (chatId) fx.task?.({t: 'export', chatId, then: {do: 'email', ...(to.trim() ? {to: to.trim()} : {})}});
}

export function copy(state: State, fx: ToolEffects): void {
  const chatId = paneChat(state, fx);
  if (chatId) fx.task?.({t: 'export', chatId, then: {do: 'copy'}});
}

/** Enter on a canned response row of the options screen; false for a setting's row. */
export function cannedOption(state: State, index: number, fx: ToolEffects): boolean {
  const i = index - OPTIONS.length;
  if (i < 0) return false;
  const item = state.canned[i];
  if (item) ask(fx, 'Shortcut (#word):', {s: 'cannedShortcut', id: item.id, text: item.text}, item.shortcut);
  else ask(fx, 'New response text:', {s: 'cannedText'});
  return true;
}

/** `d`: in the inbox marks the message done; on a canned row of the options screen removes it (asks). */
export function remove(state: State, fx: ToolEffects): void {
  const o = state.overlay;
  if (o?.kind === 'messages') {
    const message = state.messages[o.index];
    if (message) send(fx, {t: 'message.done', id: message.id});
    if (o.index > 0 && o.index >= state.messages.length - 1) fx.dispatch({type: 'overlay', overlay: {...o, index: o.index - 1}});
    return;
  }
  const item = o?.kind === 'options' ? state.canned[o.index - OPTIONS.length] : undefined;
  if (item) fx.dispatch({type: 'overlay', overlay: {kind: 'confirm', what: 'cannedRemove', id: item.id, question: `Remove #${bare(item.shortcut)}? (y/N)`}});
}

/** Yes or no to overwriting a file or removing a canned response; false for other questions. */
export function answerTool(state: State, yes: boolean, fx: ToolEffects): boolean {
  const o = state.overlay;
  if (o?.kind !== 'confirm') return false;
  if (o.what === 'overwrite') {
    if (yes) fx.task?.({t: 'save', chatId: o.chatId, format: o.format, path: o.path, overwrite: true});
    else notice(fx, `not saved: ${o.path} is kept as it was`);
    return true;
  }
  if (o.what === 'cannedRemove') {
    if (yes) send(fx, {t: 'canned.remove', id: o.id});
    fx.dispatch({type: 'overlay', overlay: {kind: 'options', index: OPTIONS.length}});
    return true;
  }
  return false;
}
