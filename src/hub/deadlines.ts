import {deadlineKey, type Deadline, type DeadlineRef} from '../protocol/cluster.js';

/**
 * Where the hub's deadlines wait: a visitor gone past the grace period, an operator gone past
 * it, a transfer offer unanswered. Named by what they are about, so setting one again moves it.
 * One hub keeps them on its own timers; hubs sharing a store keep them where any hub can fire
 * them (src/cluster/), so a dead hub's deadlines still come.
 */
export interface DeadlineBoard {
  /** Fires `d` at `at` (the hub's clock) unless it is cancelled or set again first. */
  set(d: Deadline, at: number): void;
  cancel(d: DeadlineRef): void;
  /** Whether this hub has `d` waiting (tests wait for a deadline to be set). */
  has(d: DeadlineRef): boolean;
}

interface Clock {
  now(): number;
  later(ms: number, fn: () => void): unknown;
  cancel(handle: unknown): void;
}

/** One hub: deadlines on its own (injected) timers. */
export class LocalDeadlines implements DeadlineBoard {
  private readonly handles = new Map<string, unknown>();

  constructor(
    private readonly clock: Clock,
    private readonly fire: (d: Deadline) => void,
  ) {}

  set(d: Deadline, at: number): void {
    const key = deadlineKey(d);
    this.clock.cancel(this.handles.get(key));
    const handle = this.clock.later(Math.max(0, at - this.clock.now()), () => {
      this.handles.delete(key);
      this.fire(d);
    });
    this.handles.set(key, handle);
  }

  has(d: DeadlineRef): boolean {
    return this.handles.has(deadlineKey(d));
  }

  cancel(d: DeadlineRef): void {
    const key = deadlineKey(d);
    this.clock.cancel(this.handles.get(key));
    this.handles.delete(key);
  }
}
