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

/**
 * How long after its `failures`th failed firing a deadline is tried again: 2 s, doubling up to
 * a minute. A firing fails when the store does (a full disk, a database away): the visitor's
 * chat must still end once it is back.
 */
export function retryDelayMs(failures: number): number {
  return Math.min(60_000, 2000 * 2 ** (failures - 1));
}

interface Clock {
  now(): number;
  later(ms: number, fn: () => void): unknown;
  cancel(handle: unknown): void;
  /** Once set, nothing is fired or tried again. */
  readonly stopped: boolean;
}

/** One hub: deadlines on its own (injected) timers; a failed firing is tried again. */
export class LocalDeadlines implements DeadlineBoard {
  private readonly handles = new Map<string, unknown>();
  /** Failed firings so far of the deadlines being tried again. */
  private readonly failures = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly fire: (d: Deadline) => Promise<void>,
  ) {}

  set(d: Deadline, at: number): void {
    const key = deadlineKey(d);
    this.failures.delete(key);
    this.schedule(key, d, at);
  }

  private schedule(key: string, d: Deadline, at: number): void {
    this.clock.cancel(this.handles.get(key));
    const handle = this.clock.later(Math.max(0, at - this.clock.now()), () => {
      this.handles.delete(key);
      this.fire(d).then(
        () => this.failures.delete(key),
        () => this.failed(key, d),
      );
    });
    this.handles.set(key, handle);
  }

  /** Tried again later, unless it was set again or cancelled meanwhile, or the hub is stopping. */
  private failed(key: string, d: Deadline): void {
    if (this.clock.stopped || this.handles.has(key)) return;
    const failures = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, failures);
    this.schedule(key, d, this.clock.now() + retryDelayMs(failures));
  }

  has(d: DeadlineRef): boolean {
    return this.handles.has(deadlineKey(d));
  }

  cancel(d: DeadlineRef): void {
    const key = deadlineKey(d);
    this.clock.cancel(this.handles.get(key));
    this.handles.delete(key);
    this.failures.delete(key);
  }
}
