import {nextTurn} from '../lib/next-turn.js';
import type {JournalRecord} from './journal.js';
import {NotStoredError} from './store.js';

interface Batch {
  records: JournalRecord[];
  /** Run in order once the batch is durable, before anyone waiting is told. */
  commits: Array<() => void>;
  waiters: Array<{resolve: () => void; reject: (error: unknown) => void}>;
}

const empty = (): Batch => ({records: [], commits: [], waiters: []});

/**
 * Group commit: every change asked for in one turn of the event loop (and while the previous
 * group is being written) goes to disk in one write, and every caller is answered then. When a
 * write fails, that group and the one gathered behind it fail together, so that numbers handed
 * out in order never leave a gap; `rollback` lets the owner undo what it handed out.
 */
export class Batcher {
  private gathering = empty();
  private running: Promise<void> | undefined;

  constructor(
    private readonly write: (records: JournalRecord[]) => Promise<void>,
    private readonly rollback: () => void,
  ) {}

  add(records: JournalRecord[], commit?: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      this.gathering.records.push(...records);
      if (commit) this.gathering.commits.push(commit);
      this.gathering.waiters.push({resolve, reject});
      this.running ??= nextTurn().then(() => this.drain());
    });
  }

  /** Resolves once everything added so far is written (or has failed). */
  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    while (this.gathering.waiters.length > 0) {
      const batch = this.gathering;
      this.gathering = empty();
      try {
        await this.write(batch.records);
      } catch (error) {
        const failed = this.gathering;
        this.gathering = empty();
        this.rollback();
        const reason = new NotStoredError(error);
        for (const w of [...batch.waiters, ...failed.waiters]) w.reject(reason);
        continue;
      }
      for (const commit of batch.commits) commit();
      for (const w of batch.waiters) w.resolve();
    }
    this.running = undefined;
  }
}
