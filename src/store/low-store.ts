import {mkdir, readdir} from 'node:fs/promises';
import {dirname, join, relative} from 'node:path';
import {Low} from 'lowdb';
import {DurableJSONFile, syncDir} from './durable-file.js';
import {Journal} from './journal.js';
import {globalDefaults, type Globals} from './globals.js';
import type {ChatRecord, VisitorRecord} from './types.js';

export type {Globals};

type Waiter = {resolve: () => void; reject: (error: unknown) => void};

/**
 * How long journalled documents wait before the checkpoint writes them to their own files:
 * long enough that a busy chat's many messages cost one file write, short enough that the
 * journal stays small and other readers of the folder (the CLI) see recent state.
 */
const CHECKPOINT_DELAY_MS = 1000;

const safeId = /^[\w~-]{1,100}$/;

/**
 * The data folder. One JSON document per chat and per visitor plus a few small global ones, so a
 * message write costs the same however much history is stored. Writes that arrive together are
 * grouped into one flush (files fsynced, renamed, folders synced) before any of them resolves.
 */
export class LowStore {
  private readonly docs = new Map<string, Low<unknown>>();
  private pending = new Map<Low<unknown>, Waiter[]>();
  private flushing: Promise<void> | undefined;
  private readonly journal: Journal | undefined;
  /** Documents acknowledged through the journal but not yet checkpointed into their own files. */
  private unwritten = new Set<Low<unknown>>();
  private readonly releasing = new Set<Low<unknown>>();
  /** Documents being written to their own files right now. */
  private readonly inflight = new Set<Low<unknown>>();
  /** The wait before the next checkpoint, and the checkpoint running now. */
  private checkpointTimer: NodeJS.Timeout | undefined;
  private checkpointRun: Promise<void> | undefined;
  /** The last checkpoint failure; its documents stay in the journal and are tried again. */
  checkpointError: unknown;

  /**
   * With `journal` (the hub), groups of writes are acknowledged after one journal fsync and the
   * documents are written by a checkpoint right after; without (the CLI), every group writes its
   * documents durably before resolving.
   */
  constructor(
    readonly dir: string,
    options: {journal?: boolean} = {},
  ) {
    if (options.journal) this.journal = new Journal(dir);
  }

  async open(): Promise<this> {
    await mkdir(join(this.dir, 'chats'), {recursive: true, mode: 0o700});
    await mkdir(join(this.dir, 'visitors'), {recursive: true, mode: 0o700});
    if (this.journal) {
      const {records, files} = await this.journal.leftovers();
      const dirs = new Set<string>();
      for (const [file, data] of records) {
        const path = join(this.dir, file);
        await new DurableJSONFile(path).write(data);
        dirs.add(dirname(path));
      }
      for (const dir of dirs) await syncDir(dir);
      await this.journal.start();
      await this.journal.remove(files);
    }
    return this;
  }

  /** Writes everything out and closes the journal (graceful shutdown). */
  async close(): Promise<void> {
    await this.flush();
    if (this.journal) {
      // No need to wait out the delay: write everything now.
      clearTimeout(this.checkpointTimer);
      this.checkpointTimer = undefined;
      while (this.checkpointRun) await this.checkpointRun;
      await this.runCheckpoint();
      const old = await this.journal.rotate();
      await this.journal.close();
      await this.journal.remove([...old, ...(await this.journal.segments())]);
    }
  }

  /** A global document, read from disk the first time (or again with `fresh`). */
  async global<K extends keyof Globals>(name: K, fresh = false): Promise<Low<Globals[K]>> {
    const file = join(this.dir, `${name}.json`);
    let db = this.docs.get(file) as Low<Globals[K]> | undefined;
    if (!db || fresh) {
      db = new Low(new DurableJSONFile<Globals[K]>(file), globalDefaults[name]());
      await db.read();
      this.docs.set(file, db as Low<unknown>);
    }
    return db;
  }

  /** A global document already read by `global`, for callers that cannot wait. */
  globalCache<K extends keyof Globals>(name: K): Low<Globals[K]> | undefined {
    return this.docs.get(join(this.dir, `${name}.json`)) as Low<Globals[K]> | undefined;
  }

  chatFile(id: string): string {
    if (!safeId.test(id)) throw new Error(`bad chat id ${JSON.stringify(id)}`);
    return join(this.dir, 'chats', `${id}.json`);
  }

  visitorFile(id: string): string {
    if (!safeId.test(id)) throw new Error(`bad visitor id ${JSON.stringify(id)}`);
    return join(this.dir, 'visitors', `${id}.json`);
  }

  async chat(id: string): Promise<Low<ChatRecord> | undefined> {
    return this.load<ChatRecord>(this.chatFile(id));
  }

  async visitor(id: string): Promise<Low<VisitorRecord> | undefined> {
    return this.load<VisitorRecord>(this.visitorFile(id));
  }

  /** Creates (in memory) a new per-chat document; `save` it to store it. */
  newChat(record: ChatRecord): Low<ChatRecord> {
    return this.create(this.chatFile(record.id), record);
  }

  newVisitor(record: VisitorRecord): Low<VisitorRecord> {
    return this.create(this.visitorFile(record.id), record);
  }

  async chatIds(): Promise<string[]> {
    return idsIn(join(this.dir, 'chats'));
  }

  async visitorIds(): Promise<string[]> {
    return idsIn(join(this.dir, 'visitors'));
  }

  /** Resolves once this document's current state is durably on disk. */
  save<T>(doc: Low<T>): Promise<void> {
    const db = doc as Low<unknown>;
    return new Promise((resolve, reject) => {
      const waiters = this.pending.get(db);
      if (waiters) waiters.push({resolve, reject});
      else this.pending.set(db, [{resolve, reject}]);
      this.flushing ??= new Promise<void>((done) => setImmediate(done)).then(() => this.flushAll());
    });
  }

  /** Waits for every write asked for so far. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  /**
   * Lets go of a document the caller no longer needs in memory (an ended chat, a visitor who
   * left), once nothing of it waits to be written: until then the file on disk may be older.
   */
  release<T>(doc: Low<T>): void {
    const db = doc as Low<unknown>;
    if (this.busy(db)) this.releasing.add(db);
    else this.uncache(db);
  }

  private uncache(db: Low<unknown>): void {
    const file = (db.adapter as DurableJSONFile<unknown>).file;
    if (this.docs.get(file) === db) this.docs.delete(file);
  }

  private busy(db: Low<unknown>): boolean {
    return this.pending.has(db) || this.unwritten.has(db) || this.inflight.has(db);
  }

  /** Lets go of released documents whose last state has reached their own file. */
  private releaseWritten(): void {
    for (const db of this.releasing) {
      if (this.busy(db)) continue;
      this.uncache(db);
      this.releasing.delete(db);
    }
  }

  /** Drops cached documents so the next access reads them from disk (tests, CLI). */
  forget(): void {
    this.docs.clear();
  }

  private async flushAll(): Promise<void> {
    while (this.pending.size > 0) {
      const batch = this.pending;
      this.pending = new Map();
      if (this.journal) {
        await this.journalBatch(batch);
        continue;
      }
      const dirs = new Set<string>();
      for (const db of batch.keys()) this.inflight.add(db);
      const results = await Promise.allSettled(
        [...batch.keys()].map((db) => {
          dirs.add(dirname((db.adapter as DurableJSONFile<unknown>).file));
          return db.write();
        }),
      );
      let dirError: unknown;
      await Promise.all([...dirs].map((dir) => syncDir(dir))).catch((error: unknown) => {
        dirError = error;
      });
      for (const db of batch.keys()) this.inflight.delete(db);
      this.releaseWritten();
      let index = 0;
      for (const waiters of batch.values()) {
        const result = results[index++];
        for (const waiter of waiters) {
          if (result?.status === 'rejected') waiter.reject(result.reason);
          else if (dirError) waiter.reject(dirError);
          else waiter.resolve();
        }
      }
    }
    this.flushing = undefined;
    this.releaseWritten();
  }

  private async journalBatch(batch: Map<Low<unknown>, Waiter[]>): Promise<void> {
    // Marked before the append, so a checkpoint that rotates the journal meanwhile covers them.
    for (const db of batch.keys()) this.unwritten.add(db);
    const records = [...batch.keys()].map((db) => ({f: this.relative(db), d: db.data}));
    let failure: unknown;
    await this.journal!.append(records).catch((error: unknown) => {
      failure = error;
    });
    for (const waiters of batch.values()) {
      for (const waiter of waiters) {
        if (failure) waiter.reject(failure);
        else waiter.resolve();
      }
    }
    this.scheduleCheckpoint();
  }

  private scheduleCheckpoint(): void {
    if (this.checkpointTimer || this.checkpointRun) return;
    this.checkpointTimer = setTimeout(() => {
      this.checkpointTimer = undefined;
      void this.runCheckpoint();
    }, CHECKPOINT_DELAY_MS);
    // Acked writes are in the journal already; a pending checkpoint need not keep a process alive.
    this.checkpointTimer.unref();
  }

  private runCheckpoint(): Promise<void> {
    this.checkpointRun ??= this.checkpoint()
      .catch((error: unknown) => {
        this.checkpointError = error;
      })
      .finally(() => {
        this.checkpointRun = undefined;
        this.releaseWritten();
        if (this.unwritten.size > 0) this.scheduleCheckpoint();
      });
    return this.checkpointRun;
  }

  /** Writes every journalled document to its own file durably, then drops the covered segments. */
  private async checkpoint(): Promise<void> {
    try {
      while (this.unwritten.size > 0) {
        const old = await this.journal!.rotate();
        const docs = this.unwritten;
        this.unwritten = new Set();
        for (const db of docs) this.inflight.add(db);
        const dirs = new Set<string>();
        try {
          await Promise.all(
            [...docs].map((db) => {
              dirs.add(dirname((db.adapter as DurableJSONFile<unknown>).file));
              return db.write();
            }),
          );
          for (const dir of dirs) await syncDir(dir);
        } catch (error) {
          // Keep the segments: they still hold these documents. Try again with the next group.
          for (const db of docs) this.unwritten.add(db);
          throw error;
        } finally {
          for (const db of docs) this.inflight.delete(db);
        }
        await this.journal!.remove(old);
        this.releaseWritten();
      }
    } finally {
      this.releaseWritten();
    }
  }

  private relative(db: Low<unknown>): string {
    return relative(this.dir, (db.adapter as DurableJSONFile<unknown>).file);
  }

  private async load<T>(file: string): Promise<Low<T> | undefined> {
    const cached = this.docs.get(file) as Low<T> | undefined;
    if (cached) return cached;
    const db = new Low<T | null>(new DurableJSONFile<T | null>(file), null);
    await db.read();
    if (db.data === null) return undefined;
    // A concurrent load may have won the race; keep the first so there is one copy in memory.
    const raced = this.docs.get(file) as Low<T> | undefined;
    if (raced) return raced;
    this.docs.set(file, db as Low<unknown>);
    return db as Low<T>;
  }

  private create<T>(file: string, record: T): Low<T> {
    const db = new Low<T>(new DurableJSONFile<T>(file), record);
    this.docs.set(file, db as Low<unknown>);
    return db;
  }
}

async function idsIn(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).map((n) => n.slice(0, -5));
}
