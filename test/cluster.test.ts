import t from 'tap';
import {waitUntil} from './helpers/wait.js';
import {noPostgres, testPostgres} from './helpers/postgres.js';
import {noRedis, startRedis} from './helpers/redis.js';
import {operatorsOn, startCluster} from './helpers/cluster.js';
import type {Peer} from './helpers/peer.js';
import {consecutive, entriesOf, follow} from './helpers/events.js';

const missing = noPostgres() || noRedis();
if (missing) {
  t.test('several hubs on one store', {skip: missing}, () => {});
} else {
  const pg = await testPostgres();
  t.teardown(() => pg.stop());
  const redis = await startRedis(t);

  const texts = (peer: Peer, chatId: string) => peer.of('ev').filter((f) => f.chatId === chatId && f.e.kind === 'msg').map((f) => f.e.text as string);

  t.test('a visitor on one hub, operators on two others: rung, one accepts, messages flow both ways, the page moves hubs', async (t) => {
    const {hubs} = await startCluster(t, pg, redis.url, {hubs: 3});
    const [a, b, c] = hubs as [typeof hubs[0], typeof hubs[0], typeof hubs[0]];
    const [bob, carol] = await operatorsOn(hubs, [['bob', b], ['carol', c]]);
    const visitor = await a.visitor();
    t.equal(visitor.of('welcome')[0]?.online, true, 'the visitor on A sees operators on-line (they are on B and C)');
    await waitUntil('the visitor listed on B', () => bob.of('visitor.update').length > 0);

    visitor.send({t: 'chat.request', id: visitor.nextId(), text: 'hello from A'});
    const {chatId} = await visitor.waitType('chat.queued');
    await bob.waitType('chat.requested', (f) => f.chat.id === chatId);
    await carol.waitType('chat.requested', (f) => f.chat.id === chatId);

    bob.send({t: 'chat.accept', chatId});
    await bob.waitType('chat.assigned', (f) => f.chatId === chatId && f.operator === 'bob');
    await carol.waitType('chat.assigned', (f) => f.chatId === chatId && f.operator === 'bob');
    await visitor.waitFor((f) => f.t === 'ev' && f.e.kind === 'join');
    // A name given on hub A reaches the other hubs' copy of the chat.
    visitor.send({t: 'identify', name: 'Vera'});
    await waitUntil('the name on hub C', () => c.hub.chats.open.get(chatId)?.chat.visitorName === 'Vera');

    const idB = bob.nextId();
    bob.send({t: 'msg', chatId, id: idB, text: 'hi, bob here'});
    await bob.waitType('ack', (f) => f.id === idB);
    await visitor.waitFor((f) => f.t === 'ev' && f.e.text === 'hi, bob here');
    for (let i = 0; i < 20; i++) visitor.send({t: 'msg', id: visitor.nextId(), text: `v${i}`});
    await waitUntil('twenty messages at bob', () => texts(bob, chatId).filter((x) => /^v\d+$/.test(x)).length === 20);
    t.same(texts(bob, chatId).filter((x) => /^v\d+$/.test(x)), Array.from({length: 20}, (_, i) => `v${i}`), 'in order, once each');

    // The page moves to hub C: the widget resumes from its last seq there.
    const welcome = visitor.of('welcome')[0]!;
    const lastSeq = Math.max(...visitor.of('ev').map((f) => f.e.seq as number));
    visitor.close();
    const moved = await c.visitor({hello: {visitorId: welcome.visitorId, resumeToken: welcome.resumeToken, lastSeq}});
    t.equal(moved.of('welcome')[0]?.chat?.id, chatId, 'the chat goes on on hub C');
    const idB2 = bob.nextId();
    bob.send({t: 'msg', chatId, id: idB2, text: 'still there?'});
    await moved.waitFor((f) => f.t === 'ev' && f.e.text === 'still there?');
    moved.send({t: 'msg', id: moved.nextId(), text: 'yes, on C'});
    await waitUntil('the message from C at bob', () => texts(bob, chatId).includes('yes, on C'));
    const seqs = bob.of('ev').filter((f) => f.chatId === chatId).map((f) => f.e.seq as number);
    t.equal(new Set(seqs).size, seqs.length, 'bob got no event twice');
    t.same(moved.of('ev').filter((f) => f.e.seq <= lastSeq), [], 'hub C replayed nothing the visitor had');

    // Bob leaves: carol, on another hub, is rung again.
    const before = carol.of('chat.requested').length;
    bob.send({t: 'chat.leave', chatId});
    await waitUntil('carol rung again', () => carol.of('chat.requested').length > before);
  });

  t.test('two operators on two hubs accept the same request at the same moment, 100 times: exactly one owner each time', async (t) => {
    const {hubs} = await startCluster(t, pg, redis.url, {hubs: 3});
    const [a, b, c] = hubs as [typeof hubs[0], typeof hubs[0], typeof hubs[0]];
    const [bob, carol] = await operatorsOn(hubs, [['bob', b], ['carol', c]]);
    let bobWins = 0;
    for (let round = 0; round < 100; round++) {
      const visitor = await a.visitor();
      visitor.send({t: 'chat.request', id: visitor.nextId(), text: `round ${round}`});
      const {chatId} = await visitor.waitType('chat.queued');
      await bob.waitType('chat.requested', (f) => f.chat.id === chatId);
      await carol.waitType('chat.requested', (f) => f.chat.id === chatId);
      bob.send({t: 'chat.accept', chatId});
      carol.send({t: 'chat.accept', chatId});
      const won = await bob.waitType('chat.assigned', (f) => f.chatId === chatId);
      await carol.waitType('chat.assigned', (f) => f.chatId === chatId);
      const owners = new Set([...bob.of('chat.assigned'), ...carol.of('chat.assigned')].filter((f) => f.chatId === chatId).map((f) => f.operator));
      if (owners.size !== 1) t.fail(`round ${round}: owners ${[...owners].join(', ')}`);
      const joins = (await a.hub.store.events(chatId)).filter((e) => e.kind === 'join');
      if (joins.length !== 1) t.fail(`round ${round}: ${joins.length} joins stored`);
      if (won.operator === 'bob') bobWins++;
      visitor.send({t: 'chat.leave'});
      visitor.close();
    }
    t.ok(bobWins > 0 && bobWins < 100, `both won some rounds (bob ${bobWins}, carol ${100 - bobWins}): the race was real`);
  });

  t.test('a feed follower on a third hub gets what the other two store, in cursor order, none skipped', async (t) => {
    const {hubs, tokens} = await startCluster(t, pg, redis.url, {hubs: 3});
    const [a, b, c] = hubs as [typeof hubs[0], typeof hubs[0], typeof hubs[0]];
    const start = await c.hub.store.feedEnd();
    const follower = await follow(c.url, 'carol', tokens.carol!, {since: start});
    await follower.waitType('live');
    const [bob] = await operatorsOn(hubs, [['bob', b]]);
    // Two visitors on two hubs chatting at once: entries stored on A and B interleave.
    const v1 = await a.visitor();
    const v2 = await b.visitor();
    for (const v of [v1, v2]) v.send({t: 'chat.request', id: v.nextId(), text: 'hi'});
    const chats = [(await v1.waitType('chat.queued')).chatId, (await v2.waitType('chat.queued')).chatId];
    for (const chatId of chats) bob.send({t: 'chat.accept', chatId});
    for (const chatId of chats) await bob.waitType('chat.assigned', (f) => f.chatId === chatId);
    for (let i = 0; i < 10; i++) for (const v of [v1, v2]) v.send({t: 'msg', id: v.nextId(), text: `m${i}`});
    const end = async () => c.hub.store.feedEnd();
    const messages = () => entriesOf(follower).filter((e) => e.type === 'chat.message').length;
    // The requests are chat.requested entries; the twenty messages after them chat.message.
    await waitUntil('every message at the follower', async () => messages() === 20 && entriesOf(follower).at(-1)?.cursor === (await end()));
    const entries = entriesOf(follower);
    t.ok(consecutive(entries, start + 1), `cursors ${start + 1}..${entries.at(-1)!.cursor} with no gap and none twice`);
    t.same(entries.filter((e) => e.type === 'chat.accepted').map((e) => 'chatId' in e && e.chatId).sort(), [...chats].sort(), 'both accepts, made on hub B');
  });
}
