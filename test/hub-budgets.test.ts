import t from 'tap';
import {Budgets} from '../src/hub/abuse.js';

t.test('a sliding window: spent at the limit, back as hits leave the window', async (t) => {
  let now = 0;
  const budgets = new Budgets(() => now);
  for (let i = 0; i < 3; i++) t.ok(budgets.take('k', 3, 1000));
  t.notOk(budgets.take('k', 3, 1000), 'spent');
  t.ok(budgets.take('other', 3, 1000), 'keys are apart');
  now = 999;
  t.notOk(budgets.take('k', 3, 1000));
  now = 1000;
  for (let i = 0; i < 3; i++) t.ok(budgets.take('k', 3, 1000), 'the first hits left the window');
  t.notOk(budgets.take('k', 3, 1000));
});

t.test('thousands of hits on one key: each take is quick, and the window stays exact', async (t) => {
  let now = 0;
  const budgets = new Budgets(() => now);
  const started = performance.now();
  // A hit a millisecond for a minute and a half, with room for 60,000 in a minute.
  for (; now < 90_000; now++) if (!budgets.take('k', 60_000, 60_000)) t.fail(`refused at ${now}`);
  t.ok(performance.now() - started < 2000, 'linear, not quadratic');
  // In the minute before 90,000: the hits at 30,001 .. 89,999, one short of the limit.
  t.ok(budgets.take('k', 60_000, 60_000));
  t.notOk(budgets.take('k', 60_000, 60_000), 'and now at it');
  now = 90_001;
  t.ok(budgets.take('k', 60_000, 60_000), 'the hit at 30,001 left');
});
