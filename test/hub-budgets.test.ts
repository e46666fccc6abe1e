import t from 'tap';
import {Budgets, MAX_KEYS} from '../src/hub/abuse.js';
import {AuthLimits} from '../src/hub/auth-limits.js';

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

t.test('a full table lets go of spent keys and of those unused longest, never of every budget', async (t) => {
  let now = 0;
  const budgets = new Budgets(() => now);
  // An address that spent its chat requests (6 a minute) a moment ago.
  for (let i = 0; i < 6; i++) t.ok(budgets.take('requests|victim', 6, 60_000));
  t.notOk(budgets.take('requests|victim', 6, 60_000), 'spent');
  // A busy minute: page views of as many visitors as the table holds, each key counting for a
  // second (its window), then more of them.
  now = 1000;
  for (let i = 0; i < MAX_KEYS - 1; i++) budgets.take(`pages|a${i}`, 60, 1000);
  now = 3000;
  for (let i = 0; i < 1000; i++) budgets.take(`pages|b${i}`, 60, 1000);
  t.notOk(budgets.take('requests|victim', 6, 60_000), 'still spent: the keys let go were the ones outside their window');

  // An abuser with many addresses, each hit still counting: the keys unused longest go.
  now = 4000;
  for (let i = 0; i < MAX_KEYS / 2; i++) budgets.take(`requests|flood${i}`, 6, 60_000);
  t.notOk(budgets.take('requests|victim', 6, 60_000), 'refused again, so used lately');
  for (let i = MAX_KEYS / 2; i < MAX_KEYS * 1.2; i++) budgets.take(`requests|flood${i}`, 6, 60_000);
  t.notOk(budgets.take('requests|victim', 6, 60_000), 'still spent after the flood filled the table');
  for (let i = 0; i < 6; i++) t.ok(budgets.take('requests|flood0', 6, 60_000), 'the key unused longest was let go');
});

t.test('failed logins from more addresses than the table holds: each costs a lookup, and the latest are counted', async (t) => {
  const now = 0;
  const limits = new AuthLimits(() => now, () => {});
  const started = performance.now();
  for (let i = 0; i < 150_000; i++) limits.failed(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, '');
  t.ok(performance.now() - started < 10_000, `150,000 addresses in ${Math.round(performance.now() - started)} ms`);
  // The last address, trying hard, is refused.
  for (let i = 0; i < 4; i++) limits.failed('10.9.9.9', 'alice');
  t.ok(limits.blockedFor('ip:10.9.9.9') > 0, 'a burst from one address still blocks it');
  t.ok(limits.blockedFor('op:alice') > 0, 'and the operator name it tried');
});
