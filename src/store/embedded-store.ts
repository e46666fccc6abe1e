import {mkdir, readdir} from 'node:fs/promises';
import {join} from 'node:path';
import {Low} from 'lowdb';
import type {ZodType} from 'zod';
import type {ChatEvent, PageView, Visit} from '../protocol/index.js';
import {applyRecords, type ApplyContext} from './apply.js';
import {Batcher} from './batcher.js';
import {listChatIds} from './chat-files.js';
import {Checkpoint} from './checkpoint.js';
import {DurableJSONFile, readJSON, removeTemps} from './durable-file.js';
import {nodeFiles, type FileLayer} from './file-layer.js';
import {Journal, type JournalRecord} from './journal.js';
import {chatLine, visitorLine, type Report, type VisitorLine} from './log-file.js';
import {LogReader, visitsFrom} from './log-reader.js';
import {FORMAT_VERSION, migrate, readFormat} from './migrate.js';
import {OpenIndex} from './open-index.js';
import {Pending} from './pending.js';
import {pageOf, visitorPageOf} from './query.js';
import {eraseVisitor, prune, type RemovalParts} from './removal.js';
import type {Appended, ChatPage, ChatQuery, Erased, Pruned, Store, VisitorPage} from './store.js';
import {Tails, type Tail} from './tails.js';
import {
  chatRecord,
  globalDefaults,
  globalSchemas,
  visitorRecord,
  type ChatRecord,
  type GlobalName,
  type Globals,
  type NewEvent,
  type StoredChat,
  type VisitStart,
  type VisitorRecord,
} from './types.js';

export interface EmbeddedOptions {
  /** The hub's mode: changes acknowledged after one journal write, applied to files later. */
  journal?: boolean;
  files?: FileLayer;
  log?: Report;
  segmentBytes?: number;
  segmentAgeMs?: number;
  /** Files the checkpoint writes at once (the rest of the file pool stays free for the journal). */
  concurrency?: number;
}

const safeId = /^[\w~-]{1,100}$/;

function checkId(id: string): string {
  if (!safeId.test(id)) throw new Error(`bad id ${JSON.stringify(id)}`);
  return id;
}

/**
 * The data folder. Small documents (globals, one per chat and per visitor, without their
 * history) are replaced whole; what grows (a chat's events, a visitor's visits and pages) is
 * appended to one log per chat and per visitor, so a message or a page view writes a few hundred
 * bytes however long the history. In the hub's mode every change goes through a journal first
 * (one write and one fdatasync per group), and a checkpoint applies finished journal segments to
 * the files in the background.
 */
export class EmbeddedStore implements Store {
  private readonly files: FileLayer;
  private readonly report: Report;
  private readonly journal: Journal | undefined;
  private readonly ctx: ApplyContext;
  private readonly batcher: Batcher;
  private readonly tails = new Tails();
  private readonly pending = new Pending();
  private readonly checkpoint: Checkpoint | undefined;
  private readonly index: OpenIndex;
  private readonly cache = new Map<GlobalName, unknown>();
  private indexLoad: Promise<void> | undefined;
  private readonly reader: LogReader;

  constructor(
    readonly dir: string,
    readonly options: EmbeddedOptions = {},
  ) {
    this.files = options.files ?? nodeFiles;
    this.report = options.log ?? ((line) => process.stderr.write(`cac store: ${line}\n`));
    const tmpDir = join(dir, 'tmp');
    this.ctx = {dir, tmpDir, files: this.files, report: this.report, diskN: new Map(), concurrency: options.concurrency ?? 2, writing: new Map()};
    this.index = new OpenIndex(join(dir, 'open-chats.json'), tmpDir);
    this.reader = new LogReader(dir, this.pending, this.ctx.writing, this.report);
    if (options.journal) {
      this.journal = new Journal(dir, {files: this.files, maxBytes: options.segmentBytes, maxAgeMs: options.segmentAgeMs, log: this.report});
      this.checkpoint = new Checkpoint(this.journal, this.ctx, this.index, this.pending, this.report, options.segmentAgeMs ?? 10_000);
    }
    this.batcher = new Batcher(
      (records) => (this.journal ? this.journal.append(records) : this.writeThrough(records)),
      () => this.tails.rollback(),
    );
  }

  async open(): Promise<void> {
    for (const sub of ['chats', 'visitors', 'tmp']) await mkdir(join(this.dir, sub), {recursive: true, mode: 0o700});
    // Written through (the CLI): the index of open chats is read only if chats are asked for.
    if (!this.journal) return;
    await removeTemps(this.ctx.tmpDir);
    const leftovers = await this.journal.leftovers();
    const records = leftovers.flatMap((s) => s.records);
    if ((await readFormat(this.dir)) < FORMAT_VERSION) {
      // An older folder (or a new one): its journal goes to the files, then it is converted.
      await applyRecords(this.ctx, records);
      await migrate(this.dir, this.ctx, this.report);
      this.indexLoad = this.index.load(() => this.scanChats(), []);
      await this.indexLoad;
      await this.index.save();
      await this.journal.remove(leftovers.map((s) => s.n));
      return;
    }
    // What a crash left in the journal is served from memory at once and written to the files by
    // the checkpoint in the background: a hub with many open chats is back in moments.
    this.pending.hold(records);
    this.journal.finished.push(...leftovers);
    this.indexLoad = this.index.load(() => this.scanChats(), records);
    await this.indexLoad;
    void this.checkpoint!.run();
  }

  async close(): Promise<void> {
    await this.flush();
    if (!this.journal) return;
    await this.journal.close();
    await this.checkpoint!.finish();
  }

  flush(): Promise<void> {
    return this.batcher.flush();
  }

  // ---- writing

  /** The index of open chats, read once. */
  private indexReady(): Promise<void> {
    this.indexLoad ??= this.index.load(() => this.scanChats(), []);
    return this.indexLoad;
  }

  /** Without a journal every group goes to its files at once, the index of open chats with it. */
  private async writeThrough(records: JournalRecord[]): Promise<void> {
    await applyRecords(this.ctx, records);
    if (!records.some((r) => r.f.startsWith('chats/'))) return;
    for (const r of records) {
      if (r.k === 'd' && r.f.startsWith('chats/')) this.index.put(chatRecord.parse(JSON.parse(r.text)), r.text);
      else if (r.k === 'l' && r.f.startsWith('chats/')) this.index.seen(r.f.slice(6, -4), r.n);
    }
    await this.index.save();
  }

  private write(records: JournalRecord[], commit?: () => void): Promise<void> {
    return this.batcher.add(records, () => {
      if (this.checkpoint) {
        this.pending.hold(records);
        this.checkpoint.armIdle();
      }
      commit?.();
    });
  }

  // ---- chats

  async openChats(): Promise<StoredChat[]> {
    await this.indexReady();
    return this.index.all();
  }

  async chat(id: string): Promise<StoredChat | undefined> {
    await this.indexReady();
    const open = this.index.get(checkId(id));
    if (open) return open;
    const chat = await this.readDoc(`chats/${id}.json`, chatRecord);
    if (!chat) return undefined;
    const tail = this.tails.get(`chats/${id}.log`);
    return {chat, lastSeq: tail?.committed ?? (await this.reader.last(`chats/${id}.log`))};
  }

  async putChat(chat: ChatRecord): Promise<void> {
    const doc = this.chatDoc(chat);
    await this.indexReady();
    return this.write([doc], () => this.index.put(chat, doc.text));
  }

  private chatDoc(chat: ChatRecord): JournalRecord {
    return {k: 'd', f: `chats/${checkId(chat.id)}.json`, text: JSON.stringify(chat)};
  }

  async appendEvent(chatId: string, event: NewEvent, chat?: ChatRecord): Promise<Appended> {
    const f = `chats/${checkId(chatId)}.log`;
    const doc = chat && this.chatDoc(chat);
    if (!this.journal) await this.indexReady();
    return this.tails.with(f, () => this.loadChatTail(f), (tail) => {
      const seen = event.id === undefined ? undefined : tail.ids!.get(event.id);
      if (seen !== undefined) return this.flush().then(() => this.storedEvent(chatId, seen));
      const seq = ++tail.last;
      if (event.id !== undefined) tail.ids!.set(event.id, seq);
      const stored: ChatEvent = {...event, seq};
      const records: JournalRecord[] = [{k: 'l', f, n: seq, text: JSON.stringify({n: seq, e: stored})}];
      if (doc) records.unshift(doc);
      return this.write(records, () => {
        tail.committed = Math.max(tail.committed, seq);
        if (chat) this.index.put(chat, doc!.text);
        this.index.seen(chatId, seq);
        if (chat?.state === 'ended') this.tails.forget(f);
      }).then(() => ({event: stored, duplicate: false}));
    });
  }

  private async storedEvent(chatId: string, seq: number): Promise<Appended> {
    const [event] = await this.events(chatId, seq - 1, 1);
    if (!event) throw new Error(`event ${seq} of chat ${chatId} is missing`);
    return {event, duplicate: true};
  }

  private async loadChatTail(f: string): Promise<Tail> {
    const lines = await this.reader.lines(f, chatLine);
    const ids = new Map<string, number>();
    for (const l of lines) if (l.e.id !== undefined) ids.set(l.e.id, l.n);
    const last = lines.at(-1)?.n ?? 0;
    return {last, committed: last, ids};
  }

  async events(chatId: string, after = 0, limit = Infinity): Promise<ChatEvent[]> {
    const lines = await this.reader.lines(`chats/${checkId(chatId)}.log`, chatLine, after);
    return lines
      .filter((l) => l.n > after)
      .slice(0, limit)
      .map((l) => l.e);
  }

  async listChats(query: ChatQuery = {}, cursor?: string, limit = 100): Promise<ChatPage> {
    const chats: ChatRecord[] = [];
    const ids = new Set(await listChatIds(this.dir));
    // Chats the journal holds are not in their files yet.
    for (const f of this.pending.docFiles()) if (/^chats\/[\w~-]+\.json$/.test(f)) ids.add(f.slice(6, -5));
    for (const id of ids) {
      const open = this.index.get(id);
      const chat = open?.chat ?? (await this.readDoc(`chats/${id}.json`, chatRecord).catch(() => null));
      if (chat) chats.push(chat);
    }
    return pageOf(chats, query, cursor, limit);
  }

  private async scanChats(): Promise<StoredChat[]> {
    const found: StoredChat[] = [];
    for (const id of await listChatIds(this.dir)) {
      const chat = await this.readDoc(`chats/${id}.json`, chatRecord);
      if (chat && (chat.kind === 'op' || chat.state !== 'ended')) found.push({chat, lastSeq: await this.reader.last(`chats/${id}.log`)});
    }
    return found;
  }

  // ---- visitors

  // Async, as every method taking an id: a malformed id is a rejection the caller handles, never
  // an exception thrown past its `.catch` (a visitor's hello names any id it likes).
  async visitor(id: string): Promise<VisitorRecord | undefined> {
    return this.readDoc(`visitors/${checkId(id)}.json`, visitorRecord).then((v) => v ?? undefined);
  }

  async putVisitor(visitor: VisitorRecord): Promise<void> {
    return this.write([{k: 'd', f: `visitors/${checkId(visitor.id)}.json`, text: JSON.stringify(visitor)}]);
  }

  appendVisit(visitorId: string, visit: VisitStart): Promise<void> {
    return this.appendVisitorLine(visitorId, (n) => ({n, visit}));
  }

  appendPage(visitorId: string, visitId: string, page: PageView): Promise<void> {
    return this.appendVisitorLine(visitorId, (n) => ({n, page: {...page, v: visitId}}));
  }

  private async appendVisitorLine(visitorId: string, line: (n: number) => VisitorLine): Promise<void> {
    const f = `visitors/${checkId(visitorId)}.log`;
    const load = async (): Promise<Tail> => {
      const last = await this.reader.last(f);
      return {last, committed: last};
    };
    return this.tails.with(f, load, (tail) => {
      const n = ++tail.last;
      return this.write([{k: 'l', f, n, text: JSON.stringify(line(n))}], () => {
        tail.committed = Math.max(tail.committed, n);
      });
    });
  }

  async visits(visitorId: string, limit = Infinity): Promise<Visit[]> {
    const lines: VisitorLine[] = [];
    let starts = 0;
    await this.reader.newestFirst(`visitors/${checkId(visitorId)}.log`, visitorLine, (l) => {
      lines.push(l);
      if ('visit' in l) starts += 1;
      return starts < limit;
    });
    return visitsFrom(lines, limit);
  }

  // ---- globals

  async global<K extends GlobalName>(name: K, fresh = false): Promise<Globals[K]> {
    if (!fresh && this.cache.has(name)) return this.cache.get(name) as Globals[K];
    const f = `${name}.json`;
    const schema = globalSchemas[name] as unknown as ZodType<Globals[K]>;
    const pending = this.pending.doc(f);
    let value: Globals[K];
    if (pending !== undefined) value = schema.parse(JSON.parse(pending));
    else {
      const db = new Low<Globals[K]>(new DurableJSONFile(join(this.dir, f), schema, this.ctx.tmpDir), globalDefaults[name]());
      await db.read();
      value = db.data;
    }
    this.cache.set(name, value);
    return value;
  }

  putGlobal<K extends GlobalName>(name: K, value: Globals[K]): Promise<void> {
    this.cache.set(name, value);
    return this.write([{k: 'd', f: `${name}.json`, text: JSON.stringify(value)}]);
  }

  // ---- listing and removing visitors

  async listVisitors(query: {site?: string} = {}, cursor?: string, limit = 100): Promise<VisitorPage> {
    const ids = new Set((await readdir(join(this.dir, 'visitors')).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5)));
    for (const f of this.pending.docFiles()) if (/^visitors\/[\w~-]+\.json$/.test(f)) ids.add(f.slice(9, -5));
    const visitors: VisitorRecord[] = [];
    for (const id of ids) {
      const v = await this.readDoc(`visitors/${id}.json`, visitorRecord).catch(() => null);
      if (v) visitors.push(v);
    }
    return visitorPageOf(visitors, query, cursor, limit);
  }

  async eraseVisitor(id: string): Promise<Erased> {
    return eraseVisitor(this.removal(), checkId(id));
  }

  prune(cutoff: (site: string) => number | undefined): Promise<Pruned> {
    return prune(this.removal(), cutoff);
  }

  private removal(): RemovalParts {
    return {
      dir: this.dir,
      tmpDir: this.ctx.tmpDir,
      index: this.index,
      tails: this.tails,
      report: this.report,
      drain: async () => {
        await this.indexReady();
        await this.flush();
        if (!this.journal) return;
        await this.journal.seal();
        await this.checkpoint!.finish();
      },
    };
  }

  // ---- reading files, with what the journal holds on top

  private async readDoc<T>(f: string, schema: ZodType<T>): Promise<T | null> {
    const pending = this.pending.doc(f);
    if (pending !== undefined) return schema.parse(JSON.parse(pending));
    return readJSON(join(this.dir, f), schema);
  }

}

