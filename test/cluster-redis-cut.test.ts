import t from 'tap';
import {waitUntil} from './helpers/wait.js';
import {noPostgres, testPostgres} from './helpers/postgres.js';
import {noRedis, redisCommand, startRedis} from './helpers/redis.js';
import {DATA} from '../src/cluster/deadline-scripts.js';
import {deadlineKey} from '../src/protocol/cluster.js';
import {operatorsOn, startCluster} from './helpers/cluster.js';
import {cutProxy} from './helpers/cut-proxy.js';
import {consecutive, entriesOf, follow} from './helpers/events.js';
import {acceptedChat} from './helpers/hub.js';

/*
 * One hub alone loses Redis (Redis itself stays up for the others). For a moment: what it
 * stores meanwhile must still reach the other hubs' sockets when it is back, although no later
 * event of the same chat comes to reveal the gap. For good: it is taken for dead, and its
 * visitors, once their grace period ran out, are listed by no hub.
 */

const missing = noPostgres() || noRedis();
if (missing) {
  t.test('a hub cut off from Redis alone', {skip: missing}, () => {});
} else {
  const pg = await testPostgres();
  t.teardown(() => pg.stop());
  const redis = await startRedis(t);

  t.test('what a hub stores while it alone is cut off from Redis reaches the other hubs when it is back', async (t) => {
    const gate = await cutProxy(redis.port);
    t.teardown(() => gate.close());
    // Hub A reaches Redis through the gate, hub B directly.
    const {hubs, tokens} = await startCluster(t, pg, redis.url, {hubs: 2, redisUrlFor: (i) => (i === 0 ? `redis://127.0.0.1:${gate.port}` : undefined)});
    const [a, b] = hubs as [(typeof hubs)[0], (typeof hubs)[0]];
    const [bob] = await operatorsOn(hubs, [['bob', b]]);
    const follower = await follow(b.url, 'carol', tokens.carol!, {since: await b.hub.store.feedEnd()});
    await follower.waitType('live');
    const visitor = await a.visitor();
    // Under a full test run hub A may miss a beat of hub B's and count bob off-line for a moment
    // (a hub is taken for dead after 1 s here): the request waits until bob is on-line again.
    await visitor.waitFor((f) => (f.t === 'welcome' || f.t === 'online') && f.online === true);
    const chatId = await acceptedChat(visitor, bob);
    const id1 = visitor.nextId();
    visitor.send({t: 'msg', id: id1, text: 'before'});
    await visitor.waitType('ack', (f) => f.id === id1);
    await bob.waitFor((f) => f.t === 'ev' && f.chatId === chatId && f.e.text === 'before');

    gate.shut();
    await waitUntil('hub A unhealthy', async () => (await fetch(`${a.url}/healthz`)).status === 503);
    const id2 = visitor.nextId();
    visitor.send({t: 'msg', id: id2, text: 'during'});
    const ack = await visitor.waitType('ack', (f) => f.id === id2);
    // The visitor then leaves: the chat ends, and nothing of it will ever be stored again.
    visitor.send({t: 'chat.leave'});
    await visitor.waitFor((f) => f.t === 'ev' && f.chatId === chatId && f.e.seq > ack.seq);
    const feedEnd = await a.hub.store.feedEnd();
    t.equal(b.hub.chats.open.get(chatId)?.lastSeq, ack.seq - 1, 'meanwhile hub B heard nothing of it (the test is real)');

    gate.open();
    await waitUntil('bob has the message stored while hub A was cut off', () =>
      bob.of('ev').some((f) => f.chatId === chatId && f.e.text === 'during'),
    );
    await waitUntil('bob has the visitor leaving, which ended the chat', () => bob.of('ev').some((f) => f.chatId === chatId && f.e.kind === 'left'));
    const first = (seq: number) => bob.of('ev').findIndex((f) => f.chatId === chatId && f.e.seq === seq);
    t.ok(first(ack.seq) < first(ack.seq + 1), 'the message before the leaving, in seq order');
    t.notOk(b.hub.chats.open.has(chatId), "hub B's copy of the chat is ended, as stored");
    await waitUntil('the follower on hub B has the feed up to its end', () => entriesOf(follower).at(-1)?.cursor === feedEnd);
    t.ok(consecutive(entriesOf(follower), entriesOf(follower)[0]!.cursor), 'feed entries with no gap and none twice');
    visitor.close();
    bob.close();
    follower.close();
  });

  t.test("a hub cut off for good: once its visitor's grace period ran out, no hub lists the visitor", async (t) => {
    const gate = await cutProxy(redis.port);
    t.teardown(() => gate.close());
    const {hubs} = await startCluster(t, pg, redis.url, {hubs: 3, redisUrlFor: (i) => (i === 2 ? `redis://127.0.0.1:${gate.port}` : undefined)});
    const [a, b, c] = hubs as [(typeof hubs)[0], (typeof hubs)[0], (typeof hubs)[0]];
    const visitor = await c.visitor();
    const visitorId = visitor.of('welcome')[0]!.visitorId as string;
    const listed = (hub: typeof a) => hub.hub.cluster!.remoteVisitors().some((v) => v.id === visitorId);
    await waitUntil('hubs A and B list the visitor on hub C', () => listed(a) && listed(b));

    // Hub C falls silent: taken for dead, its visitor gets a grace period (2 s) on A or B.
    gate.shut();
    const left = async () => (await a.hub.store.feed(0, 5000)).entries.some((e) => e.type === 'visitor.left' && 'visitorId' in e && e.visitorId === visitorId);
    await waitUntil('the visitor has left', left);
    await waitUntil('neither hub A nor hub B lists the visitor', () => !listed(a) && !listed(b));
    for (const [name, hub] of [['A', a], ['B', b]] as const) {
      const carol = await hub.operator('carol');
      t.notOk(carol.of('ready')[0]!.visitors.some((v: {id: string}) => v.id === visitorId), `an operator signing in on hub ${name} is not shown the visitor`);
      carol.close();
    }
    visitor.close();
  });

  t.test('Redis back empty: a visitor still on a hub that is not back yet is not taken for gone', async (t) => {
    const gates = [await cutProxy(redis.port), await cutProxy(redis.port)] as const;
    t.teardown(() => Promise.all(gates.map((g) => g.close())));
    // A beat a second, as hubs run by default: a hub is taken for dead after 5 s of silence.
    const {hubs} = await startCluster(t, pg, redis.url, {hubs: 2, beatMs: 1000, redisUrlFor: (i) => `redis://127.0.0.1:${gates[i]!.port}`});
    const [a, b] = hubs as [(typeof hubs)[0], (typeof hubs)[0]];
    const [bob] = await operatorsOn(hubs, [['bob', a]]);
    // The visitor chats in a tab served by hub A and has a second tab open, served by hub B.
    const first = await a.visitor();
    const {visitorId, resumeToken} = first.of('welcome')[0]!;
    await first.waitFor((f) => (f.t === 'welcome' || f.t === 'online') && f.online === true);
    const chatId = await acceptedChat(first, bob);
    const second = await b.visitor({hello: {visitorId, resumeToken, page: {url: 'https://example.com/help', title: 'Help'}}});
    t.equal(second.of('welcome')[0]!.chat?.id, chatId, 'the second tab is in the chat too');
    const healthy = async (hub: typeof a) => (await fetch(`${hub.url}/healthz`)).status === 200;

    // Redis goes away for both hubs and loses its memory.
    for (const gate of gates) gate.shut();
    await waitUntil('both hubs unhealthy', async () => !(await healthy(a)) && !(await healthy(b)));
    await redisCommand(redis.port, 'FLUSHALL');
    // Meanwhile the first tab closes: hub A starts a grace period (2 s), which runs out.
    first.close();
    await waitUntil("hub A's grace period for the visitor", () => a.hub.deadlines.has({kind: 'visitor', visitorId}));
    await new Promise((resolve) => setTimeout(resolve, 2500));

    // Hub A is back first and writes its deadline, overdue, into Redis; hub B a second later.
    gates[0].open();
    await waitUntil('hub A healthy', () => healthy(a));
    await waitUntil("hub A's deadline written back and taken", () => !a.hub.deadlines.has({kind: 'visitor', visitorId}));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    gates[1].open();
    await waitUntil('hub B healthy', () => healthy(b));
    const key = deadlineKey({kind: 'visitor', visitorId});
    await waitUntil('the deadline done with', async () => (await redisCommand(redis.port, 'HEXISTS', DATA, key)) === 0, 30);

    const store = a.hub.store;
    t.equal((await store.chat(chatId))!.chat.state, 'active', 'the chat goes on');
    t.notOk(bob.frames.some((f) => f.t === 'visitor.gone' && f.visitorId === visitorId), 'bob is not told the visitor left');
    t.notOk(bob.frames.some((f) => f.t === 'ev' && f.chatId === chatId && f.e.kind === 'left'));
    t.notOk(second.frames.some((f) => f.t === 'chat.closed' || (f.t === 'ev' && f.e.kind === 'left')), 'the visitor is not told the chat is over');
    const left = (await store.feed(0, 5000)).entries.filter((e) => e.type === 'visitor.left' && 'visitorId' in e && e.visitorId === visitorId);
    t.same(left, [], 'no visitor.left in the feed');
    // The chat still works across the hubs.
    const id = second.nextId();
    second.send({t: 'msg', id, text: 'still here'});
    await second.waitType('ack', (f) => f.id === id);
    await bob.waitFor((f) => f.t === 'ev' && f.chatId === chatId && f.e.text === 'still here');
    // Gone from both hubs now: the visitor leaves, once.
    second.close();
    await bob.waitFor((f) => f.t === 'ev' && f.chatId === chatId && f.e.kind === 'left', 30_000);
    await waitUntil('visitor.left in the feed', async () => (await store.feed(0, 5000)).entries.some((e) => e.type === 'visitor.left' && 'visitorId' in e && e.visitorId === visitorId));
    bob.close();
  });
}
