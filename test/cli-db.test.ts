import {mkdir, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import t from 'tap';
import {hubToOperator, hubToVisitor, PROTOCOL_VERSION} from '../src/protocol/index.js';
import {EmbeddedStore} from '../src/store/embedded-store.js';
import {PgStore} from '../src/store/pg/pg-store.js';
import type {Store} from '../src/store/store.js';
import {acceptedChat} from './helpers/hub.js';
import {Peer} from './helpers/peer.js';
import {noPostgres, testPostgres, type TestPostgres} from './helpers/postgres.js';
import {freePort, runCac, spawnCac} from './helpers/spawn.js';
import {fill, snapshot} from './helpers/store-data.js';

/* `cac db` and `cac hub --database`: the real binary against a database of its own. */

const noPg = noPostgres();
const pg: TestPostgres | undefined = noPg ? undefined : await testPostgres();
if (pg) t.teardown(() => pg.stop());

/** What a store holds, read with it opened for the moment. */
async function contents(store: Store): Promise<Record<string, unknown>> {
  await store.open();
  try {
    return await snapshot(store);
  } finally {
    await store.close();
  }
}

t.test('cac db', {skip: noPg}, async (t) => {
  t.test('migrate creates the schema once; without a database it says which is wanted', async (t) => {
    const url = await pg!.database();
    const first = await runCac(['db', 'migrate', '--database', url]);
    t.equal(first.code, 0, first.out);
    t.match(first.stderr, /postgres:\/\/cac@127\.0\.0\.1:\d+\/\w+: schema at version 1 \(applied 1\)/);
    const again = await runCac(['db', 'migrate', '--json'], {CAC_DATABASE_URL: url});
    t.same([again.code, JSON.parse(again.stdout)], [0, {version: 1, applied: []}]);
    const none = await runCac(['db', 'migrate'], {CAC_DATABASE_URL: ''});
    t.same([none.code, none.stderr.trim()], [2, 'cac: which database? pass --database postgres://... or set CAC_DATABASE_URL']);
    const down = await runCac(['db', 'migrate', '--database', 'postgres://cac@127.0.0.1:1/none']);
    t.equal(down.code, 1);
    t.match(down.stderr, /cannot open postgres:\/\/cac@127\.0\.0\.1:1\/none/);
  });

  t.test('a data folder imported, served by a hub on the database, and exported back', async (t) => {
    const dir = t.testdir({folder: {}});
    const source = new EmbeddedStore(join(dir, 'folder'), {journal: true, log: () => {}});
    await source.open();
    const tokens = await fill(source);
    await source.close();
    const before = await contents(new EmbeddedStore(join(dir, 'folder')));
    const url = await pg!.database();

    const imported = await runCac(['db', 'import', join(dir, 'folder'), '--database', url, '--json']);
    t.equal(imported.code, 0, imported.out);
    t.same(JSON.parse(imported.stdout), {globals: 6, visitors: 3, visits: 6, pages: 18, chats: 4, events: 11, feed: before.feedEnd});
    t.match(imported.stderr, /imported .*folder into postgres:\/\/cac@127\.0\.0\.1:\d+\/\w+: 6 global records, 3 visitors \(6 visits, 18 pages\), 4 chats \(11 events\), \d+ feed entries/);
    t.same(await contents(new PgStore(url, {log: () => {}})), before, 'the database holds what the folder did');
    const twice = await runCac(['db', 'import', join(dir, 'folder'), '--database', url]);
    t.same([twice.code, twice.stderr.trim()], [2, 'cac: the database already holds data: import into an empty one']);
    const missing = await runCac(['db', 'import', join(dir, 'nothing'), '--database', url]);
    t.equal(missing.code, 2);
    t.match(missing.stderr, /nothing: no such data folder/);

    // A hub on the database: operators, sites and chats are the imported ones.
    const both = await runCac(['hub', '--data', dir, '--database', url]);
    t.same([both.code, both.stderr.trim()], [2, 'cac: pass --data or --database, not both']);
    const port = await freePort();
    const hub = spawnCac(['hub', '--port', String(port)], {CAC_DATABASE_URL: url});
    t.teardown(() => {
      if (hub.child.exitCode === null) hub.child.kill('SIGKILL');
    });
    await hub.waitFor(/hub listening on http:\/\/127\.0\.0\.1:\d+ \(database: postgres:\/\/cac@127\.0\.0\.1:\d+\/\w+\)/);
    const base = `ws://127.0.0.1:${port}`;
    const alice = await Peer.connect(`${base}/ws/operator`, hubToOperator, {headers: {authorization: `Bearer ${tokens.alice}`, 'x-cac-operator': 'alice'}});
    alice.send({t: 'hello', v: PROTOCOL_VERSION});
    const ready = await alice.waitType('ready');
    t.ok(JSON.stringify(ready).includes('v3-chat'), 'the open chats imported are served');
    const visitor = await Peer.connect(`${base}/ws/visitor?site=example.com`, hubToVisitor, {origin: 'https://example.com'});
    visitor.send({t: 'hello', v: PROTOCOL_VERSION, site: 'example.com', page: {url: 'https://example.com/', title: 'Home'}});
    await visitor.waitType('welcome');
    const chatId = await acceptedChat(visitor, alice, 'hello from a new visitor');
    alice.close();
    visitor.close();
    hub.child.kill('SIGTERM');
    t.equal(await hub.exited, 0, 'stopped cleanly');
    const db = new PgStore(url, {log: () => {}});
    await db.open();
    t.same((await db.events(chatId)).map((e) => e.kind), ['msg', 'join'], 'the new chat is in the database');
    t.equal((await db.feed(0, 5000)).entries.at(-1)?.type, 'chat.accepted');
    await db.close();

    const exported = await runCac(['db', 'export', join(dir, 'exported')], {CAC_DATABASE_URL: url});
    t.equal(exported.code, 0, exported.out);
    t.match(exported.stderr, /exported postgres:\/\/cac@127\.0\.0\.1:\d+\/\w+ to .*exported: 6 global records/);
    const after = await contents(new PgStore(url, {log: () => {}}));
    t.same(await contents(new EmbeddedStore(join(dir, 'exported'))), after, 'the folder holds what the database does');
    await mkdir(join(dir, 'full'));
    await writeFile(join(dir, 'full', 'something'), 'x');
    const full = await runCac(['db', 'export', join(dir, 'full'), '--database', url]);
    t.equal(full.code, 2);
    t.match(full.stderr, /full is not empty: export into a new folder/);
  });
});
