import {readdir, readFile, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import t from 'tap';
import {EmbeddedStore} from '../src/store/embedded-store.js';
import type {ChatRecord, NewEvent} from '../src/store/types.js';

/*
 * A journal group is acknowledged whole or not at all: after a crash, a group the file ends
 * inside is dropped whole, wherever it was cut; journals of the earlier form (no group lines)
 * are still replayed.
 */

const chat: ChatRecord = {id: 'c1', kind: 'visitor', site: 'example.com', visitorId: 'v1', state: 'active', operators: ['alice'], requestedAt: 1};
const msg = (text: string, at: number): NewEvent => ({kind: 'msg', from: 'visitor', name: 'V', text, id: `msg-${text}`, at});
const tag = {type: 'chat.message' as const, site: 'example.com'};

/** A folder whose journal holds the chat and two messages, each with its feed line; the segment's path. */
async function journalled(dir: string): Promise<string> {
  const store = new EmbeddedStore(dir, {journal: true, segmentAgeMs: 600_000, log: () => {}});
  await store.open();
  await store.putChat(chat);
  await store.appendEvent('c1', msg('one', 1), undefined, tag);
  await store.appendEvent('c1', msg('two', 2), undefined, tag);
  // The process dies here: nothing was checkpointed, the journal holds it all.
  const [segment] = (await readdir(dir)).filter((n) => n.endsWith('.wal'));
  return join(dir, segment!);
}

async function reopened(dir: string): Promise<{texts: string[]; feed: string[]; said: string; resent: [boolean, number | undefined]}> {
  const said: string[] = [];
  const store = new EmbeddedStore(dir, {journal: true, log: (line) => said.push(line)});
  await store.open();
  const texts = (await store.events('c1')).map((e) => e.text);
  const feed = (await store.feed(0, 100)).entries.map((e) => `${e.cursor}:${'event' in e ? e.event?.text : ''}`);
  // The sender was never acknowledged: it sends again, and the message is stored with its feed line.
  const again = await store.appendEvent('c1', msg('two', 3), undefined, tag);
  await store.close();
  return {texts, feed, said: said.join('\n'), resent: [again.duplicate ?? false, again.feed?.cursor]};
}

t.test('a group cut between two of its lines is dropped whole: no event without its feed line', async (t) => {
  const dir = t.testdir();
  const file = await journalled(dir);
  const text = await readFile(file, 'utf8');
  // The last line (the second message's feed line) never reached the disk.
  await writeFile(file, text.slice(0, text.lastIndexOf('\n', text.length - 2) + 1));
  const {texts, feed, said, resent} = await reopened(dir);
  t.same(texts, ['one'], 'the second message is not replayed');
  t.same(feed, ['1:one']);
  t.same(resent, [false, 2], 'sent again (it was never acknowledged), it is stored, with its feed entry');
  t.match(said, /dropped an unfinished last group of 2 records/);
});

t.test('a group cut inside a line is dropped whole too', async (t) => {
  const dir = t.testdir();
  const file = await journalled(dir);
  const text = await readFile(file, 'utf8');
  await writeFile(file, text.slice(0, text.length - 40));
  const {texts, feed, resent} = await reopened(dir);
  t.same(texts, ['one']);
  t.same(feed, ['1:one']);
  t.same(resent, [false, 2]);
});

t.test('a whole journal replays everything; a group cut before its end is damage only if more follows', async (t) => {
  const dir = t.testdir();
  await journalled(dir);
  const {texts, feed, resent} = await reopened(dir);
  t.same(texts, ['one', 'two'], 'both groups');
  t.same(feed, ['1:one', '2:two']);
  t.same(resent, [true, undefined], 'a resend of the acknowledged message is known');

  const damaged = t.testdir();
  const segment = await journalled(damaged);
  const lines = (await readFile(segment, 'utf8')).split('\n');
  // A record missing from the middle of a group, with groups after it: not a crash, damage.
  await writeFile(segment, [...lines.slice(0, 3), ...lines.slice(4)].join('\n'));
  await t.rejects(new EmbeddedStore(damaged, {journal: true, log: () => {}}).open(), {name: 'DamagedError', message: segment});
});

t.test('a journal of the earlier form (no group lines) is replayed, its torn last line dropped', async (t) => {
  const dir = t.testdir();
  const file = await journalled(dir);
  const records = (await readFile(file, 'utf8')).split('\n').filter((l) => !/^\{"g":/.test(l));
  t.equal(records.length, 1 + 4 + 1, 'the chat, two events with their feed lines (and the final newline)');
  // As the hub before groups wrote it, cut in the middle of its last line.
  const old = records.join('\n');
  await writeFile(file, old.slice(0, old.length - 20));
  const said: string[] = [];
  const store = new EmbeddedStore(dir, {journal: true, log: (line) => said.push(line)});
  await store.open();
  t.same((await store.events('c1')).map((e) => e.text), ['one', 'two']);
  t.same((await store.feed(0, 100)).entries.map((e) => e.cursor), [1], 'the torn feed line is not replayed');
  t.match(said.join('\n'), /dropped a torn last line/);
  await store.close();
});
