import {readdir} from 'node:fs/promises';
import {join} from 'node:path';
import type {FeedEntry} from '../protocol/index.js';
import {entryOf, feedLine, feedMatches, resolve, type FeedFilter, type FeedLine, type FeedPage, type FeedRecord, type FeedSource, type Referred} from './feed.js';
import type {JournalRecord} from './journal.js';
import type {Report} from './log-file.js';
import type {LogReader} from './log-reader.js';
import type {Pending} from './pending.js';

export const FEED_DIR = 'feed';
const fileName = /^(\d{12})\.log$/;

/** Lines looked at for one page at the most, however few of them a filter keeps. */
const SCAN_MAX = 5000;

/**
 * The feed of the data folder: its lines go through the journal like any log's, into files of
 * `perFile` entries each, named by their first cursor (`feed/000000100001.log`) so they sort and
 * a retention job can drop whole old files. Cursors are handed out synchronously, in the order
 * writes are asked for, and taken back when a write fails (as chat seqs are), so the feed never
 * has a gap. Opening reads only the end of the newest file, and the journal's leftovers.
 */
export class FeedLog {
  /** The last cursor handed out, and the last one durable. */
  private last = 0;
  private committed = 0;
  private loading: Promise<void> | undefined;
  ready = false;
  private readonly listeners: Array<(entry: FeedEntry) => void> = [];

  constructor(
    private readonly dir: string,
    private readonly pending: Pending,
    private readonly reader: LogReader,
    private readonly report: Report,
    private readonly perFile = 100_000,
  ) {}

  /** The last file named, kept: every entry held for it names it with this one string. */
  private named = {start: 0, file: ''};

  /** The file holding a cursor. */
  fileOf(cursor: number): string {
    const start = Math.floor((cursor - 1) / this.perFile) * this.perFile + 1;
    if (start !== this.named.start) this.named = {start, file: `${FEED_DIR}/${String(start).padStart(12, '0')}.log`};
    return this.named.file;
  }

  private startOf(f: string): number {
    return Number(fileName.exec(f.slice(FEED_DIR.length + 1))![1]);
  }

  /** Feed files on disk or in the journal, oldest first. */
  private async files(): Promise<string[]> {
    const names = new Set((await readdir(join(this.dir, FEED_DIR)).catch(() => [] as string[])).filter((n) => fileName.test(n)));
    for (const f of this.pending.lineFiles()) if (f.startsWith(`${FEED_DIR}/`)) names.add(f.slice(FEED_DIR.length + 1));
    return [...names].sort().map((n) => `${FEED_DIR}/${n}`);
  }

  /** Learns the last cursor: the newest file's last line, or a later one the journal holds. */
  load(leftovers: JournalRecord[] = []): Promise<void> {
    this.loading ??= (async () => {
      const newest = (await this.files()).at(-1);
      let last = 0;
      if (newest) {
        last = this.startOf(newest) - 1;
        await this.reader.newestFirst(newest, feedLine, (l) => {
          last = l.n;
          return false;
        });
      }
      for (const r of leftovers) if (r.k === 'l' && r.f.startsWith(`${FEED_DIR}/`)) last = Math.max(last, r.n);
      this.last = this.committed = Math.max(this.last, last);
      this.ready = true;
    })();
    return this.loading;
  }

  /** Numbers a record and adds its journal line to `records`; resolves nothing yet. */
  add(records: JournalRecord[], record: FeedRecord, referred?: Referred): FeedEntry {
    if (!this.ready) throw new Error('the feed is not loaded');
    const n = ++this.last;
    records.push({k: 'l', f: this.fileOf(n), n, text: JSON.stringify({n, e: record})});
    return entryOf(n, record, referred);
  }

  /** The entry is durable: its cursor counts, and listeners hear of it (in cursor order). */
  commit(entry: FeedEntry): void {
    this.committed = Math.max(this.committed, entry.cursor);
    for (const listener of this.listeners) {
      try {
        listener(entry);
      } catch (error) {
        this.report(`a feed listener failed: ${String(error)}`);
      }
    }
  }

  /** Takes back every cursor handed out but not durable (a write failed). */
  rollback(): void {
    this.last = this.committed;
  }

  listen(listener: (entry: FeedEntry) => void): void {
    this.listeners.push(listener);
  }

  async end(): Promise<number> {
    await this.load();
    return this.committed;
  }

  /** Durable entries after `after` that match `filter`: at most `limit`, looking at SCAN_MAX. */
  async page(after: number, limit: number, filter: FeedFilter | undefined, source: FeedSource): Promise<FeedPage> {
    const end = await this.end();
    const found: FeedLine[] = [];
    let looked = Math.max(0, after);
    let scanned = 0;
    const enough = () => found.length >= limit || scanned >= SCAN_MAX;
    while (looked < end && !enough()) {
      const f = this.fileOf(looked + 1);
      const more = await this.reader.forward(f, feedLine, looked, (l) => {
        if (l.n > end) return false;
        looked = l.n;
        scanned += 1;
        if (feedMatches(l.e, filter)) found.push(l as FeedLine);
        return !enough();
      });
      // Read to its end, or to a line past `end`: what the file lacks (a damaged line, a file
      // removed) is skipped.
      if (more || !enough()) looked = Math.min(end, this.startOf(f) + this.perFile - 1);
    }
    const entries = await resolve(found, source, this.report);
    return {entries, last: Math.max(looked, after), more: looked < end};
  }

  /** The cursor after which entries are at or after `at` (entries are stored in time order). */
  async cursorAt(at: number): Promise<number> {
    const end = await this.end();
    const files = await this.files();
    for (const f of files.reverse()) {
      const start = this.startOf(f);
      let found: number | undefined;
      let first = true;
      let before = false;
      await this.reader.forward(f, feedLine, start - 1, (l) => {
        if (first) {
          first = false;
          before = l.e.at < at;
          if (!before) return false;
        }
        if (l.e.at >= at) {
          found = l.n;
          return false;
        }
        return true;
      });
      if (!before) continue;
      return found !== undefined ? found - 1 : Math.min(end, start + this.perFile - 1);
    }
    return 0;
  }
}
