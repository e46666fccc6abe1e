import t from 'tap';
import {ID_FLOOR, REMEMBERED_IDS, Tails, type Tail} from '../src/store/tails.js';

/* The client ids chat tails remember, bounded for all chats together. */

const fresh = async (): Promise<Tail> => ({last: 0, committed: 0, ids: new Map()});
const files = (n: number) => Array.from({length: n}, (_, i) => `chats/c${i}.log`);

/** Appends `count` messages with client ids to a chat's tail, as the store does, committed. */
const append = (tails: Tails, file: string, count: number, committed = true) =>
  tails.with(file, fresh, (tail) => {
    for (let i = 0; i < count; i++) {
      const seq = ++tail.last;
      tails.remember(tail, `${file}#${seq}`, seq);
      if (committed) tail.committed = seq;
    }
  });

const sizes = (tails: Tails, names: string[]) => names.map((f) => tails.get(f)?.ids?.size ?? 0);
const total = (tails: Tails, names: string[]) => sizes(tails, names).reduce((a, b) => a + b, 0);

t.test('past the budget, the chats used least recently keep their latest ids; the newest keep all', async (t) => {
  const tails = new Tails(1000, 1000);
  const names = files(10);
  for (const f of names) await append(tails, f, 200);
  t.ok(tails.remembered <= 1000, `at most the budget remembered (${tails.remembered})`);
  t.equal(tails.remembered, total(tails, names), 'the count is what the tails hold');
  t.equal(tails.get(names[9]!)!.ids!.size, 200, 'the chat used last keeps every id');
  t.ok(sizes(tails, names).every((n) => n >= ID_FLOOR), 'no chat keeps fewer than the floor');
  const first = tails.get(names[0]!)!.ids!;
  t.equal(first.size, ID_FLOOR, 'the chat used first is trimmed to the floor');
  t.same([...first.keys()], Array.from({length: ID_FLOOR}, (_, i) => `${names[0]}#${200 - ID_FLOOR + i + 1}`), 'keeping its latest ids, the ones a resend could carry');
  t.equal(first.get(`${names[0]}#200`), 200, 'each with its seq');
});

t.test('one chat alone keeps its latest REMEMBERED_IDS, as before', async (t) => {
  const tails = new Tails();
  await append(tails, 'chats/long.log', REMEMBERED_IDS + 10);
  const ids = tails.get('chats/long.log')!.ids!;
  t.equal(ids.size, REMEMBERED_IDS);
  t.equal(tails.remembered, REMEMBERED_IDS);
  t.equal(ids.has('chats/long.log#10'), false, 'the oldest forgotten');
  t.equal(ids.get('chats/long.log#11'), 11, 'the rest kept');
});

t.test('more chats than the budget allows: each keeps its floor, and the count stays true', async (t) => {
  const tails = new Tails(1000, 1000);
  const names = files(40);
  for (let round = 0; round < 3; round++) for (const f of names) await append(tails, f, 60);
  // 40 x 50 is over the budget: the floor wins, and a trim waits for a tenth of the budget more.
  t.same(sizes(tails, names).slice(0, 38), names.slice(0, 38).map(() => ID_FLOOR), 'the chats used before the last ones are at their floor');
  t.ok(sizes(tails, names).every((n) => n >= ID_FLOOR), 'none below it');
  t.ok(tails.remembered <= 40 * ID_FLOOR + 100, `at most a tenth of the budget over the floors (${tails.remembered})`);
  t.equal(tails.remembered, total(tails, names), 'the count is what the tails hold');
});

t.test('ids taken back by a failed write, and tails let go, leave the count', async (t) => {
  const tails = new Tails(2, 1000);
  await append(tails, 'chats/a.log', 30);
  await append(tails, 'chats/a.log', 5, false);
  t.equal(tails.remembered, 35);
  tails.rollback();
  t.equal(tails.get('chats/a.log')!.ids!.size, 30, 'the ids not durable are taken back');
  t.equal(tails.remembered, 30, 'and no longer counted');
  tails.forget('chats/a.log');
  t.equal(tails.remembered, 0, 'a tail let go takes its ids with it');
  await append(tails, 'chats/b.log', 10);
  await append(tails, 'chats/c.log', 10);
  await append(tails, 'chats/d.log', 10);
  t.equal(tails.get('chats/b.log'), undefined, 'past the most tails, the least recently used is let go');
  t.equal(tails.remembered, total(tails, ['chats/c.log', 'chats/d.log']), 'and its ids uncounted');
  await tails.with('chats/e.log', async () => ({last: 7, committed: 7, ids: new Map([['x', 6], ['y', 7]])}), () => {});
  t.equal(tails.remembered, total(tails, ['chats/d.log', 'chats/e.log']), 'ids read with a tail from its log are counted');
});
