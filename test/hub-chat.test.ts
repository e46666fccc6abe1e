import t from 'tap';
import {NotStoredError} from '../src/store/store.js';
import {ManualTimers, until} from './helpers/manual-timers.js';
import {acceptedChat, chatting, startTestHub, type TestHub} from './helpers/hub.js';
import type {Peer} from './helpers/peer.js';

t.test('a chat request rings both operators, the first accept wins, messages flow in seq order', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const alice = await hub.operator('alice');
  const bob = await hub.operator('bob');
  const visitor = await hub.visitor();

  const requestId = visitor.nextId();
  visitor.send({t: 'chat.request', id: requestId, name: 'Vera', text: 'Hello, anyone there?'});
  const queued = await visitor.waitType('chat.queued');
  const chatId = queued.chatId as string;
  t.match(await visitor.waitType('ack', (f) => f.id === requestId), {seq: 1});

  const ringA = await alice.waitType('chat.requested');
  const ringB = await bob.waitType('chat.requested');
  t.equal(ringA.chat.id, chatId);
  t.equal(ringB.chat.firstText, 'Hello, anyone there?');
  t.equal(ringB.chat.visitorName, 'Vera');

  // Both accept "at the same moment": two frames sent back to back.
  alice.send({t: 'chat.accept', chatId});
  bob.send({t: 'chat.accept', chatId});
  const assignedA = await alice.waitType('chat.assigned');
  const assignedB = await bob.waitType('chat.assigned');
  t.equal(assignedA.operator, assignedB.operator, 'both are told the same owner');
  const owner = assignedA.operator === 'alice' ? alice : bob;
  const loser = owner === alice ? bob : alice;
  const lost = await loser.waitType('error', (f) => f.code === 'taken');
  t.match(lost.message, new RegExp(`${assignedA.operator} took this chat`));

  const joined = await visitor.waitType('ev', (f) => f.e.kind === 'join');
  t.match(joined.e.text, /joined/);

  const opMsg = owner.nextId();
  owner.send({t: 'msg', id: opMsg, chatId, text: 'Hi Vera, how can I help?'});
  const ack = await owner.waitType('ack', (f) => f.id === opMsg);
  const seen = await visitor.waitType('ev', (f) => f.e.kind === 'msg' && f.e.from === 'operator');
  t.equal(seen.e.seq, ack.seq);
  t.equal(seen.e.text, 'Hi Vera, how can I help?');

  const vMsg = visitor.nextId();
  visitor.send({t: 'msg', id: vMsg, text: 'Where is my order?'});
  const vAck = await visitor.waitType('ack', (f) => f.id === vMsg);
  t.ok(vAck.seq > ack.seq, 'seq grows');
  const got = await owner.waitType('ev', (f) => f.e.id === vMsg);
  t.equal(got.e.text, 'Where is my order?');
  t.notOk(loser.frames.some((f) => f.t === 'ev' && f.e.id === vMsg), 'the other operator does not get the message');

  const seqs = visitor.of('ev').map((f) => f.e.seq);
  t.same(seqs, [...seqs].sort((a, b) => a - b), 'visitor sees events in seq order');

  // Leaving puts the chat back to waiting and rings the other operator; the visitor sees nothing.
  const before = visitor.frames.length;
  const ringsBefore = loser.of('chat.requested').length;
  owner.send({t: 'chat.leave', chatId});
  await loser.waitFor((f) => f.t === 'chat.requested' && f.chat.id === chatId && loser.of('chat.requested').length > ringsBefore);
  t.equal(owner.of('chat.requested').filter((f) => f.chat.id === chatId).length, 1, 'the leaver is not rung again');
  loser.send({t: 'chat.accept', chatId});
  await loser.waitType('ev', (f) => f.e.kind === 'join');
  const after = visitor.frames.slice(before);
  t.notOk(after.some((f) => f.t === 'ev' && f.e.kind === 'leave'), 'the visitor is not told about the leave');
  t.notOk(after.some((f) => f.t === 'chat.closed'));
});

t.test('a resent message id is stored once and acked with the same seq', async (t) => {
  const {hub, alice, visitor, chatId} = await chatting(t);
  const id = visitor.nextId();
  visitor.send({t: 'msg', id, text: 'only once'});
  visitor.send({t: 'msg', id, text: 'only once'});
  await visitor.waitFor((f) => f.t === 'ack' && f.id === id && visitor.of('ack').filter((a) => a.id === id).length === 2);
  const acks = visitor.of('ack').filter((a) => a.id === id);
  t.equal(acks[0]!.seq, acks[1]!.seq);
  const events = await hub.hub.store.events(chatId);
  t.equal(events.filter((e) => e.id === id).length, 1);
});

t.test('a message kept although answered not stored (its answer lost, as a commit can be) reaches the other side when resent', async (t) => {
  const {hub, alice, visitor, chatId} = await chatting(t);
  // The store keeps the write, then fails it, once per text: what a lost commit answer looks like.
  const store = hub.hub.store;
  const append = store.appendEvent.bind(store);
  const lost = new Set(['from the visitor', 'from alice']);
  store.appendEvent = async (...args) => {
    const appended = await append(...args);
    if (lost.delete(args[1].text)) throw new NotStoredError(new Error('the answer was lost'));
    return appended;
  };
  const sendTwice = async (peer: Peer, frame: {t: 'msg'; id: string; text: string; chatId?: string}) => {
    peer.send(frame);
    t.match(await peer.waitType('error', (f) => f.ref === frame.id), {code: 'not_stored'}, `${frame.text}: first answered not stored`);
    peer.send(frame);
    return (await peer.waitType('ack', (f) => f.id === frame.id)).seq as number;
  };
  const seen = (peer: Peer, text: string) => peer.waitFor((f) => f.t === 'ev' && f.e.text === text, 5000).then((f) => f.e.seq as number, () => 'never sent');

  const visitorSeq = await sendTwice(visitor, {t: 'msg', id: visitor.nextId(), text: 'from the visitor'});
  t.equal(await seen(alice, 'from the visitor'), visitorSeq, 'the operator is sent it, with its seq');
  const aliceSeq = await sendTwice(alice, {t: 'msg', id: alice.nextId(), chatId, text: 'from alice'});
  t.equal(await seen(visitor, 'from alice'), aliceSeq, 'the visitor is sent it, with its seq');
  const stored = (await store.events(chatId)).filter((e) => e.text === 'from the visitor' || e.text === 'from alice');
  t.same(stored.map((e) => e.seq), [visitorSeq, aliceSeq], 'each stored once');
});

t.test('a peer reconnecting with lastSeq gets exactly what it missed', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const alice = await hub.operator('alice');
  const visitor = await hub.visitor();
  const welcome = visitor.of('welcome')[0]!;
  visitor.send({t: 'chat.request', id: visitor.nextId(), text: 'hi'});
  const {chatId} = await visitor.waitType('chat.queued');
  alice.send({t: 'chat.accept', chatId});
  await visitor.waitType('ev', (f) => f.e.kind === 'join');
  const lastSeen = Math.max(...visitor.of('ev').map((f) => f.e.seq));
  visitor.close();
  await visitor.waitClosed();
  for (const text of ['one', 'two', 'three']) {
    const id = alice.nextId();
    alice.send({t: 'msg', id, chatId, text});
    await alice.waitType('ack', (f) => f.id === id);
  }
  const back = await hub.visitor({
    hello: {visitorId: welcome.visitorId, resumeToken: welcome.resumeToken, lastSeq: lastSeen, page: undefined},
  });
  const w = back.of('welcome')[0]!;
  t.equal(w.visitorId, welcome.visitorId, 'same visitor');
  t.equal(w.chat.id, chatId, 'chat still open');
  await back.waitFor(() => back.of('ev').length >= 3);
  t.same(back.of('ev').map((f) => f.e.text), ['one', 'two', 'three']);

  // The operator side resumes the same way.
  alice.close();
  const opAgain = await hub.operator('alice', {lastSeq: {[chatId]: 2}});
  await opAgain.waitType('synced', (f) => f.chatId === chatId);
  t.same(opAgain.of('ev').map((f) => f.e.seq), [3, 4, 5]);

  // Coming back with nothing missed (most returns after a restart) reads nothing from the store.
  const store = hub.hub.store;
  const reads: number[] = [];
  const events = store.events.bind(store);
  store.events = (id, after, limit) => (reads.push(after ?? 0), events(id, after, limit));
  const upToDate = await hub.visitor({hello: {visitorId: welcome.visitorId, resumeToken: welcome.resumeToken, lastSeq: 5, page: undefined}});
  t.equal(upToDate.of('welcome')[0]!.chat.id, chatId);
  opAgain.send({t: 'msg', id: opAgain.nextId(), chatId, text: 'four'});
  t.equal((await upToDate.waitType('ev')).e.seq, 6, 'the next event comes live, none replayed before it');
  t.same(reads, [], 'no read of the chat log');
  store.events = events;

  // A wrong resume secret does not reach that visitor's chat.
  const thief = await hub.visitor({hello: {visitorId: welcome.visitorId, resumeToken: 'x'.repeat(43)}});
  const tw = thief.of('welcome')[0]!;
  t.not(tw.visitorId, welcome.visitorId);
  t.notOk(tw.chat);
  t.equal(thief.of('ev').length, 0);
});

/** A round trip through an operator's socket, then the store flushed: whatever the hub was doing before it is done. */
async function roundTrip(hub: TestHub, operator: Peer): Promise<void> {
  const pongs = operator.of('pong').length;
  operator.send({t: 'ping'});
  await operator.waitFor(() => operator.of('pong').length > pongs);
  await hub.hub.store.flush();
}

t.test('a visitor who drops and returns within the grace period has not left; one who stays away has (no sleeping)', async (t) => {
  const timers = new ManualTimers();
  const hub = await startTestHub({timers, now: timers.now, visitorGraceMs: 60_000});
  t.teardown(() => hub.close());
  const alice = await hub.operator('alice');
  const visitor = await hub.visitor();
  const welcome = visitor.of('welcome')[0]!;
  const chatId = await acceptedChat(visitor, alice);
  const live = () => hub.hub.sessions.visitors.get(welcome.visitorId);
  const settled = () => roundTrip(hub, alice);

  visitor.close();
  await until(() => live()?.conns.size === 0 && timers.waiting > 0);
  const back = await hub.visitor({
    hello: {visitorId: welcome.visitorId, resumeToken: welcome.resumeToken, page: {url: 'https://example.com/b', title: 'B'}},
  });
  timers.advance(10 * 60_000);
  await settled();
  t.notOk(alice.frames.some((f) => f.t === 'ev' && f.e.kind === 'left'), 'navigating is not leaving');
  t.notOk(alice.frames.some((f) => f.t === 'visitor.gone'), 'still on the site');

  back.close();
  await until(() => live()?.conns.size === 0 && timers.waiting > 0);
  timers.advance(59_000);
  await settled();
  t.notOk(alice.frames.some((f) => f.t === 'ev' && f.e.kind === 'left'), 'not before the grace period is over');
  timers.advance(1_000);
  const left = await alice.waitType('ev', (f) => f.e.kind === 'left');
  t.equal(left.e.text, 'Visitor has left the conversation');
  t.equal(left.e.at, timers.now(), 'at the moment the grace period ended, on the injected clock');
  await alice.waitType('visitor.gone', (f) => f.visitorId === welcome.visitorId);
  const chat = await hub.hub.store.chat(chatId);
  t.equal(chat!.chat.state, 'ended');
});

t.test('a visitor gone while the store fails: the chat ends once it is back, and the leaving is told once', async (t) => {
  const timers = new ManualTimers();
  const hub = await startTestHub({timers, now: timers.now, visitorGraceMs: 60_000});
  t.teardown(() => hub.close());
  const alice = await hub.operator('alice');
  const visitor = await hub.visitor();
  const {visitorId} = visitor.of('welcome')[0]!;
  const chatId = await acceptedChat(visitor, alice);
  const store = hub.hub.store;
  const appendEvent = store.appendEvent.bind(store);
  let refused = 0;
  store.appendEvent = async (...args) => {
    if (args[1].kind === 'left' && refused++ === 0) throw Object.assign(new Error('no space left on device'), {code: 'ENOSPC'});
    return appendEvent(...args);
  };
  const leftEntries = async () => (await store.feed(0, 1000)).entries.filter((e) => e.type === 'visitor.left' && e.visitorId === visitorId);
  const settled = () => roundTrip(hub, alice);

  visitor.close();
  await until(() => hub.hub.sessions.visitors.get(visitorId)?.conns.size === 0 && hub.hub.deadlines.has({kind: 'visitor', visitorId}));
  timers.advance(60_000);
  await until(() => refused === 1 && hub.hub.deadlines.has({kind: 'visitor', visitorId}));
  await settled();
  t.equal((await store.chat(chatId))!.chat.state, 'active', 'the chat could not be ended');
  t.notOk(alice.frames.some((f) => f.t === 'visitor.gone'), 'nothing said of the leaving yet');
  t.same(await leftEntries(), []);

  timers.advance(2000);
  await alice.waitType('ev', (f) => f.e.kind === 'left');
  await alice.waitType('visitor.gone', (f) => f.visitorId === visitorId);
  await settled();
  t.equal(refused, 2, 'tried again 2 s later');
  t.equal((await store.chat(chatId))!.chat.state, 'ended');
  t.equal(alice.of('visitor.gone').filter((f) => f.visitorId === visitorId).length, 1);
  t.equal(alice.of('ev').filter((f) => f.e.kind === 'left').length, 1);
  t.equal((await leftEntries()).length, 1, 'visitor.left is in the feed once');
  t.notOk(hub.hub.deadlines.has({kind: 'visitor', visitorId}), 'nothing more to try');
});

t.test('a visitor closing the chat is shown to the operator at once', async (t) => {
  const {hub, alice, visitor, chatId} = await chatting(t);
  visitor.send({t: 'chat.leave'});
  t.equal((await alice.waitType('ev', (f) => f.e.kind === 'left')).e.text, 'Visitor has left the conversation');
  t.equal((await visitor.waitType('chat.closed')).reason, 'left');
});

t.test('away and off-line operators are not rung; with nobody on-line the visitor leaves a message', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const alice = await hub.operator('alice');
  const bob = await hub.operator('bob');
  alice.send({t: 'status', status: 'away'});
  await bob.waitType('operator.update', (f) => f.operator.name === 'alice' && f.operator.status === 'away');
  const v1 = await hub.visitor();
  v1.send({t: 'chat.request', id: v1.nextId(), text: 'first'});
  await bob.waitType('chat.requested');
  t.notOk(alice.frames.some((f) => f.t === 'chat.requested'), 'away operator not rung');

  bob.send({t: 'status', status: 'offline'});
  await alice.waitType('operator.update', (f) => f.operator.name === 'bob' && f.operator.status === 'offline');
  await v1.waitType('online', (f) => f.online === false);
  t.pass('a visitor already on the page is told live that nobody is on-line any more');
  const v2 = await hub.visitor();
  t.equal(v2.of('welcome')[0]!.online, false, 'the widget is told nobody is on-line');
  v2.send({t: 'chat.request', id: v2.nextId(), text: 'second'});
  await v2.waitType('chat.offline');
  const msgId = v2.nextId();
  v2.send({t: 'offline.message', id: msgId, name: 'Olga', email: 'olga@example.com', text: 'Please call me back'});
  await v2.waitType('offline.stored', (f) => f.id === msgId);
  const live = await alice.waitType('offline.message');
  t.equal(live.message.text, 'Please call me back');
  t.notOk(alice.frames.some((f) => f.t === 'chat.requested'), 'nobody was rung');

  // Status is kept across a reconnect, and a later client sees the stored message.
  const again = await hub.operator('alice');
  const ready = again.of('ready')[0]!;
  t.equal(ready.me.status, 'away');
  t.equal(ready.messages.at(-1).email, 'olga@example.com');
});

t.test('an operator whose client vanishes has its chats put back to waiting', async (t) => {
  const hub = await startTestHub({operatorGraceMs: 1000});
  t.teardown(() => hub.close());
  const alice = await hub.operator('alice');
  const bob = await hub.operator('bob');
  const visitor = await hub.visitor();
  const chatId = await acceptedChat(visitor, alice);
  await bob.waitType('chat.assigned', (f) => f.chatId === chatId);
  const rings = bob.of('chat.requested').length;
  alice.ws.terminate();
  const ring = await bob.waitFor((f) => f.t === 'chat.requested' && bob.of('chat.requested').length > rings);
  t.equal(ring.chat.state, 'waiting');
  t.equal(visitor.of('chat.closed').length, 0, 'the visitor is not dropped');
});

t.test('an operator whose network silently vanished is dropped by the heartbeat and its chat re-rung', async (t) => {
  const hub = await startTestHub({heartbeatMs: 500, operatorGraceMs: 500});
  t.teardown(() => hub.close());
  const alice = await hub.operator('alice');
  const bob = await hub.operator('bob');
  const visitor = await hub.visitor();
  const chatId = await acceptedChat(visitor, alice);
  await bob.waitType('chat.assigned', (f) => f.chatId === chatId);
  const rings = bob.of('chat.requested').length;
  // Stops reading: no pong goes back, and no close either, as when a laptop lid shuts.
  alice.ws.pause();
  const ring = await bob.waitFor((f) => f.t === 'chat.requested' && bob.of('chat.requested').length > rings);
  t.equal(ring.chat.id, chatId);
  await bob.waitType('operator.update', (f) => f.operator.name === 'alice' && f.operator.connected === false);
});
