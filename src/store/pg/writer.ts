import {nextTurn} from '../../lib/next-turn.js';
import {within} from '../../lib/within.js';
import type {FeedEntry} from '../../protocol/index.js';
import {entryOf, type FeedRecord, type Referred} from '../feed.js';
import {NotStoredError} from '../store.js';
import {connectionLost, fromServer, type Tx, type RenewablePool} from './connection.js';

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

/** The rows a write will lock, taken for the whole group at its start in one order. */
export interface Locks {
  chats?: readonly string[];
  visitors?: readonly string[];
}

/** How a write runs in its group. */
export interface WriteOptions {
  /** The rows it will lock. */
  locks?: Locks;
  /**
   * It sends every statement it makes before it first waits (each with `.execute()`), so it
   * needs no answer before the next write's statements follow on the same connection: the
   * group's statements stream to the server, in order, with no round trip between them. A write
   * that is not pipelined waits for those before it, then runs alone.
   */
  pipelined?: boolean;
}

interface Job extends WriteOptions {
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
 * answered once it commits.
 *
 * Hubs on one database write at once: a transaction first locks the rows its writes name (chats,
 * then visitors, each in id order, so two groups never wait on each other in a circle), and
 * takes the feed's one-row counter only at its very end, for as long as it takes to insert the
 * group's feed rows and commit. So feed cursors are handed out in commit order with no gap (a
 * transaction rolled back never took any) while the rest of every hub's work overlaps. Listeners
 * hear of a group's feed entries after its commit, in cursor order.
 */
export class Writer {
  private queue: Job[] = [];
  private running: Promise<void> | undefined;

  constructor(
    private readonly connection: RenewablePool,
    private readonly committed: (entries: FeedEntry[]) => void,
    private readonly timeoutMs: number,
  ) {}

  add<T>(run: (w: WriteTx) => Promise<T>, options: WriteOptions = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({...options, run, resolve: resolve as (value: unknown) => void, reject});
      this.running ??= nextTurn().then(() => this.drain());
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
        // (or one gone silent past the time limit) fails them all, nothing being stored
        // (callers may send again), and is not used again.
        const failed = (job: Job, failure: unknown) => {
          if (connectionLost(failure)) this.connection.renew();
          job.reject(new NotStoredError(failure));
        };
        if (jobs.length > 1 && fromServer(error) && !connectionLost(error)) {
          for (const job of jobs) await this.commit([job]).catch((alone: unknown) => failed(job, alone));
        } else {
          if (connectionLost(error)) this.connection.renew();
          for (const job of jobs) job.reject(new NotStoredError(error));
        }
      }
    }
    this.running = undefined;
  }

  /**
   * Runs the group's transaction, for `timeoutMs` at the most: a connection gone silent answers
   * nothing and closes never, and every later write waits behind this one. Past the limit the
   * group fails (not stored) and its connection is dropped. If its commit did reach the server,
   * a resend is still stored once: its client id is known.
   */
  private async commit(jobs: Job[]): Promise<void> {
    // Not an answer of the server: the connection is taken for lost, and dropped (see drain).
    await within(this.transaction(jobs), this.timeoutMs, () => new Error(`the write transaction took more than ${this.timeoutMs} ms: its connection was dropped`));
  }

  private async transaction(jobs: Job[]): Promise<void> {
    let outcomes: Outcome[] = [];
    let numbered: FeedEntry[] = [];
    await this.connection.pool.begin(async (tx) => {
      outcomes = [];
      // A write's entries, numbered at the end of the transaction (see below), in the order of
      // the writes that made them (answers of pipelined writes may be handled out of order).
      const made: Array<{job: number; record: FeedRecord; entry: FeedEntry}> = [];
      const view = (job: number): WriteTx => ({
        tx,
        feed(record, referred) {
          const entry = entryOf(0, record, referred);
          made.push({job, record, entry});
          return entry;
        },
      });
      let failed: {error: unknown} | undefined;
      const settle = (i: number, running: Promise<unknown>) =>
        running.then(
          (value) => void (outcomes[i] = {ok: true, value}),
          (error: unknown) => {
            if (error instanceof Refused) outcomes[i] = {ok: false, error};
            else failed ??= {error};
          },
        );
      let inFlight: Array<Promise<void>> = [lockRows(tx, jobs).catch((error: unknown) => void (failed ??= {error}))];
      for (const [i, job] of jobs.entries()) {
        if (job.pipelined) {
          inFlight.push(settle(i, start(job, view(i))));
          continue;
        }
        await Promise.all(inFlight);
        inFlight = [];
        if (failed) break;
        await settle(i, start(job, view(i)));
      }
      await Promise.all(inFlight);
      if (failed) throw failed.error;
      if (made.length === 0) return;
      made.sort((a, b) => a.job - b.job);
      // The counter's row stays locked until the commit: the next group of any hub numbers its
      // entries after these, and commits after them. Taking it and inserting the rows numbered
      // from it are one statement, so it is held for that statement and the commit only.
      const count = made.length;
      const rows = made.map(({record}) => feedRow(record));
      const column = <T>(pick: (row: FeedRow) => T) => rows.map(pick);
      // Each column an array: a document goes as JSON text, which the server keeps as it is
      // (unpacked from one JSON array, a visitor's \u0000 in a page title would be refused).
      const [end] = await tx`
        WITH n AS (
          UPDATE feed_end SET last = last + ${count} RETURNING last
        ), added AS (
          INSERT INTO feed (cursor, at, type, site, chat_id, seq, visitor_id, doc)
          SELECT n.last - ${count} + r.i, r.at, r.type, r.site, r.chat_id, r.seq, r.visitor_id, r.doc::json
          FROM n, unnest(
            ${tx.array(column((r) => r.at), FLOAT8)}::float8[], ${tx.array(column((r) => r.type), TEXT)}::text[],
            ${tx.array(column((r) => r.site), TEXT)}::text[], ${tx.array(column((r) => r.chatId), TEXT)}::text[],
            ${tx.array(column((r) => r.seq), INT4)}::int4[], ${tx.array(column((r) => r.visitorId), TEXT)}::text[],
            ${tx.array(column((r) => r.doc), TEXT)}::text[]
          ) WITH ORDINALITY AS r(at, type, site, chat_id, seq, visitor_id, doc, i)
        )
        SELECT last FROM n`;
      const first = Number(end!.last) - count + 1;
      made.forEach(({entry}, i) => ((entry as {cursor: number}).cursor = first + i));
      numbered = made.map(({entry}) => entry);
    });
    this.committed(numbered);
    for (const [i, job] of jobs.entries()) {
      const outcome = outcomes[i]!;
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.error);
    }
  }
}

/** A write begun (one that throws at once has failed like one that rejects). */
function start(job: Job, w: WriteTx): Promise<unknown> {
  try {
    return job.run(w);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Locks every row the group's writes name, chats then visitors, each in id order. */
async function lockRows(tx: Tx, jobs: Job[]): Promise<void> {
  const chats = new Set<string>();
  const visitors = new Set<string>();
  for (const {locks} of jobs) {
    for (const id of locks?.chats ?? []) chats.add(id);
    for (const id of locks?.visitors ?? []) visitors.add(id);
  }
  // Sent at once, ahead of the group's first write.
  const locking = [
    chats.size > 0 && tx`SELECT 1 FROM chats WHERE id = ANY(${[...chats]}::text[]) ORDER BY id FOR UPDATE`.execute(),
    visitors.size > 0 && tx`SELECT 1 FROM visitors WHERE id = ANY(${[...visitors]}::text[]) ORDER BY id FOR UPDATE`.execute(),
  ];
  await Promise.all(locking);
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** Type ids of the arrays' elements. */
const FLOAT8 = 701;
const TEXT = 25;
const INT4 = 23;

interface FeedRow {
  at: number;
  type: string;
  site: string | null;
  chatId: string | null;
  seq: number | null;
  visitorId: string | null;
  /** The record as JSON text. */
  doc: string;
}

/** A feed record as a row (its cursor given by the statement): what readers filter on beside it in columns. */
function feedRow(record: FeedRecord): FeedRow {
  return {
    at: record.at,
    type: record.type,
    site: text(record.site),
    chatId: text(record.chatId),
    seq: typeof record.seq === 'number' ? record.seq : null,
    visitorId: text(record.visitorId),
    doc: JSON.stringify(record),
  };
}
