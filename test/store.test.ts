import {mkdtemp, readFile, readdir, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import t from 'tap';
import {LowStore} from '../src/store/low-store.js';
import {CorruptFileError} from '../src/store/durable-file.js';
import type {ChatRecord} from '../src/store/types.js';

const chat = (id: string): ChatRecord => ({
  id,
  kind: 'visitor',
  site: 'example.com',
  state: 'waiting',
  operators: [],
  requestedAt: 1,
  events: [],
  ids: {},
});

t.test('a saved chat is on disk as its own document and reads back', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cac-store-'));
  const store = await new LowStore(dir).open();
  const db = store.newChat(chat('c1'));
  db.data.events.push({seq: 1, at: 2, kind: 'msg', from: 'visitor', name: 'V', text: 'hi'});
  await store.save(db);
  const onDisk = JSON.parse(await readFile(join(dir, 'chats', 'c1.json'), 'utf8')) as ChatRecord;
  t.equal(onDisk.events[0]?.text, 'hi');
  const again = await new LowStore(dir).open();
  t.equal((await again.chat('c1'))?.data.events.length, 1);
  t.equal(await again.chat('nope'), undefined);
  t.same(await again.chatIds(), ['c1']);
  t.same((await readdir(join(dir, 'chats'))).filter((n) => n.endsWith('.tmp')), [], 'no temp files left');
});

t.test('writes that arrive together are grouped and each resolves after its data is stored', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cac-store-'));
  const store = await new LowStore(dir).open();
  const dbs = Array.from({length: 50}, (_, i) => store.newChat(chat(`c${i}`)));
  await Promise.all(dbs.map((db) => store.save(db)));
  const db0 = dbs[0]!;
  db0.data.state = 'active';
  const first = store.save(db0);
  db0.data.owner = 'alice';
  const second = store.save(db0);
  await Promise.all([first, second]);
  const onDisk = JSON.parse(await readFile(join(dir, 'chats', 'c0.json'), 'utf8')) as ChatRecord;
  t.equal(onDisk.owner, 'alice');
  t.equal((await store.chatIds()).length, 50);
});

t.test('a corrupt document stops the load with an error naming the file, and is left as it was', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cac-store-'));
  const store = await new LowStore(dir).open();
  const file = join(dir, 'sites.json');
  await writeFile(file, '{"sites": [');
  await t.rejects(store.global('sites'), CorruptFileError);
  await t.rejects(store.global('sites'), {message: new RegExp(file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))});
  t.equal(await readFile(file, 'utf8'), '{"sites": [');
});

t.test('global documents start from their defaults', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cac-store-'));
  const store = await new LowStore(dir).open();
  const ops = await store.global('operators');
  t.same(ops.data, {operators: []});
  t.throws(() => store.chatFile('../etc/passwd'), /bad chat id/);
});

t.test('journalled store: acked writes survive a crash before the checkpoint, a torn tail is ignored', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cac-store-'));
  const store = await new LowStore(dir, {journal: true}).open();
  const db = store.newChat(chat('j1'));
  db.data.events.push({seq: 1, at: 2, kind: 'msg', from: 'visitor', name: 'V', text: 'journalled'});
  await store.save(db);
  // "Crash": the process is gone before the checkpoint wrote chats/j1.json. Simulate what a
  // power cut mid-append leaves too: a torn last line.
  const segments = (await readdir(dir)).filter((n) => n.endsWith('.wal'));
  t.equal(segments.length, 1, 'one journal segment');
  await writeFile(join(dir, segments[0]!), '{"f":"chats/j9.json","d":{"id":', {flag: 'a'});

  const again = await new LowStore(dir, {journal: true}).open();
  t.equal((await again.chat('j1'))?.data.events[0]?.text, 'journalled', 'replayed from the journal');
  t.equal(await again.chat('j9'), undefined, 'the torn record was never acked and is dropped');
  t.notOk((await readdir(dir)).includes(segments[0]!), 'the replayed segment is removed');
  await again.close();
  await store.close();
});

t.test('journalled store: the checkpoint writes documents to their own files and empties the journal', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cac-store-'));
  const store = await new LowStore(dir, {journal: true}).open();
  const db = store.newChat(chat('k1'));
  for (let i = 1; i <= 20; i++) {
    db.data.events.push({seq: i, at: i, kind: 'msg', from: 'operator', name: 'O', text: `m${i}`});
    await store.save(db);
  }
  await store.close();
  const onDisk = JSON.parse(await readFile(join(dir, 'chats', 'k1.json'), 'utf8')) as ChatRecord;
  t.equal(onDisk.events.length, 20);
  t.same((await readdir(dir)).filter((n) => n.endsWith('.wal')), [], 'no journal left after a clean close');
});

t.test('a corrupt journal line in the middle stops recovery with the file named', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cac-store-'));
  await writeFile(join(dir, 'journal-3.wal'), 'garbage\n{"f":"chats/a.json","d":{}}\n');
  await t.rejects(new LowStore(dir, {journal: true}).open(), {message: /journal-3\.wal/});
  t.equal(await readFile(join(dir, 'journal-3.wal'), 'utf8'), 'garbage\n{"f":"chats/a.json","d":{}}\n', 'left as it was');
});

t.test('a released document is dropped from memory only once it is written', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cac-store-'));
  const store = await new LowStore(dir, {journal: true}).open();
  const db = store.newChat(chat('r1'));
  db.data.state = 'ended';
  const saved = store.save(db);
  store.release(db);
  t.equal(await store.chat('r1'), db, 'still the same object while its write is pending');
  await saved;
  await store.close();
  const fresh = await store.chat('r1');
  t.not(fresh, db, 'read again from disk afterwards');
  t.equal(fresh?.data.state, 'ended');
});
