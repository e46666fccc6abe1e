import {mkdtemp} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import t from 'tap';
import {startHub} from '../src/hub/server.js';
import {hubToOperator, hubToVisitor, PROTOCOL_VERSION} from '../src/protocol/index.js';
import {acceptedChat, chatting, seedData, startTestHub} from './helpers/hub.js';
import {Peer} from './helpers/peer.js';
import {waitUntil} from './helpers/wait.js';

t.test('two operators writing to each other first at the same moment: both messages are kept', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const alice = await hub.operator('alice');
  const bob = await hub.operator('bob');
  const a = alice.nextId();
  const b = bob.nextId();
  alice.send({t: 'op.msg', id: a, to: 'bob', text: 'from alice'});
  bob.send({t: 'op.msg', id: b, to: 'alice', text: 'from bob'});
  const ackA = await alice.waitType('ack', (f) => f.id === a);
  const ackB = await bob.waitType('ack', (f) => f.id === b);
  t.not(ackA.seq, ackB.seq, 'two different seqs');
  await hub.hub.store.flush();
  const events = await hub.hub.store.events(ackA.chatId);
  t.same(events.map((e) => e.text).sort(), ['from alice', 'from bob']);
});

t.test('a link resent with the same id is pushed once', async (t) => {
  const {hub, alice, visitor, chatId} = await chatting(t);
  const id = alice.nextId();
  alice.send({t: 'link.send', id, chatId, url: 'order.htm'});
  alice.send({t: 'link.send', id, chatId, url: 'order.htm'});
  await alice.waitFor(() => alice.of('ack').filter((f) => f.id === id).length === 2);
  const [first, second] = alice.of('ack').filter((f) => f.id === id);
  t.equal(first!.seq, second!.seq);
  const pong = visitor.nextId();
  visitor.send({t: 'msg', id: pong, text: 'ok'});
  await visitor.waitType('ack', (f) => f.id === pong);
  t.equal(visitor.of('link.open').length, 1, 'the tab is navigated once');
});

t.test('a tab that closes while its hello is being stored still counts as gone', async (t) => {
  const hub = await startTestHub({visitorGraceMs: 500});
  t.teardown(() => hub.close());
  const peers = [];
  for (let i = 0; i < 20; i++) {
    const peer = await hub.visitor({hello: null as unknown as undefined});
    peer.send({t: 'hello', v: PROTOCOL_VERSION, site: 'example.com', page: {url: 'https://example.com/', title: 'x'}});
    peer.ws.terminate();
    peers.push(peer);
  }
  const deadline = Date.now() + 10_000;
  while (hub.hub.sessions.visitors.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  t.equal(hub.hub.sessions.visitors.size, 0, 'no visitor is left on-line for ever');
});

t.test('after a restart, an owner or visitor who never comes back is treated as gone', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cac-restart-'));
  const tokens = await seedData(dir, ['alice', 'bob']);
  const options = {dataDir: dir, port: 0, visitorGraceMs: 1500, operatorGraceMs: 1000};
  const first = await startHub(options);
  const ws = first.url.replace('http', 'ws');
  const auth = (name: string) => ({headers: {authorization: `Bearer ${tokens[name]}`, 'x-cac-operator': name}});
  const alice = await Peer.connect(`${ws}/ws/operator`, hubToOperator, auth('alice'));
  alice.send({t: 'hello', v: PROTOCOL_VERSION});
  await alice.waitType('ready');
  const visitor = await Peer.connect(`${ws}/ws/visitor?site=example.com`, hubToVisitor, {origin: 'https://example.com'});
  visitor.send({t: 'hello', v: PROTOCOL_VERSION, site: 'example.com'});
  await visitor.waitType('welcome');
  const chatId = await acceptedChat(visitor, alice);
  await first.close();

  const second = await startHub({...options, port: first.port});
  t.teardown(() => second.close());
  const bob = await Peer.connect(`${second.url.replace('http', 'ws')}/ws/operator`, hubToOperator, auth('bob'));
  bob.send({t: 'hello', v: PROTOCOL_VERSION});
  await bob.waitType('ready');
  // alice never comes back: bob is rung for her visitor.
  const ring = await bob.waitType('chat.requested', (f) => f.chat.id === chatId);
  t.equal(ring.chat.state, 'waiting');
  // The visitor never comes back either: the chat ends with the usual line.
  await bob.waitType('chat.update', (f) => f.chat.id === chatId && f.chat.state === 'ended');
  const stored = await second.hub.store.events(chatId);
  t.equal(stored.at(-1)!.text, 'Visitor has left the conversation');
});

t.test('limits: offline messages per visitor, blocked visitors, messages per minute', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const visitor = await hub.visitor();
  for (let i = 0; i < 10; i++) visitor.send({t: 'offline.message', id: visitor.nextId(), text: `note ${i}`});
  await visitor.waitFor(() => visitor.of('offline.stored').length === 10);
  visitor.send({t: 'offline.message', id: visitor.nextId(), text: 'one more'});
  t.match(await visitor.waitType('error'), {code: 'too_many'});

  const alice = await hub.operator('alice');
  const chatty = await hub.visitor();
  const chatId = await acceptedChat(chatty, alice);
  for (let i = 0; i < 45; i++) chatty.send({t: 'msg', id: chatty.nextId(), text: `line ${i}`});
  t.match(await chatty.waitType('error'), {code: 'slow_down'});
  // Refusals come at once, acks once stored: wait for the forty acks, then make sure no more come.
  await chatty.waitFor(() => chatty.of('error').length === 6 && chatty.of('ack').length >= 40);
  await hub.hub.store.flush();
  chatty.send({t: 'ping'});
  await chatty.waitType('pong');
  t.equal(chatty.of('ack').length, 40, 'the first forty in a minute (the request counted as one) were stored');
  t.equal((await hub.hub.store.events(chatId)).filter((e) => e.from === 'visitor').length, 40);

  alice.send({t: 'chat.block', chatId});
  await chatty.waitType('chat.closed');
  const again = await hub.visitor();
  again.send({t: 'offline.message', id: again.nextId(), text: 'let me in'});
  t.match(await again.waitType('error'), {code: 'blocked'}, 'a blocked address cannot leave messages either');
});

t.test("a left message resent after a lost ack is answered as stored, even at the cap; another visitor's id is not taken for it", async (t) => {
  const hub = await startTestHub({sites: ['example.com', 'other.example']});
  t.teardown(() => hub.close());
  const visitor = await hub.visitor();
  const ids = Array.from({length: 10}, () => visitor.nextId());
  for (const [i, id] of ids.entries()) visitor.send({t: 'offline.message', id, text: `note ${i}`});
  await visitor.waitFor(() => visitor.of('offline.stored').length === 10);
  visitor.send({t: 'offline.message', id: ids[9]!, text: 'note 9'});
  await visitor.waitFor(() => visitor.of('offline.stored').length === 11 || visitor.of('error').length > 0);
  t.same(visitor.of('error'), [], 'the tenth, resent, is not refused as one too many');
  t.equal(hub.hub.globals.messages.messages.length, 10, 'and not stored twice');

  // A visitor of another site sending an id already stored for someone else.
  const stranger = await hub.visitor({site: 'other.example'});
  stranger.send({t: 'offline.message', id: ids[0]!, text: 'from someone else'});
  const answer = await stranger.waitFor((f) => f.t === 'offline.stored' || f.t === 'error');
  t.equal(answer.t, 'error', 'not told it is stored');
  t.equal(answer.code, 'invalid');
  t.equal(hub.hub.globals.messages.messages.filter((m) => m.id === ids[0]).length, 1, 'the first message is left as it was');
  const own = stranger.nextId();
  stranger.send({t: 'offline.message', id: own, text: 'from someone else'});
  await stranger.waitType('offline.stored', (f) => f.id === own);
  t.ok(hub.hub.globals.messages.messages.some((m) => m.site === 'other.example'), 'with an id of its own it is stored');
});

t.test('a left message waiting for its budget (Redis, with several hubs) goes into the messages as they are by then', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const visitor = await hub.visitor();
  const own = hub.hub.rates;
  let release: ((ok: boolean) => void) | undefined;
  hub.hub.rates = {
    take: (key, limit, windowMs) => (key.startsWith('messages-per-hour|') ? new Promise((resolve) => (release = resolve)) : own.take(key, limit, windowMs)),
  };
  const id = visitor.nextId();
  visitor.send({t: 'offline.message', id, text: 'mine'});
  await waitUntil('the budget asked for', () => release !== undefined);
  // Meanwhile another hub stored one: its record replaces this hub's copy (as a reload does).
  const theirs = {id: 'left-elsewhere', site: 'example.com', visitorId: 'someone', text: 'theirs', at: 1};
  hub.hub.globals.messages = {messages: [...hub.hub.globals.messages.messages, theirs]};
  release!(true);
  await visitor.waitType('offline.stored', (f) => f.id === id);
  const texts = (messages: Array<{text: string}>) => messages.map((m) => m.text).sort();
  t.same(texts(hub.hub.globals.messages.messages), ['mine', 'theirs'], "the hub's copy holds both");
  t.same(texts((await hub.hub.store.global('messages', true)).messages), ['mine', 'theirs'], 'and so does the store');
});
