import {spawnSync} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import t from 'tap';
import {HeapPolicy} from '../src/lib/heap-policy.js';

const MB = 1024 * 1024;
const rule = {growthPercent: 100, steadyBelow: 0.8, quietGrowthBytes: 48 * MB, quietBelow: 0.1, quietReadings: 2};

t.test('steady load: the old generation may grow 100% past what is alive; a heavy one: V8 decides', async (t) => {
  const p = new HeapPolicy(rule);
  t.equal(p.read(100 * MB, 0.05).growthPercent, 100);
  t.equal(p.read(100 * MB, 0.6).growthPercent, 100, 'a steady load');
  t.equal(p.read(100 * MB, 0.85).growthPercent, 0, 'a burst, or more than the hub can take');
  t.equal(p.read(100 * MB, 0.3).growthPercent, 100, 'and back');
});

/** Feeds readings [old-generation MB, busy share, collect now?, what it shows] and checks each answer. */
function walk(t: {equal(found: unknown, wanted: unknown, why: string): unknown}, policy: HeapPolicy, readings: Array<[number, number, boolean, string]>): void {
  for (const [mb, busy, collect, why] of readings) t.equal(policy.read(mb * MB, busy).collect, collect, why);
}

t.test('collects once the old generation grew and the loop has been quiet for two readings', async (t) => {
  walk(t, new HeapPolicy(rule), [
    [100, 0.01, false, 'the first reading is the lowest'],
    [160, 0.9, false, 'grown, but busy'],
    [170, 0.05, false, 'quiet once'],
    [170, 0.05, true, 'quiet twice, grown 70 MB'],
  ]);
});

t.test("growth counts from the lowest reading, which V8's own collections lower", async (t) => {
  walk(t, new HeapPolicy(rule), [
    [100, 0.01, false, 'the lowest'],
    [200, 0.5, false, 'grown, busy'],
    [120, 0.01, false, 'V8 collected'],
    [140, 0.01, false, 'quiet, but only 40 MB above 100'],
    [150, 0.01, true, '50 MB above it'],
  ]);
});

t.test('busy between quiet readings starts the count again', async (t) => {
  walk(t, new HeapPolicy(rule), [
    [100, 0.5, false, 'the lowest, busy'],
    [200, 0.05, false, 'quiet once'],
    [200, 0.2, false, 'a busy second'],
    [200, 0.05, false, 'quiet once again'],
    [200, 0.05, true, 'twice'],
  ]);
});

t.test('after a collection: its result is the lowest, and it waits for new growth and new quiet', async (t) => {
  const policy = new HeapPolicy(rule);
  walk(t, policy, [
    [100, 0.5, false, 'the lowest, busy'],
    [200, 0, false, 'quiet once'],
    [200, 0, true, 'quiet twice, grown 100 MB'],
  ]);
  policy.collected(110 * MB);
  walk(t, policy, [
    [150, 0, false, 'quiet, 40 MB grown'],
    [170, 0.5, false, '60 MB grown, busy'],
    [170, 0, false, 'quiet once since'],
    [170, 0, true, 'twice'],
  ]);
});

// A process with no V8 flag, as `cac hub` runs: garbage that outlived the young generation, then
// nothing to do. The collection frees it without waiting for V8 to get round to it.
t.test('in a process started with no flag, a quiet moment after a burst frees its garbage', async (t) => {
  const lib = fileURLToPath(new URL('../dist/lib/heap-policy.js', import.meta.url));
  const script = `
    import {keepHeap} from ${JSON.stringify(lib)};
    const lines = [];
    const quiet = keepHeap(100, {growthPercent: 100, steadyBelow: 0.8, quietGrowthBytes: 32 * 1024 * 1024, quietBelow: 0.5, quietReadings: 2}, (line) => lines.push(line));
    let held = [];
    // About 100 MB held long enough to be promoted, then dropped.
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 50000; i++) held.push({n: i, text: 'garbage ' + round + ' ' + i});
      await new Promise((r) => setTimeout(r, 5));
    }
    held = undefined;
    const until = Date.now() + 20000;
    while (quiet.made === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    // Five more quiet readings: nothing has grown since, so no second collection.
    await new Promise((r) => setTimeout(r, 500));
    quiet.stop();
    process.stdout.write(JSON.stringify({made: quiet.made, last: quiet.last, lines}));
  `;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {encoding: 'utf8', timeout: 60_000});
  t.equal(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout) as {made: number; last?: {ms: number; freedBytes: number}; lines: string[]};
  t.equal(out.made, 1, 'one collection, then no growth to collect again');
  t.ok(out.last!.freedBytes > 32 * MB, `freed ${(out.last!.freedBytes / MB).toFixed(0)} MB of the old generation`);
  t.match(out.lines, [/^heap: collected at a quiet moment in \d+ ms, \d+ MB freed$/], 'and says so in the log');
});
