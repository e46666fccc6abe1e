// The disk's own latency beside each step: a bare append and fdatasync of 200 bytes every 20 ms,
// on the file system that holds the servers' data folders, over the step's measured window.
//
// A message the hub acks has reached the disk first: every message waits for one fdatasync of
// the journal (a group commit), and every message that arrives while it runs waits for it too.
// One fdatasync of 150 ms in a 10-second window at 1,000 msg/s holds back some 150 messages,
// more than 1% of them: the p99 is then the disk's, whatever the hub does. The relay writes
// nothing, so beside its steps this shows the disk alone; beside the hub's, the disk under the
// hub's own writes too. Fifty small syncs a second add little to what the hub asks of it.

import {open} from 'node:fs/promises';
import {join} from 'node:path';
import {Histogram} from './histogram.js';
import {nowMs, sleep} from './clock.js';

const EVERY_MS = 20;
const LINE = Buffer.from(`${'x'.repeat(199)}\n`);

/**
 * Probes from `fromMs` to `toMs` (clock.js time) into a file in `dir`. Resolves at the end with
 * the fdatasync latencies: {n, p50, p99, max} in ms, and `stalls`, the count over `stallMs` (the
 * step's p99 limit: one such fdatasync holds back every message of its moment). A
 * probe whose file cannot be written resolves with {error}: the figure is missing, not made up.
 * It ends by itself, whatever happens to the step it runs beside.
 */
export async function probeDisk(dir, fromMs, toMs, stallMs) {
  const hist = new Histogram();
  let stalls = 0;
  await sleep(Math.max(0, fromMs - nowMs()));
  try {
    const file = await open(join(dir, 'disk-probe.bin'), 'a');
    try {
      while (nowMs() < toMs) {
        const started = nowMs();
        await file.write(LINE);
        await file.datasync();
        const ms = nowMs() - started;
        hist.record(ms * 1000);
        if (ms > stallMs) stalls += 1;
        await sleep(Math.max(0, Math.min(EVERY_MS - ms, toMs - nowMs())));
      }
    } finally {
      await file.close();
    }
  } catch (e) {
    return {error: e instanceof Error ? e.message : String(e)};
  }
  return {n: hist.n, p50: hist.percentileMs(50), p99: hist.percentileMs(99), max: hist.maxUs / 1000, stalls, stallMs};
}
