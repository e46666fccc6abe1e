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
