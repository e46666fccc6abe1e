import t from 'tap';
import {waitUntil} from './helpers/wait.js';
import {noPostgres, testPostgres} from './helpers/postgres.js';
import {noRedis, redisCommand, startRedis} from './helpers/redis.js';
import {startCluster} from './helpers/cluster.js';
import {CLUSTER_CHANNEL, type ClusterOut} from '../src/protocol/cluster.js';
import type {ChatRecord} from '../src/store/types.js';

/*
 * Each hub keeps a copy of every open chat's record (who owns it, its state), from what the
 * hubs tell each other. News can come late (each hub publishes once its own write is stored, and
 * another hub's may overtake it), and a hub may store a message while its copy still misses a
 * change another hub just made: neither may put an older record in place of a newer one. If
 * one did, the owner's next message would be refused as not theirs, or an ended chat would be
 * listed as open again.
 */

const missing = noPostgres() || noRedis();
if (missing) {
  t.test('copies of chat records across hubs', {skip: missing}, () => {});
} else {
  const pg = await testPostgres();
  t.teardown(() => pg.stop());
  const redis = await startRedis(t);

  t.test('news with an older record, told after a newer change, changes no hub\'s copy', async (t) => {
    const {hubs} = await startCluster(t, pg, redis.url, {hubs: 2});
    const [a, b] = hubs as [(typeof hubs)[0], (typeof hubs)[0]];
    const bob = await b.operator('bob');
    await waitUntil('bob known on hub A', () => a.hub.sessions.onlineFor('example.com').includes('bob'));
    const visitor = await a.visitor();
    visitor.send({t: 'chat.request', id: visitor.nextId(), text: 'hello'});
    const chatId = (await visitor.waitType('chat.queued')).chatId as string;
    await bob.waitType('chat.requested', (f) => f.chat.id === chatId);
    // As hub A had the chat before anyone took it, and its first event.
    const waiting = structuredClone(a.hub.chats.open.get(chatId)!.chat) as ChatRecord;
    t.equal(waiting.state, 'waiting');
    const [request] = await a.hub.store.events(chatId);

    bob.send({t: 'chat.accept', chatId});
    await visitor.waitFor((f) => f.t === 'ev' && f.e.kind === 'join');
    visitor.send({t: 'msg', id: visitor.nextId(), text: 'are you there?'});
    await bob.waitFor((f) => f.t === 'ev' && f.e.text === 'are you there?');
    const message = (await a.hub.store.events(chatId)).at(-1)!;
    t.equal(message.seq, 3, 'request, join, message');

    // Another hub tells the request again, late (no rv: as old as its own seq, 1), and the
    // message with the record as it was before the join (rv 1). Then a frame for bob: the bus
    // keeps order, so once bob has it, every hub has applied the two before it.
    let told = 0;
    const tell = async (...messages: ClusterOut[]) => {
      for (const m of messages) await redisCommand(redis.port, 'PUBLISH', CLUSTER_CHANNEL, JSON.stringify({...m, from: 'hub-late'}));
      const mark = `mark ${++told}`;
      await redisCommand(redis.port, 'PUBLISH', CLUSTER_CHANNEL, JSON.stringify({t: 'op', name: 'bob', frame: {t: 'error', code: 'internal', message: mark}, from: 'hub-late'}));
      await bob.waitFor((f) => f.t === 'error' && f.message === mark);
    };
    await tell({t: 'ev', chat: waiting, e: request!}, {t: 'ev', chat: waiting, e: message, rv: 1});
    for (const [name, hub] of [['A', a], ['B', b]] as const) {
      const chat = hub.hub.chats.open.get(chatId)?.chat;
      t.same([chat?.state, chat?.owner], ['active', 'bob'], `hub ${name} still has bob owning the chat`);
    }
    const id = bob.nextId();
    bob.send({t: 'msg', chatId, id, text: 'still here'});
    const answer = await bob.waitFor((f) => (f.t === 'ack' && f.id === id) || (f.t === 'error' && f.ref === id));
    t.equal(answer.t, 'ack', 'bob\'s next message is stored, not refused as not his');
    t.equal(bob.of('ev').filter((f) => f.chatId === chatId && f.e.seq <= 3).length, 3, 'and nothing was delivered twice');

    // Ended, then news of the chat while it was active comes late: no hub lists it as open again.
    const active = structuredClone(b.hub.chats.open.get(chatId)!.chat) as ChatRecord;
    bob.send({t: 'chat.end', chatId});
    await visitor.waitFor((f) => f.t === 'ev' && f.e.kind === 'end');
    await waitUntil('the chat gone from both hubs\' open chats', () => !a.hub.chats.open.has(chatId) && !b.hub.chats.open.has(chatId));
    await tell({t: 'ev', chat: active, e: message, rv: 2});
    t.same([a.hub.chats.open.has(chatId), b.hub.chats.open.has(chatId)], [false, false], 'ended on both hubs, still');
  });

  t.test('a name given on a hub that has not heard of the accept yet leaves the owner as it is, stored and on every hub', async (t) => {
    const {hubs} = await startCluster(t, pg, redis.url, {hubs: 2});
    const [a, b] = hubs as [(typeof hubs)[0], (typeof hubs)[0]];
    const bob = await b.operator('bob');
    await waitUntil('bob known on hub A', () => a.hub.sessions.onlineFor('example.com').includes('bob'));
    const visitor = await a.visitor();
    visitor.send({t: 'chat.request', id: visitor.nextId(), text: 'hello'});
    const chatId = (await visitor.waitType('chat.queued')).chatId as string;
    await bob.waitType('chat.requested', (f) => f.chat.id === chatId);
    bob.send({t: 'chat.accept', chatId});
    await visitor.waitFor((f) => f.t === 'ev' && f.e.kind === 'join');
    // Hub A's copy as it was a moment ago, before the news of the accept came.
    Object.assign(a.hub.chats.open.get(chatId)!.chat, {state: 'waiting', owner: undefined, operators: []});
    visitor.send({t: 'identify', name: 'Vera', email: 'vera@example.com'});
    await waitUntil('the name on hub B', () => b.hub.chats.open.get(chatId)?.chat.visitorName === 'Vera');
    const stored = (await b.hub.store.chat(chatId))!.chat;
    t.same([stored.state, stored.owner, stored.visitorName, stored.visitorEmail], ['active', 'bob', 'Vera', 'vera@example.com'], 'stored: the name, and bob still owns it');
    const onB = b.hub.chats.open.get(chatId)!.chat;
    t.same([onB.state, onB.owner, onB.visitorEmail], ['active', 'bob', 'vera@example.com'], 'hub B\'s copy: the same');
  });
}
