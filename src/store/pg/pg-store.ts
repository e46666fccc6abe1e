import type {ChatEvent, FeedEntry, PageView, Visit} from '../../protocol/index.js';
import type {ChatFeedTag, FeedFilter, FeedPage, NewFeedEntry, VisitorFeedTag} from '../feed.js';
import type {Report} from '../log-file.js';
import type {Appended, ChatGuard, ChatPage, ChatQuery, Changed, Erased, Pruned, Store, VisitorPage} from '../store.js';
import {NotStoredError} from '../store.js';
import type {ChatNames, ChatRecord, GlobalName, Globals, NewEvent, StoredChat, VisitStart, VisitorRecord} from '../types.js';
import * as chats from './chats.js';
import {connectWriter, DEFAULT_WRITE_TIMEOUT_MS, describeUrl, ReadPool, type PgOptions, type Pool, type RenewablePool} from './connection.js';
import {driverWarning} from './driver-patch.js';
import * as feed from './feed.js';
import {readGlobal, putGlobal} from './globals.js';
import {emptyForImport, importUnderway, lockImport, markImport, unfinishedImport, type ImportLock, type ImportUnderway} from './import-mark.js';
import {migrate, type Migrated} from './migrations.js';
import * as removal from './removal.js';
import * as visitors from './visitors.js';
import {Writer, type WriteOptions, type WriteTx} from './writer.js';

/**
 * The store on PostgreSQL, for several hubs sharing one database (`cac hub --database URL`).
 * Opening runs the schema's migrations. Writes are grouped into transactions (see writer.ts),
 * each naming the rows it will lock; each resolves once committed, or rejects with
 * NotStoredError having changed nothing. Reads go to the pool directly. Feed listeners hear of
 * this process's own writes (other hubs' come later, with LISTEN/NOTIFY).
 */
export class PgStore implements Store {
  private pool: ReadPool | undefined;
  private writer: Writer | undefined;
  /** The writer's own connection (one transaction at a time; see Writer). */
  private writerPool: RenewablePool | undefined;
  private readonly schema: string;
  private readonly report: Report;
  private readonly listeners: Array<(entry: FeedEntry) => void> = [];
  private readonly cache = new Map<GlobalName, unknown>();
  /** What opening did to the schema. */
  migrated: Migrated | undefined;

  constructor(
    readonly url: string,
    private readonly options: PgOptions = {},
  ) {
    this.schema = options.schema ?? 'public';
    this.report = options.log ?? ((line) => process.stderr.write(`cac store: ${line}\n`));
  }

  /** Where the data is, for messages (the password left out). */
  get where(): string {
    return describeUrl(this.url) + (this.schema === 'public' ? '' : ` (schema ${this.schema})`);
  }

  async open(): Promise<void> {
    const unpatched = driverWarning();
    if (unpatched) this.report(unpatched);
    const pool = new ReadPool(this.url, {...this.options, log: this.report});
    try {
      this.migrated = await migrate(pool.raw, this.schema);
      const unfinished = this.options.importing ? undefined : await importUnderway(pool.db);
      if (unfinished) throw new Error(unfinishedImport(this.where, unfinished));
    } catch (error) {
      await pool.end(1);
      throw new Error(`cannot open ${this.where}: ${error instanceof Error ? error.message : String(error)}`, {cause: error});
    }
    this.pool = pool;
    this.writerPool = connectWriter(this.url, {...this.options, log: this.report});
    this.writer = new Writer(this.writerPool, (entries) => this.tell(entries), this.options.writeTimeoutMs ?? DEFAULT_WRITE_TIMEOUT_MS);
  }

  async close(): Promise<void> {
    if (!this.pool) return;
    // Writes in flight end within their time limit; queries on a silent connection are cut.
    await this.flush();
    await Promise.all([this.pool.end(5), this.writerPool?.end()]);
    this.pool = undefined;
    this.writerPool = undefined;
    this.writer = undefined;
  }

  async flush(): Promise<void> {
    await this.writer?.flush();
  }

  async ping(): Promise<void> {
    await this.db`SELECT 1`;
  }

  /** An import into this database that did not finish (see import-mark.ts). */
  importUnderway(): Promise<ImportUnderway | undefined> {
    return importUnderway(this.db);
  }

  /** Takes the lock an import holds while it runs (see lockImport), or undefined when another import has it. */
  lockImport(checkEveryMs?: number): Promise<ImportLock | undefined> {
    return lockImport(this.url, {...this.options, schema: this.schema, log: this.report}, checkEveryMs);
  }

  /** Marks an import under way, or with none clears the mark. */
  markImport(mark: ImportUnderway | undefined): Promise<void> {
    return markImport(this.db, mark);
  }

  /** Empties every table for an import to start again (its mark kept). */
  async emptyForImport(): Promise<void> {
    await emptyForImport(this.db);
    this.cache.clear();
  }

  private get db(): Pool {
    if (!this.pool) throw new Error('the store is not open');
    return this.pool.db;
  }

  /** A write, in the next group (asked for now: writes are grouped in the order asked). */
  private write<T>(run: (w: WriteTx) => Promise<T>, options?: WriteOptions): Promise<T> {
    if (!this.writer) return Promise.reject(new NotStoredError(new Error('the store is not open')));
    return this.writer.add(run, options);
  }

  private tell(entries: FeedEntry[]): void {
    for (const entry of entries) {
      for (const listener of this.listeners) {
        try {
          listener(structuredClone(entry));
        } catch (error) {
          this.report(`a feed listener failed: ${String(error)}`);
        }
      }
    }
  }

  // ---- chats

  async openChats(): Promise<StoredChat[]> {
    return chats.openChats(this.db);
  }

  async chat(id: string): Promise<StoredChat | undefined> {
    return chats.readChat(this.db, id);
  }

  putChat(chat: ChatRecord): Promise<void> {
    return this.write((w) => chats.putChat(w.tx, chat), {locks: {chats: [chat.id]}, pipelined: true});
  }

  appendEvent(chatId: string, event: NewEvent, chat?: ChatRecord, tag?: ChatFeedTag): Promise<Appended> {
    return this.write((w) => chats.appendEvent(w, chatId, event, chat, tag), {locks: {chats: [chatId]}, pipelined: true});
  }

  /**
   * Stores `chat` (the record as claimed by `operator`) with `event` only if the stored chat has
   * no owner, is not ended and is offered to nobody else; undefined when another claim won.
   */
  claimChat(chat: ChatRecord, operator: string, event: NewEvent, tag?: ChatFeedTag): Promise<Changed | undefined> {
    return this.write((w) => chats.claimChat(w, chat, operator, event, tag), {locks: {chats: [chat.id]}});
  }

  /** Stores the record with the event if its state, owner and offer are still `before`'s. */
  changeChat(chat: ChatRecord, before: ChatGuard, event: NewEvent, tag?: ChatFeedTag): Promise<Changed | undefined> {
    return this.write((w) => chats.changeChat(w, chat, before, event, tag), {locks: {chats: [chat.id]}});
  }

  /** The names put in the record as stored, read and written with its row locked. */
  nameChat(chatId: string, names: ChatNames): Promise<void> {
    return this.write((w) => chats.nameChat(w.tx, chatId, names), {locks: {chats: [chatId]}});
  }

  async events(chatId: string, after = 0, limit = Infinity): Promise<ChatEvent[]> {
    return chats.events(this.db, chatId, after, limit);
  }

  async listChats(query: ChatQuery = {}, cursor?: string, limit = 100): Promise<ChatPage> {
    return chats.listChats(this.db, query, cursor, limit);
  }

  async countChats(query: ChatQuery = {}): Promise<number> {
    return chats.countChats(this.db, query);
  }

  // ---- visitors

  async visitor(id: string): Promise<VisitorRecord | undefined> {
    return visitors.readVisitor(this.db, id);
  }

  putVisitor(visitor: VisitorRecord): Promise<void> {
    return this.write((w) => visitors.putVisitor(w.tx, visitor), {locks: {visitors: [visitor.id]}, pipelined: true});
  }

  appendVisit(visitorId: string, visit: VisitStart, tag?: VisitorFeedTag): Promise<FeedEntry | undefined> {
    return this.write((w) => visitors.appendVisit(w, visitorId, visit, tag), {locks: {visitors: [visitorId]}, pipelined: true});
  }

  appendPage(visitorId: string, visitId: string, page: PageView, tag?: VisitorFeedTag): Promise<FeedEntry | undefined> {
    return this.write((w) => visitors.appendPage(w, visitorId, visitId, page, tag), {locks: {visitors: [visitorId]}, pipelined: true});
  }

  async visits(visitorId: string, limit = Infinity): Promise<Visit[]> {
    return visitors.visits(this.db, visitorId, limit);
  }

  async listVisitors(query: {site?: string} = {}, cursor?: string, limit = 100): Promise<VisitorPage> {
    return visitors.listVisitors(this.db, query, cursor, limit);
  }

  eraseVisitor(id: string): Promise<Erased> {
    return this.write((w) => removal.eraseVisitor(w, id));
  }

  prune(cutoff: (site: string) => number | undefined): Promise<Pruned> {
    return this.write((w) => removal.prune(w, cutoff));
  }

  // ---- the feed

  appendFeed(entry: NewFeedEntry): Promise<FeedEntry> {
    return this.write(async (w) => feed.appendFeed(w, entry), {pipelined: true});
  }

  async feed(after: number, limit: number, filter?: FeedFilter): Promise<FeedPage> {
    return feed.feedPage(this.db, after, limit, filter, this.report);
  }

  async feedEnd(): Promise<number> {
    return feed.feedEnd(this.db);
  }

  async feedCursorAt(at: number): Promise<number> {
    return feed.feedCursorAt(this.db, at);
  }

  onFeed(listener: (entry: FeedEntry) => void): void {
    this.listeners.push(listener);
  }

  // ---- globals

  async global<K extends GlobalName>(name: K, fresh = false): Promise<Globals[K]> {
    if (!fresh && this.cache.has(name)) return this.cache.get(name) as Globals[K];
    const value = await readGlobal(this.db, name);
    this.cache.set(name, value);
    return value;
  }

  putGlobal<K extends GlobalName>(name: K, value: Globals[K]): Promise<void> {
    this.cache.set(name, value);
    return this.write((w) => putGlobal(w.tx, name, value));
  }
}
