import {cp, readFile, readdir, rm, stat, writeFile} from 'node:fs/promises';
import {execFileSync} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {join} from 'node:path';
import t from 'tap';
import {hubToVisitor, PROTOCOL_VERSION} from '../src/protocol/index.js';
import {EmbeddedStore} from '../src/store/embedded-store.js';
import {startTestHub} from './helpers/hub.js';
import {Peer} from './helpers/peer.js';

/*
 * test/fixtures/v1-data was written by the hub of the previous format (one growing document per
 * chat and per visitor), through its own protocol: a visitor with two page views, one ended chat
 * and one still active with alice, and a journal segment a crash left behind.
 */
const fixture = fileURLToPath(new URL('./fixtures/v1-data/', import.meta.url));
const ALICE = 'VN5LHgF-0ARQGC8rBNDNxf4qG0fbtCiVxTjM8IPY2vM';
const VISITOR = {id: 'XTvKeIs_8I9wgO2XuRKApA', token: 'tA-zyTfBX6yyrcIwBDvjVkvggCrLg3oUt-2HpYsdIDQ'};
const ENDED = 'FFgmPkF0pLswjqV_md4DLg';
const OPEN = 'LZQWIMrZrxPh8Y_Buy9u_g';

async function copy(t: {testdir(): string; teardown(fn: () => unknown): void}): Promise<string> {
  const dir = t.testdir();
  await cp(fixture, dir, {recursive: true});
  t.teardown(() => rm(`${dir}.v1-backup`, {recursive: true, force: true}));
  return dir;
}

t.test('a data folder of the previous format is converted on first start, with a backup beside it', async (t) => {
  const dir = await copy(t);
  const said: string[] = [];
  const store = new EmbeddedStore(dir, {journal: true, log: (line) => said.push(line)});
  await store.open();
  t.match(said.join('\n'), /converted 2 chats and 1 visitors/);
  t.same(JSON.parse(await readFile(join(dir, 'format.json'), 'utf8')), {version: 2});
  t.same(
    (await store.events(ENDED)).map((e) => [e.seq, e.kind, e.text]),
    [[1, 'msg', 'Do you ship to Norway?'], [2, 'join', 'Alice joined the chat'], [3, 'msg', 'Yes, in 3 days.'], [4, 'end', 'The operator has ended the chat']],
  );
  t.same((await store.openChats()).map((c) => [c.chat.id, c.chat.state, c.lastSeq, c.chat.firstText]), [[OPEN, 'active', 3, 'One more thing']]);
  const [visit] = await store.visits(VISITOR.id);
  t.same(visit?.pages.map((p) => p.title), ['Home', 'Kettles']);
  t.equal(visit?.referrer, 'https://search.example/?q=kettle');
  t.same((await store.visitor(VISITOR.id))?.chats, [ENDED, OPEN]);
  t.same((await store.global('canned')).canned.map((c) => c.shortcut), ['ship'], 'the old journal was replayed first');
  await store.close();

  const backup = `${dir}.v1-backup`;
  t.ok((await stat(join(backup, 'chats', `${ENDED}.json`))).isFile(), 'the folder as it was is kept beside it');
  t.same(JSON.parse(await readFile(join(backup, 'chats', `${ENDED}.json`), 'utf8')).events.length, 4);
  t.notOk((await readdir(join(dir, 'chats'))).some((n) => n.endsWith('.tmp')));

  // Opening again changes nothing more.
  const again = new EmbeddedStore(dir, {journal: true, log: (line) => said.push(line)});
  await again.open();
  t.equal(said.filter((l) => /converted \d+ chats/.test(l)).length, 1, 'converted once');
  t.equal((await again.events(OPEN)).length, 3);
  await again.close();
});

t.test('a hub on the converted folder serves the old chat: the operator and the visitor resume it', async (t) => {
  const dir = await copy(t);
  const hub = await startTestHub({dir});
  let closed = false;
  t.teardown(() => (closed ? undefined : hub.close()));
  hub.tokens.alice = ALICE;
  const alice = await hub.operator('alice', {lastSeq: {[OPEN]: 1}});
  const ready = alice.frames.find((f) => f.t === 'ready')!;
  t.match(ready.chats, [{id: OPEN, state: 'active', owner: 'alice', lastSeq: 3}]);
  await alice.waitType('synced', (f) => f.chatId === OPEN && f.seq === 3);
  t.same(alice.of('ev').map((f) => f.e.seq), [2, 3], 'what it missed, from the converted log');

  const vera = await Peer.connect(`${hub.url.replace('http', 'ws')}/ws/visitor?site=example.com`, hubToVisitor, {origin: 'https://example.com'});
  vera.send({t: 'hello', v: PROTOCOL_VERSION, site: 'example.com', visitorId: VISITOR.id, resumeToken: VISITOR.token, lastSeq: 2});
  const welcome = await vera.waitType('welcome');
  t.equal(welcome.visitorId, VISITOR.id, 'the same visitor, not a new one');
  t.match(welcome.chat, {id: OPEN, state: 'active', operator: 'Alice'});
  vera.send({t: 'msg', id: vera.nextId(), text: 'And the red one?'});
  const e = await alice.waitType('ev', (f) => f.e.text === 'And the red one?');
  t.equal(e.e.seq, 4, 'numbering goes on after the converted events');
  // Closed here, before the test's folder is removed.
  closed = true;
  vera.close();
  alice.close();
  await hub.close();
});

t.test('a damaged format.json stops the store naming the file, and is left as it was', async (t) => {
  for (const body of ['', '{"version":2', '{}', 'null', '{"version":"2"}']) {
    const dir = t.testdir();
    const first = new EmbeddedStore(dir, {journal: true, log: () => {}});
    await first.open();
    await first.putVisitor({id: 'v1', site: 'example.com', tokenHash: 'h', firstSeen: 1, chats: []});
    await first.close();
    await writeFile(join(dir, 'format.json'), body);
    const again = new EmbeddedStore(dir, {journal: true, log: () => {}});
    await t.rejects(again.open(), {name: 'DamagedError', message: `${join(dir, 'format.json')} is damaged`}, JSON.stringify(body));
    t.equal(await readFile(join(dir, 'format.json'), 'utf8'), body, 'not overwritten');
  }
});

t.test('a backup copy cut short is not taken for the backup: the next start copies the folder again', async (t) => {
  const dir = await copy(t);
  t.teardown(() => rm(`${dir}.v1-backup.partial`, {recursive: true, force: true}));
  // A FIFO in the folder makes the copy fail part-way, as a crash in the middle of it would.
  execFileSync('mkfifo', [join(dir, 'a-fifo')]);
  await t.rejects(new EmbeddedStore(dir, {journal: true, log: () => {}}).open());
  t.notOk(await stat(`${dir}.v1-backup`).catch(() => undefined), 'no backup yet: the copy did not finish');
  t.notOk(await stat(join(dir, 'format.json')).catch(() => undefined), 'nothing converted');
  await rm(join(dir, 'a-fifo'));
  const store = new EmbeddedStore(dir, {journal: true, log: () => {}});
  await store.open();
  await store.close();
  const backup = `${dir}.v1-backup`;
  const kept = new Set(await readdir(backup, {recursive: true}));
  t.same((await readdir(fixture, {recursive: true})).filter((f) => !kept.has(f)), [], 'the backup holds every file of the folder as it was');
  t.equal(JSON.parse(await readFile(join(backup, 'chats', `${ENDED}.json`), 'utf8')).events.length, 4);
  t.notOk(await stat(`${backup}.partial`).catch(() => undefined), 'the cut-short copy is gone');
});
