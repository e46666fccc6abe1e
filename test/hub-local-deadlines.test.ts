import t from 'tap';
import {LocalDeadlines} from '../src/hub/deadlines.js';
import type {Deadline} from '../src/protocol/cluster.js';
import {ManualTimers} from './helpers/manual-timers.js';

/** A board on manual timers whose firings are settled by the test, one at a time. */
function board() {
  const timers = new ManualTimers();
  const clock = {
    stopped: false,
    now: timers.now,
    later: (ms: number, fn: () => void) => timers.setTimeout(fn, ms),
    cancel: (h: unknown) => timers.clearTimeout(h),
  };
  const firings: Array<{d: Deadline; at: number; ok: () => void; fail: () => void}> = [];
  const deadlines = new LocalDeadlines(clock, (d) =>
    new Promise<void>((ok, reject) => firings.push({d, at: timers.now(), ok, fail: () => reject(new Error('store away'))})),
  );
  const turn = () => new Promise((r) => setImmediate(r));
  return {timers, clock, firings, deadlines, turn};
}

const gone: Deadline = {kind: 'visitor', visitorId: 'v1', site: 'example.com'};

t.test('a failed firing is tried again after 2 s, then 4 s, until it is done', async (t) => {
  const {timers, firings, deadlines, turn} = board();
  const start = timers.now();
  deadlines.set(gone, start + 1000);
  timers.advance(1000);
  t.equal(firings.length, 1);
  firings[0]!.fail();
  await turn();
  t.ok(deadlines.has(gone), 'waiting to be tried again');
  timers.advance(1999);
  t.equal(firings.length, 1, 'not before 2 s');
  timers.advance(1);
  t.equal(firings.length, 2);
  firings[1]!.fail();
  await turn();
  timers.advance(4000);
  t.same(firings.map((f) => f.at - start), [1000, 3000, 7000], 'the wait doubles');
  firings[2]!.ok();
  await turn();
  timers.advance(10 * 60_000);
  t.equal(firings.length, 3, 'done: not fired again');
  t.notOk(deadlines.has(gone));
});

t.test('set again or cancelled while failing, the newer word stands; a stopping hub tries nothing again', async (t) => {
  const {timers, clock, firings, deadlines, turn} = board();
  deadlines.set(gone, timers.now());
  timers.advance(0);
  deadlines.set(gone, timers.now() + 60_000); // the visitor dropped again while the first firing ran
  firings[0]!.fail();
  await turn();
  timers.advance(59_999);
  t.equal(firings.length, 1, 'no retry ahead of the deadline set again');
  timers.advance(1);
  t.equal(firings.length, 2);
  firings[1]!.fail();
  await turn();
  deadlines.cancel(gone); // the visitor came back
  timers.advance(10 * 60_000);
  t.equal(firings.length, 2, 'cancelled: not tried again');

  deadlines.set(gone, timers.now());
  timers.advance(0);
  clock.stopped = true;
  firings[2]!.fail();
  await turn();
  timers.advance(10 * 60_000);
  t.equal(firings.length, 3, 'stopping: not tried again');
  t.notOk(deadlines.has(gone));
});
