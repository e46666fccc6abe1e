import type {Clock} from '../../src/lib/timers.js';

/** Timers that fire only when the test moves time on: grace periods pass without sleeping. */
export class ManualTimers implements Clock {
  private pending = new Map<number, {at: number; fn: () => void}>();
  private next = 1;
  private time: number;

  /** `start`: the clock's first reading (a fixed noon by default; a test beside real programs may start at the real time). */
  constructor(start = Date.UTC(2026, 0, 15, 12)) {
    this.time = start;
  }

  now = (): number => this.time;

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, {at: this.time + ms, fn});
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  /** How many timers wait now. */
  get waiting(): number {
    return this.pending.size;
  }

  /** Moves the clock on by `ms`, firing every timer that falls due, in order. */
  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const due = [...this.pending].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.pending.delete(due[0]);
      this.time = due[1].at;
      due[1].fn();
    }
    this.time = until;
  }
}

/** Waits for something the hub does on an event of its own (a socket closing), without a fixed sleep. */
export async function until(check: () => boolean, seconds = 10): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setImmediate(r));
  }
}
