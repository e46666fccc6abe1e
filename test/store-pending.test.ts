import {createHook} from 'node:async_hooks';
import t from 'tap';
import type {JournalRecord} from '../src/store/journal.js';
import {Pending} from '../src/store/pending.js';

/*
 * What the journal holds on top of the files: the checkpoint lets go only of what the files hold
 * now, so reads never go back to an older state.
 */

const doc = (text: string): JournalRecord => ({k: 'd', f: 'visitors/v1.json', text});

t.test('a document set to A then B, then A again in the next segment: releasing the first keeps the held A', async (t) => {
  const pending = new Pending();
  const first = [doc('{"v":"A"}'), doc('{"v":"B"}')];
  pending.hold(first);
  pending.hold([doc('{"v":"A"}')]);
  // The first segment is in the file now: it ends at B.
  await pending.release(first);
  t.equal(pending.doc('visitors/v1.json'), '{"v":"A"}', 'the latest acknowledged text is still served');
  await pending.release([doc('{"v":"A"}')]);
  t.equal(pending.doc('visitors/v1.json'), undefined, 'let go once the file holds it');
});

t.test('letting go of a busy segment makes no promise per record (a 10,000 msg/s segment holds 100,000)', async (t) => {
  const pending = new Pending();
  const records: JournalRecord[] = [];
  for (let n = 1; n <= 5; n++) for (let i = 0; i < 2000; i++) records.push({k: 'l', f: `chats/c${i}.log`, n, text: `{"n":${n}}`});
  pending.hold(records);
  let turns = 0;
  let promises = 0;
  const hook = createHook({
    init(_id, type) {
      if (type === 'PROMISE') promises++;
    },
  });
  hook.enable();
  try {
    await pending.release(records, async () => void turns++, 2000);
  } finally {
    hook.disable();
  }
  t.equal(turns, 6, 'it still turned every 2,000 steps (10,000 records, then 2,000 logs)');
  t.ok(promises < 100, `${promises} promises for 10,000 records (one each made 55 MB of garbage per busy segment)`);
  t.same([...pending.lineFiles()], [], 'and let go of all of them');
});
