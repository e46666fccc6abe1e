import {performance, type EventLoopUtilization} from 'node:perf_hooks';
import {getHeapSpaceStatistics, setFlagsFromString} from 'node:v8';
import {runInNewContext} from 'node:vm';

// How a hub process looks after its heap, beside what V8 does by itself. Measured on two cores
// with 10,000 visitors: the old generation's collections (a mark-compact, its incremental marking
// and the sweeping after it) are what holds a hub's event loop 100-250 ms, and every message of
// that moment waits. Two of V8's habits put them where traffic is:
// - At a steady, moderate load V8 lets the old generation grow only 10-25% past what a
//   collection left alive: at 1,000 messages a second, a mark-compact every 3-5 seconds.
// - What a burst leaves behind (every visitor back after a restart, a hundred operators signing
//   in at once) is collected only when the heap reaches its limit or V8's memory reducer gets to
//   it, seconds later, often once traffic is back.

/** The policy; `cac hub` uses HEAP_RULE, tests make their own. */
export interface HeapRule {
  /** The old generation may grow this many percent past what a collection left alive... */
  growthPercent: number;
  /** ...while the event loop is busy less than this share of the time (busier: V8's own choice, up to 300%). */
  steadyBelow: number;
  /** A collection at a quiet moment once the old generation grew this much since its lowest reading... */
  quietGrowthBytes: number;
  /** ...and the event loop was busy less than this share of the time... */
  quietBelow: number;
  /** ...over this many readings in a row. */
  quietReadings: number;
}

export const HEAP_RULE: HeapRule = {growthPercent: 100, steadyBelow: 0.8, quietGrowthBytes: 48 * 1024 * 1024, quietBelow: 0.1, quietReadings: 2};

/** What to do after one reading. */
export interface HeapDecision {
  /** Collect now. */
  collect: boolean;
  /** The growth V8 should allow from its next collection on (0: its own). */
  growthPercent: number;
}

/** Decides from one reading after another; holds no timer, so tests feed it readings. */
export class HeapPolicy {
  private lowest = Infinity;
  private quiet = 0;

  constructor(private readonly rule: HeapRule) {}

  /** One reading: old-generation bytes in use, and the event loop's busy share since the last. */
  read(oldBytes: number, busy: number): HeapDecision {
    this.lowest = Math.min(this.lowest, oldBytes);
    this.quiet = busy < this.rule.quietBelow ? this.quiet + 1 : 0;
    return {
      collect: this.quiet >= this.rule.quietReadings && oldBytes - this.lowest >= this.rule.quietGrowthBytes,
      // Under a heavy load (a burst, or more than the hub can take) V8 grows the heap faster
      // than this by itself, and fewer collections are what the load needs.
      growthPercent: busy < this.rule.steadyBelow ? this.rule.growthPercent : 0,
    };
  }

  /** After a collection: its result is the new lowest, and quiet is counted again. */
  collected(oldBytes: number): void {
    this.lowest = oldBytes;
    this.quiet = 0;
  }
}

function oldGenerationBytes(): number {
  let bytes = 0;
  for (const space of getHeapSpaceStatistics()) if (space.space_name === 'old_space' || space.space_name === 'large_object_space') bytes += space.space_used_size;
  return bytes;
}

/**
 * A full collection, made now. Node gives it only to a process started with --expose-gc, and a V8
 * flag on the command line makes every start slower (Node then compiles its own modules from
 * source instead of its code cache): the flag is set once running, the function taken from a
 * fresh context.
 */
function fullCollection(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

export interface HeapKeeper {
  stop(): void;
  /** Collections made at quiet moments, and what the last one took and freed. */
  readonly made: number;
  readonly last?: {ms: number; freedBytes: number};
}

/**
 * Reads the heap and the event loop every `everyMs` and applies the policy. For a process that
 * owns its heap (`cac hub`), not for a hub started inside another program.
 */
export function keepHeap(everyMs: number, rule: HeapRule, log?: (line: string) => void): HeapKeeper {
  const policy = new HeapPolicy(rule);
  let collect: (() => void) | undefined;
  let growth = -1;
  let since: EventLoopUtilization = performance.eventLoopUtilization();
  const state: {made: number; last?: {ms: number; freedBytes: number}} = {made: 0};
  const tick = () => {
    const now = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(now, since).utilization;
    since = now;
    const before = oldGenerationBytes();
    const decision = policy.read(before, busy);
    if (decision.growthPercent !== growth) {
      growth = decision.growthPercent;
      // Read by V8 each time it sets the next limit, after a collection.
      setFlagsFromString(`--heap-growing-percent=${growth}`);
    }
    if (!decision.collect) return;
    collect ??= fullCollection();
    const start = performance.now();
    collect();
    const after = oldGenerationBytes();
    policy.collected(after);
    state.made++;
    state.last = {ms: performance.now() - start, freedBytes: before - after};
    log?.(`heap: collected at a quiet moment in ${state.last.ms.toFixed(0)} ms, ${(state.last.freedBytes / 1048576).toFixed(0)} MB freed`);
    // The collection's own time is not the program's load: leave it out of the next reading.
    since = performance.eventLoopUtilization();
  };
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return {
    stop: () => clearInterval(timer),
    get made() {
      return state.made;
    },
    get last() {
      return state.last;
    },
  };
}
