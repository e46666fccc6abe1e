import t from 'tap';
import {RenewablePool} from '../src/store/pg/connection.js';
import {PgStore} from '../src/store/pg/pg-store.js';
import {cutProxy} from './helpers/cut-proxy.js';
import {acceptedChat, startTestHub} from './helpers/hub.js';
import {noPostgres, seededSchema, testPostgres} from './helpers/postgres.js';
import {waitUntil} from './helpers/wait.js';

/*
 * The hub's connections to PostgreSQL go silent (a lost NAT entry, a failed-over address):
 * nothing answers and nothing closes. A write must still be answered within its time limit, the
 * hub carry on through new connections, and close in bounded time.
 */

const missing = noPostgres();
if (missing) {
  t.test('PostgreSQL connections gone silent', {skip: missing}, () => {});
} else {
  const pg = await testPostgres();
  t.teardown(() => pg.stop());

  /** A proxy to the server that can silence its connections, and the server's URL through it. */
  const proxied = async (t: {teardown(fn: () => unknown): void}) => {
    const proxy = await cutProxy(Number(new URL(pg.url).port));
    t.teardown(() => proxy.close());
    const url = new URL(pg.url);
    url.port = String(proxy.port);
    return {proxy, url};
  };

  /** A schema with the site and bob, and a proxy to the server that can silence its connections. */
  const behindProxy = async (t: {teardown(fn: () => unknown): void; testdir(): string}) => {
    const dir = t.testdir();
    const {schema, tokens} = await seededSchema(pg, dir, ['bob']);
    return {dir, schema, bobToken: tokens.bob!, ...(await proxied(t))};
  };

  t.test('a write on a connection gone silent is refused within its time limit, and sent again is stored once', async (t) => {
    const {dir, schema, bobToken, proxy, url} = await behindProxy(t);
    const writeTimeoutMs = 2000;
    const hub = await startTestHub({dir, store: new PgStore(url.toString(), {schema, writeTimeoutMs, log: () => {}}), geoip: false});
    hub.tokens.bob = bobToken;
    let closed = false;
    t.teardown(() => !closed && hub.close());
    const bob = await hub.operator('bob');
    const visitor = await hub.visitor();
    const chatId = await acceptedChat(visitor, bob);

    // Several connections open in the pool, so that none is left that was not silenced.
    await Promise.all(Array.from({length: 20}, () => hub.hub.store.events(chatId)));
    t.ok(proxy.silence() > 1, 'the connections open now went silent');
    const id = visitor.nextId();
    const sentAt = Date.now();
    visitor.send({t: 'msg', id, text: 'into the silence'});
    const refused = await visitor.waitFor((f) => (f.t === 'ack' && f.id === id) || (f.t === 'error' && f.ref === id), 20_000);
    t.match(refused, {t: 'error', code: 'not_stored'}, 'refused, not left unanswered');
    t.ok(Date.now() - sentAt < writeTimeoutMs + 10_000, `within seconds of the limit (${Date.now() - sentAt} ms)`);

    // The widget sends it again: the writer is on a new connection by then.
    visitor.send({t: 'msg', id, text: 'into the silence'});
    const ack = await visitor.waitType('ack', (f) => f.id === id, 0);
    await bob.waitFor((f) => f.t === 'ev' && f.chatId === chatId && f.e.seq === ack.seq);
    // Read on a connection of its own: the hub's readers may be among the silent ones.
    const reader = new PgStore(pg.url, {schema, log: () => {}});
    await reader.open();
    const stored = (await reader.events(chatId)).filter((e) => e.text === 'into the silence');
    await reader.close();
    t.equal(stored.length, 1, 'stored once');

    // Silent again, a write in flight: closing still ends.
    proxy.silence();
    visitor.send({t: 'msg', id: visitor.nextId(), text: 'at closing time'});
    const closing = Date.now();
    visitor.close();
    bob.close();
    const timer = new Promise((resolve) => setTimeout(resolve, 30_000, 'still closing after 30 s'));
    t.equal(await Promise.race([hub.close().then(() => 'closed'), timer]), 'closed', `the hub closed (${Date.now() - closing} ms)`);
    closed = true;
  });

  t.test('reads on connections gone silent fail within their time limit; the hub is healthy again on new ones', async (t) => {
    const {dir, schema, bobToken, proxy, url} = await behindProxy(t);
    const readTimeoutMs = 2000;
    const lines: string[] = [];
    const store = new PgStore(url.toString(), {schema, readTimeoutMs, writeTimeoutMs: 2000, log: (line) => lines.push(line)});
    const hub = await startTestHub({dir, store, geoip: false});
    hub.tokens.bob = bobToken;
    t.teardown(() => hub.close());
    const status = async () => (await fetch(`${hub.url}/healthz`)).status;
    const bob = await hub.operator('bob');
    const visitor = await hub.visitor();
    const chatId = await acceptedChat(visitor, bob);
    const end = await store.feedEnd();

    // Several connections open in the pool, then all of them silent.
    await Promise.all(Array.from({length: 20}, () => store.events(chatId)));
    t.ok(proxy.silence() > 1, 'the connections open now went silent');
    const asked = Date.now();
    const reads = await Promise.allSettled(Array.from({length: 5}, () => store.feedEnd()));
    const waited = Date.now() - asked;
    t.same(
      reads.map((r) => r.status),
      Array(5).fill('rejected'),
      'each read fails rather than waits for the kernel to give up on the connection',
    );
    t.ok(waited < readTimeoutMs + 5000, `within seconds of the limit (${waited} ms)`);
    t.match(lines.join('\n'), /no answer in 2 s/, 'the hub log says why');

    // New connections pass: reads are answered again, and the hub says it is healthy.
    t.equal(await store.feedEnd(), end, 'the next read is answered');
    t.equal(await status(), 200, '/healthz answers 200');
    // The writer's own connection went silent too: a message is refused once, then stored.
    const id = visitor.nextId();
    visitor.send({t: 'msg', id, text: 'after the silence'});
    const answer = await visitor.waitFor((f) => (f.t === 'ack' && f.id === id) || (f.t === 'error' && f.ref === id), 20_000);
    if (answer.t === 'error') visitor.send({t: 'msg', id, text: 'after the silence'});
    await visitor.waitType('ack', (f) => f.id === id);
    await bob.waitFor((f) => f.t === 'ev' && f.chatId === chatId && f.e.text === 'after the silence');
    visitor.close();
    bob.close();
  });

  t.test('a pool that was ended is never made anew: a store that closed does not connect again', async (t) => {
    const {proxy, url} = await proxied(t);
    const pool = new RenewablePool(url.toString(), {});
    t.same(await pool.pool`select 1 as one`, [{one: 1}], 'the pool answers while open');
    const ended = pool.pool;
    await pool.end(1);
    // What the writer does when a group fails with its connection gone, as when the store closes.
    pool.renew();
    t.equal(pool.pool, ended, 'no new pool was made');
    await t.rejects(pool.pool`select 1`, {code: 'CONNECTION_ENDED'}, 'a query after the end is refused, not run on a new connection');
    await waitUntil('no connection through the proxy', () => proxy.live === 0);
  });
}
