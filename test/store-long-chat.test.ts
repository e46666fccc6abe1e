import {writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import t from 'tap';
import {EmbeddedStore} from '../src/store/embedded-store.js';
import {REMEMBERED_IDS} from '../src/store/tails.js';
import type {ChatRecord, NewEvent} from '../src/store/types.js';
import {countingReads} from './helpers/files.js';

const EVENTS = 150_000;
const chat: ChatRecord = {id: 'op~alice~bob', kind: 'op', site: '', state: 'active', members: ['alice', 'bob'], operators: [], requestedAt: 1};
const at = 1_790_000_000_000;
const msg = (text: string, id: string): NewEvent => ({kind: 'msg', from: 'operator', name: 'Alice', text, at, id});

/** A chat of years, its log as the checkpoint writes it: one line a stored event. */
async function longChat(dir: string): Promise<number> {
  const store = new EmbeddedStore(dir, {journal: true, log: () => {}});
  await store.open();
  await store.putChat(chat);
  await store.close();
  const lines: string[] = [];
  for (let n = 1; n <= EVENTS; n++) {
    // Every tenth event is one without a client id (a join, say, made by the hub).
    const e = n % 10 === 0 ? {kind: 'join', from: 'system', name: 'Bob', text: 'Bob joined', at, seq: n} : {...msg(`message ${n} about the order`, `client-${n}`), seq: n};
    lines.push(JSON.stringify({n, e}));
  }
  const text = lines.join('\n') + '\n';
  await writeFile(join(dir, 'chats', `${chat.id}.log`), text);
  return Buffer.byteLength(text);
}

t.test('a chat of 150,000 events takes its next message after a start, reading only the end of its log', async (t) => {
  const dir = t.testdir();
  const size = await longChat(dir);
  const {reads, bytesFrom} = countingReads();
  const store = new EmbeddedStore(dir, {journal: true, reads, log: () => {}});
  await store.open();

  const first = await store.appendEvent(chat.id, msg('back after the weekend', 'client-new'));
  t.same([first.duplicate, first.event.seq], [false, EVENTS + 1]);
  const read = bytesFrom(`${chat.id}.log`);
  // The lines of the newest 1,000 client ids: some 200 KB of a log of 22 MB.
  t.ok(read < 512 * 1024, `the first message read ${read} bytes of a ${size}-byte log`);

  // Those ids are known: a resend gets its stored event back, the newest and the oldest of them.
  const ids = Array.from({length: EVENTS}, (_, i) => i + 1).filter((n) => n % 10 !== 0);
  const oldest = ids.at(-(REMEMBERED_IDS - 1))!;
  for (const n of [EVENTS - 1, oldest]) {
    const again = await store.appendEvent(chat.id, msg('sent again', `client-${n}`));
    t.same([again.duplicate, again.event.seq, again.event.kind === 'msg' && again.event.text], [true, n, `message ${n} about the order`], `client-${n}`);
  }
  t.equal((await store.appendEvent(chat.id, msg('one more', 'client-next'))).event.seq, EVENTS + 2, 'nothing else was stored');
  await store.close();
});

t.test('a chat of 150,000 events is read whole (a transcript) after a start, the hub serving on meanwhile', async (t) => {
  const dir = t.testdir();
  await longChat(dir);
  // What else the hub has to do gets its turns while the lines are parsed, not only once all are.
  let turns = 0;
  let parsing = 0;
  const {reads} = countingReads((path) => {
    if (path.endsWith(`${chat.id}.log`)) parsing = turns;
  });
  const store = new EmbeddedStore(dir, {journal: true, reads, log: () => {}});
  await store.open();
  let reading = true;
  const other = () => {
    turns += 1;
    if (reading) setImmediate(other);
  };
  setImmediate(other);
  const events = await store.events(chat.id);
  reading = false;
  t.ok(turns - parsing >= EVENTS / 2000, `the event loop turned ${turns - parsing} times while the lines were parsed`);
  t.equal(events.length, EVENTS);
  t.same([events[0]?.seq, events.at(-1)?.seq], [1, EVENTS]);
  await store.close();
});
