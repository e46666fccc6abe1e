import {readdir, readFile} from 'node:fs/promises';
import {join} from 'node:path';
import t from 'tap';
import {EmbeddedStore} from '../src/store/embedded-store.js';
import {MemoryStore} from '../src/store/memory-store.js';
import {PgStore} from '../src/store/pg/pg-store.js';
import type {Store} from '../src/store/store.js';
import type {ChatRecord, VisitStart, VisitorRecord} from '../src/store/types.js';
import {noPostgres, testPostgres, type TestPostgres} from './helpers/postgres.js';

/*
 * Listing visitors, erasing one, and retention: the same contract for every store. The embedded
 * store is also checked on disk: nothing of an erased visitor may be left in any file; and
 * PostgreSQL in every row of every table.
 */

const noPg = noPostgres();
const pg: TestPostgres | undefined = noPg ? undefined : await testPostgres();
if (pg) t.teardown(() => pg.stop());

/** Every row of every table of a schema, as text. */
async function allRows(schema: string): Promise<{file: string; text: string}[]> {
  const db = pg!.admin;
  const out: {file: string; text: string}[] = [];
  for (const {table} of await db`SELECT table_name AS table FROM information_schema.tables WHERE table_schema = ${schema}`) {
    for (const row of await db`SELECT row_to_json(t)::text AS text FROM ${db(schema)}.${db(table as string)} t`) out.push({file: table as string, text: row.text as string});
  }
  return out;
}

interface Impl {
  name: string;
  make(dir: string): Store;
  /** Whether a second instance on the same place sees the first one's data. */
  durable: boolean;
  /** What it keeps, as text, to look for what must be gone. */
  kept?(dir: string): Promise<{file: string; text: string}[]>;
  skip?: string | false;
}

const impls: Impl[] = [
  {name: 'memory', make: () => new MemoryStore(), durable: false},
  {name: 'embedded, journalled', make: (dir) => new EmbeddedStore(dir, {journal: true, log: () => {}}), durable: true, kept: allFiles},
  {name: 'embedded, written through', make: (dir) => new EmbeddedStore(dir, {log: () => {}}), durable: true, kept: allFiles},
  {
    name: 'postgres',
    make: (dir) => new PgStore(pg!.url, {schema: pg!.schemaFor(dir), log: () => {}}),
    durable: true,
    kept: (dir) => allRows(pg!.schemaFor(dir)),
    skip: noPg,
  },
];

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 1);

const visitor = (id: string, over: Partial<VisitorRecord> = {}): VisitorRecord => ({id, site: 'example.com', tokenHash: 'h', firstSeen: NOW, chats: [], ...over});
const visit = (id: string, start: number, ip = '198.51.100.7'): VisitStart => ({id, start, ip, browser: 'Firefox 120', os: 'Linux', userAgent: 'UA'});
const chat = (id: string, visitorId: string, over: Partial<ChatRecord> = {}): ChatRecord => ({
  id,
  kind: 'visitor',
  site: 'example.com',
  visitorId,
  state: 'ended',
  operators: ['alice'],
  requestedAt: NOW,
  endedAt: NOW,
  ...over,
});

/** Every file under `dir`, with its text. */
async function allFiles(dir: string): Promise<{file: string; text: string}[]> {
  const out: {file: string; text: string}[] = [];
  for (const e of await readdir(dir, {withFileTypes: true})) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await allFiles(path)));
    else out.push({file: path, text: await readFile(path, 'utf8')});
  }
  return out;
}

/** A visitor with two visits (pages) and two chats (messages), as the hub would store them. */
async function seed(store: Store, id: string, secret: string, at = NOW, site = 'example.com', net = '198.51.100.'): Promise<void> {
  await store.putVisitor(visitor(id, {site, name: `${secret}-name`, email: `${secret}@example.org`, chats: [`${id}-c1`, `${id}-c2`], firstSeen: at}));
  for (const [n, start] of [at, at + 1000].entries()) {
    await store.appendVisit(id, visit(`${id}-v${n}`, start, `${net}${n + 10}`));
    await store.appendPage(id, `${id}-v${n}`, {url: `https://example.com/${secret}`, title: secret, at: start});
  }
  for (const c of [`${id}-c1`, `${id}-c2`]) {
    await store.putChat(chat(c, id, {site, visitorName: `${secret}-name`, requestedAt: at, endedAt: at}));
    await store.appendEvent(c, {kind: 'msg', from: 'visitor', name: `${secret}-name`, text: `${secret} says hi`, at});
  }
}

for (const impl of impls) {
  t.test(impl.name, {skip: impl.skip}, async (t) => {
    t.test('visitors are listed newest first, by site, a page at a time', async (t) => {
      const store = impl.make(t.testdir());
      await store.open();
      for (const [i, site] of ['a.example', 'b.example', 'a.example', 'a.example'].entries()) await store.putVisitor(visitor(`v${i}`, {site, firstSeen: NOW + i}));
      const first = await store.listVisitors({site: 'a.example'}, undefined, 2);
      t.same(first.visitors.map((v) => v.id), ['v3', 'v2']);
      const second = await store.listVisitors({site: 'a.example'}, first.next, 2);
      t.same(second.visitors.map((v) => v.id), ['v0']);
      t.equal(second.next, undefined, 'the last page has no cursor');
      t.equal((await store.listVisitors()).visitors.length, 4);
      await store.close();
    });

    t.test('erasing a visitor leaves nothing of them, and everyone else as they were', async (t) => {
      const dir = t.testdir();
      const store = impl.make(dir);
      await store.open();
      await seed(store, 'gone', 'SECRETX');
      await seed(store, 'stays', 'KEEPME', NOW, 'example.com', '203.0.113.');
      // An open chat of theirs too, not in their record's list.
      await store.putChat(chat('gone-open', 'gone', {state: 'active'}));
      const erased = await store.eraseVisitor('gone');
      t.same(erased.chats.sort(), ['gone-c1', 'gone-c2', 'gone-open']);
      t.match(erased, {visitor: true, visits: 2});
      t.equal(await store.visitor('gone'), undefined);
      t.same(await store.visits('gone'), []);
      t.equal(await store.chat('gone-c1'), undefined);
      t.same((await store.openChats()).map((c) => c.chat.id), [], 'not among the open chats');
      t.same((await store.listChats({visitorId: 'gone'})).chats, []);
      t.equal((await store.visits('stays')).length, 2, 'another visitor keeps their visits');
      t.same((await store.events('stays-c1')).map((e) => e.text), ['KEEPME says hi']);
      t.same(await store.eraseVisitor('nobody'), {visitor: false, chats: [], visits: 0});
      await store.close();
      if (!impl.kept) return;
      const files = await impl.kept(dir);
      for (const needle of ['gone', 'SECRETX', '198.51.100.10', '198.51.100.11']) {
        t.same(files.filter((f) => f.text.includes(needle) || f.file.includes(needle)).map((f) => f.file), [], `no file holds ${needle}`);
      }
      t.ok(files.some((f) => f.text.includes('KEEPME')), 'the other visitor is still on disk');
    });

    t.test('retention removes ended chats and visits older than the cutoff of their site', async (t) => {
      const dir = t.testdir();
      const store = impl.make(dir);
      await store.open();
      await seed(store, 'old', 'OLDONE', NOW - 40 * DAY);
      await seed(store, 'new', 'NEWONE', NOW - 2 * DAY);
      await seed(store, 'other', 'OTHERSITE', NOW - 40 * DAY, 'b.example');
      await store.putChat(chat('old-open', 'old', {state: 'active', requestedAt: NOW - 40 * DAY, endedAt: undefined}));
      // A visitor who came back recently keeps their new visit and loses the old one.
      await store.appendVisit('old', visit('old-v9', NOW - DAY));
      const pruned = await store.prune((site) => (site === 'example.com' ? NOW - 30 * DAY : undefined));
      t.same(pruned, {chats: 2, visits: 2});
      t.same((await store.visits('old')).map((v) => v.id), ['old-v9']);
      t.equal(await store.chat('old-c1'), undefined);
      t.ok(await store.chat('old-open'), 'a chat not ended stays');
      t.same((await store.visitor('old'))?.chats, [], 'the visitor no longer lists removed chats');
      t.equal((await store.visits('new')).length, 2, 'recent visits stay');
      t.ok(await store.chat('new-c1'), 'recent chats stay');
      t.equal((await store.visits('other')).length, 2, 'a site without retention keeps everything');
      // A visitor left with nothing at all goes too.
      await seed(store, 'idle', 'IDLE', NOW - 40 * DAY);
      t.same(await store.prune(() => NOW - 30 * DAY), {chats: 4, visits: 4});
      t.equal(await store.visitor('idle'), undefined);
      t.equal(await store.visitor('old') !== undefined, true, 'a visitor with a visit left stays');
      await store.close();
      if (!impl.durable) return;
      // Appends after a prune carry on numbering where the log left off.
      const again = impl.make(dir);
      await again.open();
      await again.appendPage('old', 'old-v9', {url: 'https://example.com/back', title: 'Back', at: NOW});
      t.same((await again.visits('old'))[0]?.pages.map((p) => p.title), ['Back']);
      await again.close();
    });
  });
}
