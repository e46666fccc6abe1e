import {mkdir} from 'node:fs/promises';
import {join} from 'node:path';
import type {ChatEvent, FeedEntry, PageView, Visit} from '../protocol/index.js';
import {applyRecords, type ApplyContext} from './apply.js';
import {Batcher} from './batcher.js';
import {Checkpoint} from './checkpoint.js';
import {FolderDocs} from './folder-docs.js';
import {FolderGlobals} from './folder-globals.js';
import type {ChatFeedTag, FeedFilter, FeedPage, NewFeedEntry, VisitorFeedTag} from './feed.js';
import {FEED_DIR, FeedLog} from './feed-log.js';
import {nodeFiles, type FileLayer} from './file-layer.js';
import {FileSystemSync} from './file-system-sync.js';
import {Journal, type JournalRecord} from './journal.js';
import type {Report} from './log-file.js';
import {LogReader} from './log-reader.js';
import {chatDoc, checkId, Logs, type LogHost} from './logs.js';
import {OpenIndex} from './open-index.js';
import {Pending} from './pending.js';
import {recoverFolder} from './recovery.js';
import {switchedReads, syncReads, type ReadLayer} from './read-layer.js';
import {FolderListing} from './folder-listing.js';
import {realClock, type Clock} from '../lib/timers.js';
import {eraseVisitor, prune, type RemovalParts} from './removal.js';
import type {Appended, ChatPage, ChatQuery, Erased, Pruned, Store, VisitorPage} from './store.js';
import {
  chatRecord,
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
  /** Entries per feed file. */
  feedFileEntries?: number;
  /** Read files synchronously: for a command that has the folder to itself (see read-layer.ts). */
  syncReads?: boolean;
  /** How files are read, in place of the above (tests count what a read costs). */
  reads?: ReadLayer;
  /** The journal's and the checkpoint's clock and timers (tests move time on without sleeping). */
  clock?: Clock;
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
  private readonly pending = new Pending();
  private readonly fsSync: FileSystemSync;
  private readonly checkpoint: Checkpoint | undefined;
  private readonly index: OpenIndex;
  private readonly globals: FolderGlobals;
  private indexLoad: Promise<void> | undefined;
  private readonly reader: LogReader;
  private readonly docs: FolderDocs;
  private readonly logs: Logs;
  private readonly listing: FolderListing;
  private readonly reads: ReadLayer;
  /** Bulk reads running now (see Store.bulk). */
  private bulkReads = 0;

  constructor(
    readonly dir: string,
    readonly options: EmbeddedOptions = {},
  ) {
    this.files = options.files ?? nodeFiles;
    this.report = options.log ?? ((line) => process.stderr.write(`cac store: ${line}\n`));
    const tmpDir = join(dir, 'tmp');
    this.fsSync = new FileSystemSync(dir);
    this.ctx = {dir, tmpDir, files: this.files, report: this.report, diskN: new Map(), concurrency: options.concurrency ?? 2, writing: new Map(), syncFileSystem: () => this.fsSync.sync()};
    this.index = new OpenIndex(join(dir, 'open-chats.json'), tmpDir);
    this.globals = new FolderGlobals(dir, tmpDir, this.pending, (records) => this.write(records));
    this.reads = options.reads ?? (options.syncReads ? syncReads : switchedReads(() => this.bulkReads > 0));
    this.reader = new LogReader(dir, this.pending, this.ctx.writing, this.report, this.reads);
    this.docs = new FolderDocs(dir, this.pending, this.reads, this.reader);
    this.listing = new FolderListing({
      dir,
      pending: this.pending,
      index: this.index,
      indexReady: () => this.indexReady(),
      readDoc: (f, schema) => this.docs.read(f, schema),
    });
    const feed = new FeedLog(dir, this.pending, this.reader, this.report, options.feedFileEntries);
    this.logs = new Logs(this.logHost(), this.reader, feed);
    if (options.journal) {
      const clock = options.clock ?? realClock;
      this.journal = new Journal(dir, {files: this.files, maxBytes: options.segmentBytes, maxAgeMs: options.segmentAgeMs, log: this.report, clock});
      this.checkpoint = new Checkpoint(this.journal, this.ctx, this.index, this.pending, this.report, options.segmentAgeMs ?? 10_000, clock);
    }
    this.batcher = new Batcher(
      (records) => (this.journal ? this.journal.append(records) : this.writeThrough(records)),
      () => this.logs.rollback(),
    );
  }

  async open(): Promise<void> {
    for (const sub of ['chats', 'visitors', FEED_DIR, 'tmp']) await mkdir(join(this.dir, sub), {recursive: true, mode: 0o700});
    // Written through (the CLI): the index of open chats is read only if chats are asked for.
    if (!this.journal) return;
    // The checkpoint's flushes go through a helper process, best started while the hub is small.
    this.fsSync.startSoon();
    await recoverFolder({
      ctx: this.ctx,
      journal: this.journal,
      checkpoint: this.checkpoint!,
      pending: this.pending,
      index: this.index,
      feed: this.logs.feed,
      loadIndex: (records) => this.loadIndex(records),
    });
  }

  async close(): Promise<void> {
    try {
      await this.flush();
      if (!this.journal) return;
      await this.journal.close();
      await this.checkpoint!.finish();
    } finally {
      this.fsSync.stop();
    }
  }

  flush(): Promise<void> {
    return this.batcher.flush();
  }

  // ---- writing

  /** The index of open chats, read once. */
  private indexReady(): Promise<void> {
    return this.indexLoad ?? this.loadIndex([]);
  }

  /** Reads the index of open chats (made from every chat's document where there is none), with `records` on top. */
  private loadIndex(records: JournalRecord[]): Promise<void> {
    this.indexLoad = this.index.load(() => this.docs.scanOpenChats(), records);
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

  private logHost(): LogHost {
    let loading: Promise<void> | undefined;
    return {
      // Written through (the CLI), the index and the feed's end are read on first use.
      ready: () => (this.journal ? undefined : (loading ??= Promise.all([this.indexReady(), this.logs.feed.load()]).then(() => {}))),
      write: (records, commit) => this.write(records, commit),
      flush: () => this.flush(),
      chatStored: (chatId, seq, chat, text) => {
        if (chat) {
          this.index.put(chat, text);
          this.listing.put(chat);
        }
        this.index.seen(chatId, seq);
      },
    };
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
    const chat = await this.docs.read(`chats/${id}.json`, chatRecord);
    if (!chat) return undefined;
    const tail = this.logs.tails.get(`chats/${id}.log`);
    return {chat, lastSeq: tail?.committed ?? (await this.reader.last(`chats/${id}.log`))};
  }

  async putChat(chat: ChatRecord): Promise<void> {
    const doc = chatDoc(chat);
    await this.indexReady();
    return this.write([doc], () => {
      this.index.put(chat, doc.text);
      this.listing.put(chat);
    });
  }

  appendEvent(chatId: string, event: NewEvent, chat?: ChatRecord, feed?: ChatFeedTag): Promise<Appended> {
    return this.logs.appendEvent(chatId, event, chat, feed);
  }

  async bulk<T>(read: () => Promise<T>): Promise<T> {
    this.bulkReads++;
    try {
      return await read();
    } finally {
      this.bulkReads--;
    }
  }

  events(chatId: string, after = 0, limit = Infinity): Promise<ChatEvent[]> {
    return this.logs.events(chatId, after, limit);
  }

  listChats(query: ChatQuery = {}, cursor?: string, limit = 100): Promise<ChatPage> {
    return this.listing.page(query, cursor, limit);
  }

  countChats(query: ChatQuery = {}): Promise<number> {
    return this.listing.count(query);
  }

  // ---- visitors

  // Async, as every method taking an id: a malformed id is a rejection the caller handles, never
  // an exception thrown past its `.catch` (a visitor's hello names any id it likes).
  async visitor(id: string): Promise<VisitorRecord | undefined> {
    return this.docs.read(`visitors/${checkId(id)}.json`, visitorRecord).then((v) => v ?? undefined);
  }

  async putVisitor(visitor: VisitorRecord): Promise<void> {
    return this.write([{k: 'd', f: `visitors/${checkId(visitor.id)}.json`, text: JSON.stringify(visitor)}]);
  }

  appendVisit(visitorId: string, visit: VisitStart, feed?: VisitorFeedTag): Promise<FeedEntry | undefined> {
    return this.logs.appendVisit(visitorId, visit, feed);
  }

  appendPage(visitorId: string, visitId: string, page: PageView, feed?: VisitorFeedTag): Promise<FeedEntry | undefined> {
    return this.logs.appendPage(visitorId, visitId, page, feed);
  }

  visits(visitorId: string, limit = Infinity): Promise<Visit[]> {
    return this.logs.visits(visitorId, limit);
  }

  // ---- the feed

  appendFeed(entry: NewFeedEntry): Promise<FeedEntry> {
    return this.logs.appendFeed(entry);
  }

  feed(after: number, limit: number, filter?: FeedFilter): Promise<FeedPage> {
    return this.logs.page(after, limit, filter);
  }

  feedEnd(): Promise<number> {
    return this.logs.feed.end();
  }

  feedCursorAt(at: number): Promise<number> {
    return this.logs.feed.cursorAt(at);
  }

  onFeed(listener: (entry: FeedEntry) => void): void {
    this.logs.feed.listen(listener);
  }

  // ---- globals

  global<K extends GlobalName>(name: K, fresh = false): Promise<Globals[K]> {
    return this.globals.get(name, fresh);
  }

  putGlobal<K extends GlobalName>(name: K, value: Globals[K]): Promise<void> {
    return this.globals.put(name, value);
  }

  // ---- listing and removing visitors

  listVisitors(query: {site?: string} = {}, cursor?: string, limit = 100): Promise<VisitorPage> {
    return this.docs.listVisitors(query, cursor, limit);
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
      tails: this.logs.tails,
      diskN: this.ctx.diskN,
      forgetChat: (id) => this.listing.remove(id),
      report: this.report,
      reads: this.reads,
      drain: async () => {
        await this.indexReady();
        await this.flush();
        if (!this.journal) return;
        await this.journal.seal();
        await this.checkpoint!.finish();
      },
      exclusive: (fn) => (this.checkpoint ? this.checkpoint.exclusive(fn) : fn()),
    };
  }
}

