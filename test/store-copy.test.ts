import {readdir, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import t from 'tap';
import {copyStore, isEmpty} from '../src/store/copy.js';
import {EmbeddedStore} from '../src/store/embedded-store.js';
import {MemoryStore} from '../src/store/memory-store.js';
import {PgStore} from '../src/store/pg/pg-store.js';
import type {Store} from '../src/store/store.js';
import {noPostgres, testPostgres, type TestPostgres} from './helpers/postgres.js';
import {fill, snapshot} from './helpers/store-data.js';

/* Copying a store into another through the Store interface (`cac db import` and `export`). */

const noPg = noPostgres();
const pg: TestPostgres | undefined = noPg ? undefined : await testPostgres();
if (pg) t.teardown(() => pg.stop());

async function opened<S extends Store>(store: S): Promise<S> {
  await store.open();
  return store;
}

const folder = (dir: string, options = {}) => opened(new EmbeddedStore(dir, {journal: true, log: () => {}, ...options}));

t.test('a data folder copied into memory and back into a folder reads back the same', async (t) => {
  const source = await folder(t.testdir());
  await fill(source);
  const before = await snapshot(source);
  t.equal((before.feed as {entries: {type: string}[]}).entries.filter((e) => e.type === 'removed').length > 0, true, 'the feed has removed entries');
  const memory = await opened(new MemoryStore());
  const seen: number[] = [];
  const copied = await copyStore(source, memory, {pageSize: Infinity, progress: (c) => seen.push(c.feed)});
  t.same(copied, {globals: 6, visitors: 3, visits: 6, pages: 18, chats: 4, events: 11, feed: before.feedEnd});
  t.ok(seen.length >= 3, 'progress is told as it goes');
  t.same(await snapshot(memory), before, 'memory holds what the folder does');
  const back = await folder(t.testdir());
  await copyStore(memory, back, {pageSize: 2});
  t.same(await snapshot(back), before, 'and so does a folder copied from it, a page of two at a time');
  await t.rejects(copyStore(memory, back), /the target already holds data/);
  await Promise.all([source.close(), back.close()]);
});

t.test('an empty store is empty; one with only a global changed is not', async (t) => {
  const store = await opened(new MemoryStore());
  t.equal(await isEmpty(store), true);
  await store.putGlobal('canned', {canned: [{id: 'x', shortcut: 'x', text: 'x'}]});
  t.equal(await isEmpty(store), false);
  const visitor = await opened(new MemoryStore());
  await visitor.putVisitor({id: 'v', site: 's', tokenHash: 'h', firstSeen: 1, chats: []});
  t.equal(await isEmpty(visitor), false);
  const chat = await opened(new MemoryStore());
  await chat.putChat({id: 'c', kind: 'visitor', site: 's', state: 'waiting', operators: [], requestedAt: 1});
  t.equal(await isEmpty(chat), false);
});

t.test('feed entries the source cannot read are copied as removed ones: every cursor stays what it was', async (t) => {
  const dir = t.testdir();
  const source = await folder(dir, {feedFileEntries: 5});
  for (let i = 1; i <= 12; i++) await source.appendFeed({type: 'visitor.left', at: i, site: 'example.com', visitorId: `v${i}`});
  await source.close();
  const first = (await readdir(join(dir, 'feed'))).sort()[0]!;
  await writeFile(join(dir, 'feed', first), 'not a feed line\n');
  const again = await folder(dir, {feedFileEntries: 5});
  const memory = await opened(new MemoryStore());
  await copyStore(again, memory);
  const {entries} = await memory.feed(0, 100);
  t.same(entries.map((e) => [e.cursor, e.type]), [...Array.from({length: 5}, (_, i) => [i + 1, 'removed']), ...Array.from({length: 7}, (_, i) => [i + 6, 'visitor.left'])]);
  await again.close();
});

t.test('a data folder into PostgreSQL and back', {skip: noPg}, async (t) => {
  const dir = t.testdir();
  const source = await folder(join(dir, 'source'));
  await fill(source);
  const before = await snapshot(source);
  const db = await opened(new PgStore(pg!.url, {schema: pg!.schemaFor(dir), log: () => {}}));
  await copyStore(source, db, {pageSize: Infinity});
  t.same(await snapshot(db), before, 'PostgreSQL holds what the folder does');
  const back = await folder(join(dir, 'back'));
  await copyStore(db, back, {pageSize: 1});
  t.same(await snapshot(back), before, 'and a folder exported from it too');
  // The copy goes on as the original would: numbering carries on after the last cursor and seq.
  const next = await db.appendEvent('v2-chat', {kind: 'msg', from: 'visitor', name: 'V', text: 'still there?', at: 1});
  t.equal(next.event.seq, 4);
  t.equal((await db.appendFeed({type: 'visitor.left', at: 2, site: 'example.com', visitorId: 'v1'})).cursor, (before.feedEnd as number) + 1);
  await Promise.all([source.close(), db.close(), back.close()]);
});
