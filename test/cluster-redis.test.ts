import t from 'tap';
import {waitUntil} from './helpers/wait.js';
import {noPostgres, testPostgres} from './helpers/postgres.js';
import {noRedis, redisCommand, startRedis} from './helpers/redis.js';
import {operatorsOn, startCluster} from './helpers/cluster.js';
import {acceptedChat} from './helpers/hub.js';

/* Redis lost and restarted empty under traffic: nothing acked is lost or doubled, presence comes back. */

const missing = noPostgres() || noRedis();
if (missing) {
  t.test('hubs riding out a Redis restart', {skip: missing}, () => {});
} else {
  const pg = await testPostgres();
  t.teardown(() => pg.stop());
  const redis = await startRedis(t);


  /** Two hubs; a visitor on A chatting with bob on B. */
  const chatAcrossHubs = async (t: Parameters<typeof startCluster>[0]) => {
    const {hubs} = await startCluster(t, pg, redis.url, {hubs: 2});
    const [a, b] = hubs as [(typeof hubs)[0], (typeof hubs)[0]];
    const [bob] = await operatorsOn(hubs, [['bob', b]]);
    const visitor = await a.visitor();
    return {a, b, bob, visitor, chatId: await acceptedChat(visitor, bob)};
  };

  t.test('Redis killed and started again empty while a visitor and an operator on two hubs keep talking', async (t) => {
    const {a, b, bob, visitor, chatId} = await chatAcrossHubs(t);

    // Messages both ways, each acked; Redis dies in the middle and comes back empty.
    const acked: string[] = [];
    const send = async (i: number) => {
      const from = i % 2 === 0 ? visitor : bob;
      const id = from.nextId();
      const text = `m${i}`;
      from.send(from === bob ? {t: 'msg', chatId, id, text} : {t: 'msg', id, text});
      await from.waitType('ack', (f) => f.id === id);
      acked.push(text);
    };
    for (let i = 0; i < 20; i++) await send(i);
    await redis.kill();
    await waitUntil('hub A unhealthy', async () => (await fetch(`${a.url}/healthz`)).status === 503);
    t.match(await (await fetch(`${a.url}/healthz`)).json(), {ok: false, store: 'ok', redis: 'down'}, '/healthz says what is down');
    await t.rejects(a.visitor(), /HTTP 503/, 'a new socket is refused meanwhile (the balancer sends it elsewhere)');
    for (let i = 20; i < 40; i++) await send(i);
    await redis.start();
    await waitUntil('hub A healthy again', async () => (await fetch(`${a.url}/healthz`)).status === 200);
    for (let i = 40; i < 60; i++) await send(i);

    const stored = (await a.hub.store.events(chatId)).filter((e) => e.kind === 'msg' && /^m\d+$/.test(e.text)).map((e) => e.text);
    t.same(stored, acked, 'every acked message stored once, in order');
    const fromVisitor = acked.filter((_, i) => i % 2 === 0);
    const fromBob = acked.filter((_, i) => i % 2 === 1);
    const seen = (peer: typeof bob, texts: string[]) => {
      const evs = peer.of('ev').filter((f) => f.chatId === chatId && texts.includes(f.e.text));
      return [...new Map(evs.map((f) => [f.e.seq, f.e.text as string])).entries()].sort((x, y) => x[0] - y[0]).map(([, text]) => text);
    };
    await waitUntil('bob has every visitor message', () => seen(bob, fromVisitor).length === fromVisitor.length);
    t.same(seen(bob, fromVisitor), fromVisitor, 'bob got the visitor\'s messages sent while Redis was down (read from the store when it came back)');
    await waitUntil('the visitor has every message of bob', () => seen(visitor, fromBob).length === fromBob.length);
    t.same(seen(visitor, fromBob), fromBob, 'and the visitor got bob\'s');
    const bobSeqs = bob.of('ev').filter((f) => f.chatId === chatId).map((f) => f.e.seq);
    t.equal(new Set(bobSeqs).size, bobSeqs.length, 'nothing reached bob twice');

    // Presence is written again: both hubs' heartbeats, bob on hub B, the visitor on hub A.
    await waitUntil('presence rebuilt', async () => {
      const hubsSet = (await redisCommand(redis.port, 'SMEMBERS', 'cac:hubs')) as string[];
      const ops = (await redisCommand(redis.port, 'SMEMBERS', `cac:ops:${b.hub.cluster!.id}`)) as string[];
      const visitors = (await redisCommand(redis.port, 'HKEYS', `cac:visitors:${a.hub.cluster!.id}`)) as string[];
      return hubsSet.length === 2 && ops.includes('bob') && visitors.length === 1;
    }, 10);
    // Redis holds it again; hub A's own copy follows at its next beat.
    await waitUntil('hub A hears of bob again', () => a.hub.sessions.onlineFor('example.com').includes('bob'), 10);
    t.ok(a.hub.sessions.onlineFor('example.com').includes('bob'), 'hub A still rings bob');
    // Hub B's copy of the visitors on hub A likewise follows Redis at B's next beat.
    const visitorId = visitor.of('welcome')[0]!.visitorId;
    await waitUntil('hub B hears of the visitor on hub A again', () => b.hub.cluster!.remoteVisitors().some((v) => v.id === visitorId), 10);
    const late = await b.operator('alice');
    t.ok(late.of('ready')[0]!.visitors.some((v: {id: string}) => v.id === visitor.of('welcome')[0]!.visitorId), 'an operator joining hub B lists the visitor on hub A');
  });

  t.test('PostgreSQL lost: the hubs say so, refuse to store (nothing acked is lost), keep their sockets, and carry on when it is back', {skip: !pg.outage && 'a server of its own is needed'}, async (t) => {
    const {a, b, bob, visitor, chatId} = await chatAcrossHubs(t);
    const id = visitor.nextId();
    await pg.outage!(async () => {
      await waitUntil('hub A unhealthy', async () => (await fetch(`${a.url}/healthz`)).status === 503);
      t.match(await (await fetch(`${a.url}/healthz`)).json(), {ok: false, store: 'down', redis: 'ok'}, '/healthz says the store is down');
      visitor.send({t: 'msg', id, text: 'during the outage'});
      const refused = await visitor.waitType('error', (f) => f.ref === id, 0);
      t.equal(refused.code, 'not_stored', 'the message is refused, not acked');
    });
    await waitUntil('hub A healthy again', async () => (await fetch(`${a.url}/healthz`)).status === 200, 30);
    t.notOk(visitor.closed || bob.closed, 'both kept their sockets');
    visitor.send({t: 'msg', id, text: 'during the outage'});
    const ack = await visitor.waitType('ack', (f) => f.id === id);
    await bob.waitFor((f) => f.t === 'ev' && f.e.seq === ack.seq && f.e.text === 'during the outage');
    const stored = (await a.hub.store.events(chatId)).filter((e) => e.text === 'during the outage');
    t.equal(stored.length, 1, 'stored once, when sent again');
  });
}
