import {mkdir, writeFile} from 'node:fs/promises';
import {dirname, join} from 'node:path';
import postgres from 'postgres';
import t from 'tap';
import {waitUntil} from './helpers/wait.js';
import {hubToOperator, hubToVisitor, PROTOCOL_VERSION} from '../src/protocol/index.js';
import {EmbeddedStore} from '../src/store/embedded-store.js';
import type {ImportLock} from '../src/store/pg/import-mark.js';
import {PgStore} from '../src/store/pg/pg-store.js';
import type {Store} from '../src/store/store.js';
import {acceptedChat} from './helpers/hub.js';
import {Peer} from './helpers/peer.js';
import {noPostgres, testPostgres, type TestPostgres} from './helpers/postgres.js';
import {freePort, runCac, spawnCac} from './helpers/spawn.js';
import {noRedis, startRedis} from './helpers/redis.js';
import {fill, snapshot} from './helpers/store-data.js';
import {seedTranscripts} from './helpers/transcripts.js';

/* `cac db` and `cac hub --database`: the real binary against a database of its own. */

const noPg = noPostgres();
const pg: TestPostgres | undefined = noPg ? undefined : await testPostgres();
if (pg) t.teardown(() => pg.stop());

/** What a store holds, read with it opened for the moment. */
/** Whether an import lock knows its connection closed under it (its check throws so). */
function closedUnder(lock: ImportLock): boolean {
  try {
    lock.check();
    return false;
  } catch (error) {
    return /the import lock was lost \(its connection closed\)/.test(String(error));
  }
}

async function contents(store: Store): Promise<Record<string, unknown>> {
  await store.open();
  try {
    return await snapshot(store);
  } finally {
    await store.close();
  }
}

/** A data folder filled with `fill`, in a test folder of its own: where it is, what it holds, and fill's tokens. */
async function filledFolder(t: {testdir(fixture: {folder: {}}): string}): Promise<{folder: string; before: Record<string, unknown>; tokens: Awaited<ReturnType<typeof fill>>}> {
  const folder = join(t.testdir({folder: {}}), 'folder');
  const source = new EmbeddedStore(folder, {journal: true, log: () => {}});
  await source.open();
  const tokens = await fill(source);
  await source.close();
  return {folder, before: await contents(new EmbeddedStore(folder)), tokens};
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
    const {folder, before, tokens} = await filledFolder(t);
    const dir = dirname(folder);
    const url = await pg!.database();

    const imported = await runCac(['db', 'import', folder, '--database', url, '--json']);
    t.equal(imported.code, 0, imported.out);
    t.same(JSON.parse(imported.stdout), {globals: 6, visitors: 3, visits: 6, pages: 18, chats: 4, events: 11, feed: before.feedEnd});
    t.match(imported.stderr, /imported .*folder into postgres:\/\/cac@127\.0\.0\.1:\d+\/\w+: 6 global records, 3 visitors \(6 visits, 18 pages\), 4 chats \(11 events\), \d+ feed entries/);
    t.same(await contents(new PgStore(url, {log: () => {}})), before, 'the database holds what the folder did');
    const twice = await runCac(['db', 'import', folder, '--database', url]);
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
    // Whether alice's socket closing is in the feed after it depends on which the hub saw first.
    const accepted = (await db.feed(0, 5000)).entries.filter((e) => e.type === 'chat.accepted').at(-1);
    t.equal(accepted && 'chatId' in accepted ? accepted.chatId : undefined, chatId, 'the new accept is the last one in the feed');
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

  t.test('an import cut short is refused by hubs and started again by the next import', async (t) => {
    const {folder, before} = await filledFolder(t);
    const url = await pg!.database();
    t.equal((await runCac(['db', 'import', folder, '--database', url])).code, 0);
    // Where a kill in the middle leaves it: the mark still there, part of the records in.
    const partial = new PgStore(url, {log: () => {}});
    await partial.open();
    const {visitors} = await partial.listVisitors();
    await partial.eraseVisitor(visitors[0]!.id);
    await partial.markImport({from: folder, at: Date.parse('2026-12-01T06:00:00Z')});
    await partial.close();

    const hub = await runCac(['hub', '--port', String(await freePort()), '--database', url]);
    t.equal(hub.code, 1, 'a hub will not serve half an import');
    t.match(hub.stderr, /an import into postgres:\/\/\S+ from .*folder \(begun 2026-12-01T06:00:00\.000Z\) did not finish: run cac db import again/);
    await t.rejects(new PgStore(url, {log: () => {}}).open(), /did not finish/, 'nor will the other commands on the database');

    const again = await runCac(['db', 'import', folder, '--database', url]);
    t.equal(again.code, 0, again.out);
    t.match(again.stderr, /an import from .*folder \(begun 2026-12-01T06:00:00\.000Z\) did not finish: emptying postgres:\/\/\S+ and starting again/);
    t.same(await contents(new PgStore(url, {log: () => {}})), before, 'the database holds the folder once, whole');
  });

  t.test('one import at a time: a second one, from another folder, is refused and changes nothing', async (t) => {
    const {folder, before} = await filledFolder(t);
    const url = await pg!.database();
    const other = await pg!.database();

    // Held as an import holds it while it copies.
    const lock = await new PgStore(url, {log: () => {}}).lockImport();
    t.ok(lock, 'the lock is taken');
    t.equal(await new PgStore(url, {log: () => {}}).lockImport(), undefined, 'and cannot be taken twice');
    const elsewhere = await new PgStore(other, {log: () => {}}).lockImport();
    t.ok(elsewhere, 'another database has its own');
    await elsewhere!.release();

    const refused = await runCac(['db', 'import', folder, '--database', url]);
    t.equal(refused.code, 1, refused.out);
    t.match(refused.stderr, /another import into postgres:\/\/cac@127\.0\.0\.1:\d+\/\w+ is under way: wait for it to finish \(nothing was changed\)/);
    const untouched = new PgStore(url, {log: () => {}});
    await untouched.open();
    t.equal(await untouched.importUnderway(), undefined, 'no mark of its own');
    t.same((await untouched.listVisitors()).visitors, [], 'nothing copied');
    await untouched.close();

    await lock!.release();
    const after = await runCac(['db', 'import', folder, '--database', url]);
    t.equal(after.code, 0, after.out);
    t.same(await contents(new PgStore(url, {log: () => {}})), before, 'once it is free, the import runs whole');

    // An import that is killed loses its connection, and the lock with it.
    const held = await new PgStore(other, {log: () => {}}).lockImport();
    t.ok(held);
    const admin = postgres(other, {max: 1, onnotice: () => {}});
    t.teardown(() => admin.end({timeout: 1}));
    const killed = await admin`SELECT pg_terminate_backend(l.pid) FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND d.datname = current_database()`;
    t.equal(killed.length, 1, 'the holder is found and killed');
    await waitUntil('the holder to know it lost the lock', () => closedUnder(held!));
    let retaken: Awaited<ReturnType<PgStore['lockImport']>>;
    await waitUntil('the lock of a killed import to be free', async () => (retaken = await new PgStore(other, {log: () => {}}).lockImport()) !== undefined);
    t.doesNotThrow(() => retaken!.check(), 'the new holder holds it');
    await retaken!.release();
    await held!.release().catch(() => {});
  });

  t.test('the import lock keeps its connection from being idle, and knows when it is ended', async (t) => {
    const url = await pg!.database();
    const admin = postgres(url, {max: 1, onnotice: () => {}});
    t.teardown(() => admin.end({timeout: 1}));
    // As a server that ends sessions idle for 3 s would (sessions begun after this take it).
    await admin.unsafe(`ALTER DATABASE "${new URL(url).pathname.slice(1)}" SET idle_session_timeout = '3s'`);
    const asking = await new PgStore(url, {log: () => {}}).lockImport(500);
    // Another schema's lock, whose connection asks only every minute.
    const quiet = await new PgStore(url, {schema: 'quiet', log: () => {}}).lockImport(60_000);
    t.teardown(async () => {
      await asking?.release();
      await quiet?.release().catch(() => {});
    });
    await waitUntil('the quiet lock to be ended as idle', () => closedUnder(quiet!));
    t.doesNotThrow(() => asking!.check(), 'the lock that asks is still held: its session was never idle that long');
    t.equal(await new PgStore(url, {log: () => {}}).lockImport(), undefined, 'and no other import can take it');
  });

  t.test('an import whose lock connection alone is ended stops, and the next one starts over', async (t) => {
    const dir = t.testdir({});
    const folder = join(dir, 'folder');
    await seedTranscripts(folder, 1000);
    const url = await pg!.database();
    const admin = postgres(url, {max: 1, onnotice: () => {}});
    t.teardown(() => admin.end({timeout: 1}));
    // As a server's idle_session_timeout or a pooler would: the lock's connection, idle, is ended
    // while the import copies on its others.
    const importing = runCac(['db', 'import', folder, '--database', url]);
    await waitUntil('the import to hold its lock', async () =>
      // The import's lock only (two keys, the first "cac"), not the migrations' (one key).
      (await admin`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2 AND classid = ${0x636163}::int4::oid
        AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).length === 1,
    );
    const stopped = await importing;
    t.equal(stopped.code, 1, stopped.out);
    t.match(stopped.stderr, /the import lock was lost \(its connection closed\), so another import could have begun: this one stopped; run it again \(it starts over\)/);
    await t.rejects(new PgStore(url, {log: () => {}}).open(), /an import into .* from .*folder .* did not finish/, 'its mark stays: nothing serves the half copy');
    const chats = Number((await admin`SELECT count(*)::int AS chats FROM chats`)[0]!.chats);
    t.ok(chats < 1000, `it stopped as it copied, not at the end (${chats} of 1,000 chats copied)`);

    const again = await runCac(['db', 'import', folder, '--database', url, '--json']);
    t.equal(again.code, 0, again.out);
    t.match(again.stderr, /did not finish: emptying .* and starting again/);
    t.equal(JSON.parse(again.stdout).chats, 1000, 'the next import copies it whole');
  });

  t.test('1,000 chats imported: the CLI exports the same transcripts from the database as from the folder', async (t) => {
    const dir = t.testdir({});
    const folder = join(dir, 'folder');
    await seedTranscripts(folder, 1000);
    const url = await pg!.database();
    const imported = await runCac(['db', 'import', folder, '--database', url, '--json']);
    t.equal(imported.code, 0, imported.out);
    t.equal(JSON.parse(imported.stdout).chats, 1000);
    for (const format of ['jsonl', 'txt'] as const) {
      const fromFolder = await runCac(['transcripts', 'export', '--format', format, '--out', '-', '--data', folder]);
      const fromDb = await runCac(['transcripts', 'export', '--format', format, '--out', '-', '--verbose'], {CAC_DATABASE_URL: url});
      t.equal(fromDb.code, 0, fromDb.stderr);
      t.match(fromDb.stderr, /on the database postgres:/, 'the export read the database');
      t.equal(fromFolder.stdout.length > 100_000, true, `${format}: a real export`);
      t.equal(fromDb.stdout, fromFolder.stdout, `${format}: the same bytes`);
    }
    const lines = (await runCac(['transcripts', 'export', '--format', 'jsonl', '--out', '-'], {CAC_DATABASE_URL: url})).stdout.trim().split('\n');
    t.equal(lines.length, 1000, 'one line a chat');
  });

  t.test('an account change made on the database reaches the hubs on it through their Redis', {skip: noRedis()}, async (t) => {
    const redis = await startRedis(t);
    const url = await pg!.database();
    const dir = t.testdir({});
    const made = await runCac(['operators', 'add', 'alice', '--admin', '--json'], {CAC_DATABASE_URL: url});
    t.equal(made.code, 0, made.stderr);
    t.match(made.stderr, /hubs running on this database see the change when they restart/, 'without Redis, it says when hubs see it');
    const {token} = JSON.parse(made.stdout) as {token: string};
    await runCac(['sites', 'add', 'example.com'], {CAC_DATABASE_URL: url});
    // Another admin: the last one cannot be removed.
    t.equal((await runCac(['operators', 'add', 'carol', '--admin'], {CAC_DATABASE_URL: url})).code, 0);
    const port = await freePort();
    const hub = spawnCac(['hub', '--port', String(port), '--redis', redis.url, '--log', join(dir, 'hub.log')], {CAC_DATABASE_URL: url});
    t.teardown(() => {
      if (hub.child.exitCode === null) hub.child.kill('SIGKILL');
    });
    await waitUntil('the hub serving', async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status === 200);
    const health = await (await fetch(`http://127.0.0.1:${port}/healthz`)).json();
    t.match(health, {ok: true, store: 'ok', redis: 'ok'});
    const alice = await Peer.connect(`ws://127.0.0.1:${port}/ws/operator`, hubToOperator, {headers: {authorization: `Bearer ${token}`, 'x-cac-operator': 'alice'}});
    alice.send({t: 'hello', v: PROTOCOL_VERSION});
    await alice.waitType('ready');
    const removed = await runCac(['operators', 'remove', 'alice', '--verbose'], {CAC_DATABASE_URL: url, CAC_REDIS_URL: redis.url});
    t.equal(removed.code, 0, removed.stderr);
    t.match(removed.stderr, /on the database .*its hubs told through Redis/);
    t.equal((await alice.waitClosed(5000)).code, 4001, 'the hub closed the removed operator\'s socket at once');
  });
});
