import type {FeedEntry} from '../../protocol/index.js';
import {entryOf, type FeedRecord, type Referred} from '../feed.js';
import {NotStoredError} from '../store.js';
import {fromServer, type Pool, type Tx} from './connection.js';

/** What a write runs with: its transaction, and the feed numbered in it. */
export interface WriteTx {
  tx: Tx;
  /** Numbers a feed entry in this transaction (its row goes in before the commit). */
  feed(record: FeedRecord, referred?: Referred): FeedEntry;
}

/**
 * A write refused before it changed anything (a chat that does not exist): its caller hears of
 * it, and the writes grouped with it go on. Thrown only before a write's first change.
 */
export class Refused extends Error {
  override name = 'Refused';
}

interface Job {
  run(w: WriteTx): Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

type Outcome = {ok: true; value: unknown} | {ok: false; error: unknown};

/** Writes per transaction at the most. */
const GROUP_MAX = 500;

/**
 * Group commit on PostgreSQL: the writes asked for in one turn of the event loop (and while the
 * previous group commits) run in one transaction, in the order they were asked for, and are
 * answered once it commits. Each transaction first locks the feed's one-row counter: writes of
 * every hub on the database are serialised there, so feed cursors are handed out in commit
 * order with no gap (a transaction rolled back never took any), chat seqs too, and no two groups
 * can deadlock. Listeners hear of a group's feed entries after its commit, in cursor order.
 */
export class Writer {
  private queue: Job[] = [];
  private running: Promise<void> | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly committed: (entries: FeedEntry[]) => void,
  ) {}

  add<T>(run: (w: WriteTx) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({run, resolve: resolve as (value: unknown) => void, reject});
      this.running ??= new Promise<void>((r) => setImmediate(r)).then(() => this.drain());
    });
  }

  /** Resolves once every write asked for so far is committed (or has failed). */
  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const jobs = this.queue.splice(0, GROUP_MAX);
      try {
        await this.commit(jobs);
      } catch (error) {
        // A statement the server refused spoils its whole transaction: each write of the group
        // is tried again alone, so one bad write fails only its own caller. A lost connection
        // fails them all (nothing was stored; callers may send again).
        if (jobs.length > 1 && fromServer(error)) {
          for (const job of jobs) await this.commit([job]).catch((alone: unknown) => job.reject(new NotStoredError(alone)));
        } else for (const job of jobs) job.reject(new NotStoredError(error));
      }
    }
    this.running = undefined;
  }

  private async commit(jobs: Job[]): Promise<void> {
    let outcomes: Outcome[] = [];
    let entries: FeedEntry[] = [];
    await this.pool.begin(async (tx) => {
      outcomes = [];
      entries = [];
      const [end] = await tx`SELECT last FROM feed_end FOR UPDATE`;
      let cursor = Number(end!.last);
      const rows: Record<string, unknown>[] = [];
      const w: WriteTx = {
        tx,
        feed(record, referred) {
          cursor += 1;
          rows.push(feedRow(cursor, record));
          const entry = entryOf(cursor, record, referred);
          entries.push(entry);
          return entry;
        },
      };
      for (const job of jobs) {
        try {
          outcomes.push({ok: true, value: await job.run(w)});
        } catch (error) {
          if (!(error instanceof Refused)) throw error;
          outcomes.push({ok: false, error});
        }
      }
      if (rows.length === 0) return;
      await tx`INSERT INTO feed ${tx(rows, 'cursor', 'at', 'type', 'site', 'chat_id', 'seq', 'visitor_id', 'doc')}`;
      await tx`UPDATE feed_end SET last = ${cursor}`;
    });
    this.committed(entries);
    for (const [i, job] of jobs.entries()) {
      const outcome = outcomes[i]!;
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.error);
    }
  }
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** A feed record as a row: what readers filter on beside it in columns. */
function feedRow(cursor: number, record: FeedRecord): Record<string, unknown> {
  return {
    cursor,
    at: record.at,
    type: record.type,
    site: text(record.site),
    chat_id: text(record.chatId),
    seq: typeof record.seq === 'number' ? record.seq : null,
    visitor_id: text(record.visitorId),
    doc: record,
  };
}
