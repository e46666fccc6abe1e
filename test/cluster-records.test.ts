import t from 'tap';
import {waitUntil} from './helpers/wait.js';
import {noPostgres, testPostgres} from './helpers/postgres.js';
import {noRedis, redisCommand, startRedis} from './helpers/redis.js';
import {operatorsOn, startCluster} from './helpers/cluster.js';
import {CLUSTER_CHANNEL, type ClusterOut} from '../src/protocol/cluster.js';
import type {ChatRecord} from '../src/store/types.js';
import {visitorLeft} from '../src/hub/chat-end.js';

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

  /** Two hubs, bob on B; `ask` has a visitor on A ask for a chat (bob is rung), `taken` has bob take it. */
  const twoHubs = async (t: Parameters<typeof startCluster>[0]) => {
    const {hubs} = await startCluster(t, pg, redis.url, {hubs: 2});
    const [a, b] = hubs as [(typeof hubs)[0], (typeof hubs)[0]];
    const [bob] = await operatorsOn(hubs, [['bob', b]]);
    const ask = async () => {
      const visitor = await a.visitor();
      visitor.send({t: 'chat.request', id: visitor.nextId(), text: 'hello'});
      const chatId = (await visitor.waitType('chat.queued')).chatId as string;
      await bob.waitType('chat.requested', (f) => f.chat.id === chatId);
      return {visitor, chatId};
    };
    const taken = async () => {
      const asked = await ask();
      bob.send({t: 'chat.accept', chatId: asked.chatId});
      await asked.visitor.waitFor((f) => f.t === 'ev' && f.e.kind === 'join');
      return asked;
    };
    return {a, b, bob, ask, taken};
  };

  t.test('news with an older record, told after a newer change, changes no hub\'s copy', async (t) => {
    const {a, b, bob, ask} = await twoHubs(t);
    const {visitor, chatId} = await ask();
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
    const {a, b, taken} = await twoHubs(t);
    const {visitor, chatId} = await taken();
    // Hub A's copy as it was a moment ago, before the news of the accept came.
    Object.assign(a.hub.chats.open.get(chatId)!.chat, {state: 'waiting', owner: undefined, operators: []});
    visitor.send({t: 'identify', name: 'Vera', email: 'vera@example.com'});
    await waitUntil('the name on hub B', () => b.hub.chats.open.get(chatId)?.chat.visitorName === 'Vera');
    const stored = (await b.hub.store.chat(chatId))!.chat;
    t.same([stored.state, stored.owner, stored.visitorName, stored.visitorEmail], ['active', 'bob', 'Vera', 'vera@example.com'], 'stored: the name, and bob still owns it');
    const onB = b.hub.chats.open.get(chatId)!.chat;
    t.same([onB.state, onB.owner, onB.visitorEmail], ['active', 'bob', 'vera@example.com'], 'hub B\'s copy: the same');
  });

  t.test('an accept and an end on a hub that has not heard of the name yet keep the name, stored and on every hub', async (t) => {
    const {a, b, bob, ask} = await twoHubs(t);
    const {visitor, chatId} = await ask();
    visitor.send({t: 'identify', name: 'Vera', email: 'vera@example.com'});
    await waitUntil('the name on hub B', () => b.hub.chats.open.get(chatId)?.chat.visitorName === 'Vera');
    /** Hub B's copy as it was a moment ago, before the news of the name came. */
    const unheard = () => {
      const chat = b.hub.chats.open.get(chatId)!.chat;
      delete chat.visitorName;
      delete chat.visitorEmail;
    };
    const names = (chat?: ChatRecord) => [chat?.visitorName, chat?.visitorEmail];
    const vera = ['Vera', 'vera@example.com'];

    unheard();
    bob.send({t: 'chat.accept', chatId});
    await visitor.waitFor((f) => f.t === 'ev' && f.e.kind === 'join');
    t.same(names((await a.hub.store.chat(chatId))?.chat), vera, 'accepted: the name stored still');
    t.same(names(b.hub.chats.open.get(chatId)?.chat), vera, 'and in hub B\'s copy');
    await waitUntil('hub A heard of the accept', () => a.hub.chats.open.get(chatId)?.chat.owner === 'bob');
    t.same(names(a.hub.chats.open.get(chatId)?.chat), vera, 'hub A\'s copy, now the record bob\'s accept stored, has it');

    unheard();
    bob.send({t: 'chat.end', chatId});
    await visitor.waitFor((f) => f.t === 'ev' && f.e.kind === 'end');
    const ended = (await a.hub.store.chat(chatId))!.chat;
    t.same([ended.state, ...names(ended)], ['ended', ...vera], 'ended: the name stored still (the transcript names the visitor)');
  });

  t.test('a change made on a hub that has not heard of another hub\'s change goes in on top of it, or not at all', async (t) => {
    const {a, bob, taken} = await twoHubs(t);

    // The visitor closes the chat on hub A, whose copy has not heard of bob's accept yet.
    const first = await taken();
    Object.assign(a.hub.chats.open.get(first.chatId)!.chat, {state: 'waiting', owner: undefined, operators: []});
    first.visitor.send({t: 'chat.leave'});
    await waitUntil('the chat ended', async () => (await a.hub.store.chat(first.chatId))?.chat.state === 'ended');
    const ended = (await a.hub.store.chat(first.chatId))!.chat;
    t.same([ended.owner, ended.operators], ['bob', ['bob']], 'ended with bob still in its record (his transcripts list it)');
    t.same((await a.hub.store.events(first.chatId)).map((e) => e.kind), ['msg', 'join', 'left'], 'one left event');

    // Bob ends the chat on hub B while hub A, not told yet, has the visitor's grace run out.
    const second = await taken();
    const stale = structuredClone(a.hub.chats.open.get(second.chatId)!);
    bob.send({t: 'chat.end', chatId: second.chatId});
    await waitUntil('the chat ended', async () => (await a.hub.store.chat(second.chatId))?.chat.state === 'ended');
    await waitUntil('hub A heard', () => !a.hub.chats.open.has(second.chatId));
    a.hub.chats.open.set(second.chatId, stale);
    await visitorLeft(a.hub, second.chatId);
    t.same((await a.hub.store.events(second.chatId)).map((e) => e.kind), ['msg', 'join', 'end'], 'no left event after the end');
    const record = (await a.hub.store.chat(second.chatId))!.chat;
    t.same([record.state, record.owner], ['ended', 'bob'], 'the record as bob\'s end left it');
    t.notOk(a.hub.chats.open.has(second.chatId), 'hub A took the record as stored, ended, and let the chat go');
  });

  t.test('a transfer across hubs: offered on one, declined on another, offered again and taken', async (t) => {
    const {hubs} = await startCluster(t, pg, redis.url, {hubs: 3});
    const [a, b, c] = hubs as [(typeof hubs)[0], (typeof hubs)[0], (typeof hubs)[0]];
    const [bob, carol] = await operatorsOn(hubs, [['bob', b], ['carol', c]]);
    const visitor = await a.visitor();
    visitor.send({t: 'chat.request', id: visitor.nextId(), text: 'hello'});
    const chatId = (await visitor.waitType('chat.queued')).chatId as string;
    await bob.waitType('chat.requested', (f) => f.chat.id === chatId);
    bob.send({t: 'chat.accept', chatId});
    await carol.waitType('chat.assigned', (f) => f.chatId === chatId && f.operator === 'bob');

    bob.send({t: 'chat.transfer', chatId, to: 'carol', note: 'billing'});
    t.match(await carol.waitType('chat.offer', (f) => f.chat.id === chatId), {note: 'billing'}, 'carol, on hub C, is offered it');
    carol.send({t: 'chat.decline', chatId});
    t.match(await bob.waitType('transfer.result', (f) => f.chatId === chatId), {to: 'carol', outcome: 'declined'}, 'bob, on hub B, hears she declined');
    const declined = (await a.hub.store.chat(chatId))!.chat;
    t.same([declined.state, declined.owner, declined.offer], ['waiting', undefined, undefined], 'stored: waiting for everyone');

    const count = (t: string, of: (f: Record<string, unknown>) => boolean) => carol.of(t).filter(of).length;
    bob.send({t: 'chat.accept', chatId});
    await waitUntil('bob has it again', () => count('chat.assigned', (f) => f.chatId === chatId && f.operator === 'bob') === 2);
    bob.send({t: 'chat.transfer', chatId, to: 'carol'});
    await waitUntil('carol offered it again', () => count('chat.offer', (f) => (f.chat as {id: string}).id === chatId) === 2);
    carol.send({t: 'chat.accept', chatId});
    t.match(await bob.waitType('transfer.result', (f) => f.chatId === chatId && f.outcome !== 'declined'), {outcome: 'accepted'});
    await visitor.waitFor((f) => f.t === 'ev' && f.e.kind === 'join' && f.e.name === 'carol');
    const taken = (await a.hub.store.chat(chatId))!.chat;
    t.same([taken.state, taken.owner, taken.offer, taken.operators], ['active', 'carol', undefined, ['bob', 'carol']], 'stored: carol has it');
    await waitUntil('every hub\'s copy says carol', () => hubs.every((h) => h.hub.chats.open.get(chatId)?.chat.owner === 'carol'));
    t.same(bob.of('error').concat(carol.of('error')), [], 'nothing refused');
  });
}
