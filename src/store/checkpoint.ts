import {nextTurn} from '../lib/next-turn.js';
import {realClock, unref, type Clock} from '../lib/timers.js';
import {applyRecords, SLICE, type ApplyContext} from './apply.js';
import type {Journal} from './journal.js';
import type {Report} from './log-file.js';
import type {OpenIndex} from './open-index.js';
import type {Pending} from './pending.js';

/**
 * Applies finished journal segments to their files in the background, one run at a time, then
 * deletes them. A failure keeps the segments (they still hold every change) and tries again
 * later, so a full disk that gets space back is picked up without a restart. An idle hub still
 * finishes its segment after `idleMs`, so the journal empties and the checkpoint rests.
 */
export class Checkpoint {
  private running: Promise<void> | undefined;
  /** Set while a removal rewrites files (see exclusive). */
  private held: Promise<void> | undefined;
  private retryTimer: unknown;
  private idleTimer: unknown;
  /** When the last durable group came (the idle wait counts from it). */
  private lastGroupAt = 0;
  private laterTimer: unknown;
  private failures = 0;
  /** The last failure (it is retried); undefined once a run succeeds. */
  error: unknown;

  constructor(
    private readonly journal: Journal,
    private readonly ctx: ApplyContext,
    private readonly index: OpenIndex,
    private readonly pending: Pending,
    private readonly report: Report,
    private readonly idleMs: number,
    private readonly clock: Clock = realClock,
  ) {
    // On a turn of its own: the journal append that finished the segment (and the message
    // waiting for its ack) does not wait for the checkpoint to start.
    journal.onFinished = () => void nextTurn().then(() => this.run());
  }

  /**
   * Called after every durable group. The segment is sealed once no group has come for `idleMs`;
   * a busy journal finishes its segments by their age alone. (Sealed every `idleMs` however busy,
   * a second segment started a moment after each rotation by age, in a new file.)
   */
  armIdle(): void {
    this.lastGroupAt = this.clock.now();
    if (!this.idleTimer) this.waitIdle(this.idleMs);
  }

  private waitIdle(ms: number): void {
    this.idleTimer = this.clock.setTimeout(() => {
      const quiet = this.clock.now() - this.lastGroupAt;
      if (quiet < this.idleMs) return this.waitIdle(this.idleMs - quiet);
      this.idleTimer = undefined;
      void this.journal.seal();
    }, ms);
    unref(this.idleTimer);
  }

  /**
   * Runs after `idleMs` (or with the next finished segment, if sooner). After a restart, what the
   * crash left waits so: every visitor and operator comes back at once, and the checkpoint would
   * take the disk and the file thread pool from them. The journal keeps it durable meanwhile.
   */
  runLater(): void {
    if (this.laterTimer) return;
    this.laterTimer = this.clock.setTimeout(() => {
      this.laterTimer = undefined;
      void this.run();
    }, this.idleMs);
    unref(this.laterTimer);
  }

  run(): Promise<void> {
    // A removal is rewriting files: the segments wait (durable in the journal, served from
    // memory) and are applied once it is done.
    if (this.held) return this.held.then(() => this.run());
    this.running ??= this.apply().finally(() => {
      this.running = undefined;
      if (this.journal.finished.length > 0 && !this.retryTimer && !this.error) void this.run();
    });
    return this.running;
  }

  /**
   * Runs `fn` with no checkpoint running: it waits for the run under way and holds new ones
   * until `fn` is done. A removal reads a log, works for many turns of the event loop, then puts
   * its copy in place: a line appended meanwhile would be lost, its segment deleted.
   */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    while (this.held) await this.held;
    let done!: () => void;
    this.held = new Promise<void>((resolve) => (done = resolve));
    try {
      while (this.running) await this.running;
      return await fn();
    } finally {
      this.held = undefined;
      done();
    }
  }

  /** Applies everything now (shutdown); rejects if that fails. Not from inside exclusive(). */
  async finish(): Promise<void> {
    this.clock.clearTimeout(this.idleTimer);
    this.clock.clearTimeout(this.retryTimer);
    this.clock.clearTimeout(this.laterTimer);
    this.retryTimer = undefined;
    this.laterTimer = undefined;
    this.error = undefined;
    while (this.running) await this.running;
    await this.run();
    this.clock.clearTimeout(this.retryTimer);
    if (this.error) throw this.error;
  }

  private async apply(): Promise<void> {
    const segments = this.journal.finished.splice(0);
    if (segments.length === 0) return;
    const records = segments.flatMap((s) => s.records);
    try {
      await applyRecords(this.ctx, records);
      await this.index.save();
      await this.journal.remove(segments.map((s) => s.n));
    } catch (error) {
      this.journal.finished.unshift(...segments);
      this.error = error;
      this.failures += 1;
      this.report(`checkpoint failed (${(error as Error).message}); retrying`);
      this.retryTimer = this.clock.setTimeout(
        () => {
          this.retryTimer = undefined;
          this.error = undefined;
          void this.run();
        },
        Math.min(30_000, 500 * 2 ** Math.min(this.failures, 6)),
      );
      unref(this.retryTimer);
      return;
    }
    this.failures = 0;
    this.error = undefined;
    await this.pending.release(records, nextTurn, SLICE);
  }
}
