import {readFile, readdir, unlink, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import t from 'tap';
import {EmbeddedStore, type EmbeddedOptions} from '../src/store/embedded-store.js';
import type {ChatRecord, NewEvent} from '../src/store/types.js';
import {countingFiles} from './helpers/files.js';

/* The feed of the data folder: what the store contract cannot see from outside. */

const chat = (id: string): ChatRecord => ({id, kind: 'visitor', site: 'example.com', state: 'active', owner: 'alice', operators: ['alice'], requestedAt: 1});
const msg = (text: string, id?: string): NewEvent => ({kind: 'msg', from: 'operator', name: 'Alice', text, at: 1_790_000_000_000, ...(id ? {id} : {})});
const tag = {type: 'chat.message', site: 'example.com', operator: 'alice'} as const;
const left = (at: number) => ({type: 'visitor.left', at, site: 'example.com', visitorId: 'v1'}) as const;

async function opened(dir: string, options: EmbeddedOptions = {}): Promise<EmbeddedStore> {
  const store = new EmbeddedStore(dir, {journal: true, log: () => {}, ...options});
  await store.open();
  return store;
}

t.test('a chat event and its feed line are one journal write, and a long message costs the feed no more', async (t) => {
  const {files, journalWrites, journalBytes} = countingFiles();
  const dir = t.testdir();
  const store = await opened(dir, {files, segmentAgeMs: 60_000});
  await store.putChat(chat('c1'));
  const cost = async (text: string, feed?: typeof tag) => {
    const [writes, bytes] = [journalWrites(), journalBytes()];
    await store.appendEvent('c1', msg(text), undefined, feed);
    return {writes: journalWrites() - writes, bytes: journalBytes() - bytes};
  };
  const short = await cost('How can I help?', tag);
  t.equal(short.writes, 1, 'one write holds the event and its feed line');
  const long = await cost('x'.repeat(4000), tag);
  const bare = await cost('x'.repeat(4000));
  t.ok(long.bytes - bare.bytes < 200, `the feed line of a 4,000-character message: ${long.bytes - bare.bytes} bytes`);
  const segment = (await readdir(dir)).find((n) => n.endsWith('.wal'))!;
  // Records only, without the line that begins each group (it says how many records follow).
  const lines = (await readFile(join(dir, segment), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as {f: string; n: number}).filter((l) => l.f !== undefined);
  t.same(
    lines.slice(1).map((l) => [l.f, l.n]),
    [['chats/c1.log', 1], ['feed/000000000001.log', 1], ['chats/c1.log', 2], ['feed/000000000001.log', 2], ['chats/c1.log', 3]],
    'each event is followed by its feed line in the journal',
  );
  await store.close();
});

t.test('feed files hold a fixed number of entries, named to sort; opening reads only the newest', async (t) => {
  const dir = t.testdir();
  const store = await opened(dir, {feedFileEntries: 10});
  for (let i = 1; i <= 25; i++) await store.appendFeed(left(i));
  await store.close();
  t.same((await readdir(join(dir, 'feed'))).sort(), ['000000000001.log', '000000000011.log', '000000000021.log']);
  // The oldest file made unreadable: opening does not notice, reading skips what it lacks.
  await writeFile(join(dir, 'feed', '000000000001.log'), 'not a feed line');
  const logged: string[] = [];
  const again = await opened(dir, {feedFileEntries: 10, log: (line) => logged.push(line)});
  t.equal(await again.feedEnd(), 25);
  t.equal((await again.appendFeed(left(26))).cursor, 26, 'numbering goes on from the newest file');
  const page = await again.feed(0, 100);
  t.same(page.entries.map((e) => e.cursor), Array.from({length: 16}, (_, i) => i + 11), 'the entries of the damaged file are skipped');
  t.match(logged.join('\n'), /000000000001\.log: its last line was cut short/, 'and it is reported');
  t.same([await again.feedCursorAt(15), await again.feedCursorAt(21), await again.feedCursorAt(1000)], [14, 20, 26], 'by time, across files');
  t.same((await again.feed(0, 3)).entries.map((e) => e.cursor), [11, 12, 13], 'a page stops at its limit');
  await again.close();
});

t.test("the journal's leftovers count: a crash after the write, before the checkpoint, keeps the numbering", async (t) => {
  const dir = t.testdir();
  // Never closed: as after a kill, the journal holds entries the feed files do not.
  const crashed = await opened(dir, {segmentAgeMs: 600_000});
  for (let i = 1; i <= 5; i++) await crashed.appendFeed(left(i));
  t.same(await readdir(join(dir, 'feed')), [], 'nothing in the feed files yet');
  const again = await opened(dir);
  t.equal(await again.feedEnd(), 5);
  t.equal((await again.appendFeed(left(6))).cursor, 6);
  t.same((await again.feed(0, 100)).entries.map((e) => e.cursor), [1, 2, 3, 4, 5, 6], 'read from the journal, then the files');
  await again.close();
  const after = await opened(dir);
  t.same((await after.feed(2, 100)).entries.map((e) => e.cursor), [3, 4, 5, 6], 'and from the files once applied');
  await after.close();
});

t.test('an entry whose event is gone comes without it; a line of the wrong shape is reported and skipped', async (t) => {
  const dir = t.testdir();
  const logged: string[] = [];
  const store = await opened(dir, {log: (line) => logged.push(line)});
  await store.putChat(chat('c1'));
  await store.appendEvent('c1', msg('hello'), undefined, tag);
  await store.appendFeed(left(2));
  await store.close();
  await unlink(join(dir, 'chats', 'c1.log'));
  await writeFile(join(dir, 'feed', '000000000001.log'), (await readFile(join(dir, 'feed', '000000000001.log'), 'utf8')) + '{"n":3,"e":{"type":"visitor.left","at":3}}\n');
  const again = await opened(dir, {log: (line) => logged.push(line)});
  const {entries} = await again.feed(0, 100);
  t.same(entries.map((e) => [e.cursor, e.type, 'event' in e]), [[1, 'chat.message', false], [2, 'visitor.left', false]]);
  t.match(logged.join('\n'), /feed entry 3 has the wrong shape/);
  await again.close();
});

t.test('written through (the CLI), the feed is read on first use', async (t) => {
  const dir = t.testdir();
  const hub = await opened(dir);
  await hub.appendFeed(left(1));
  await hub.close();
  const cli = new EmbeddedStore(dir, {log: () => {}});
  await cli.open();
  await cli.putVisitor({id: 'v1', site: 'example.com', tokenHash: 'h', firstSeen: 1, chats: []});
  const entry = await cli.appendVisit('v1', {id: 'visit-1', start: 2, ip: '', browser: 'b', os: 'o', userAgent: ''}, {site: 'example.com'});
  t.equal(entry?.cursor, 2);
  t.same((await cli.feed(0, 10)).entries.map((e) => e.type), ['visitor.left', 'visitor.arrived']);
  await cli.close();
});
