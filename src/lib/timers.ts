/** The timers the hub and its store wait with; tests pass their own, and move time on without sleeping. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Timers with the clock they run on (the store reads both: a segment's age, a quiet spell). */
export interface Clock extends Timers {
  now(): number;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export const realClock: Clock = {...realTimers, now: () => Date.now()};

/** Lets a real timer not keep the process alive (a test's timer has nothing to let go). */
export function unref(handle: unknown): void {
  (handle as {unref?: () => void} | undefined)?.unref?.();
}
