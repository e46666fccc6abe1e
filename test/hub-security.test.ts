import t from 'tap';
import {MAX_FRAME_BYTES, PROTOCOL_VERSION} from '../src/protocol/index.js';
import {acceptedChat, adminCall, chatting, startTestHub} from './helpers/hub.js';
import {Peer} from './helpers/peer.js';
import {hubToOperator, hubToVisitor} from '../src/protocol/index.js';

t.test('the upgrade refuses unknown sites, foreign origins, unknown operators and wrong tokens', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const ws = hub.url.replace('http', 'ws');
  await t.rejects(Peer.connect(`${ws}/ws/visitor?site=nosuch.com`, hubToVisitor, {origin: 'https://nosuch.com'}), /HTTP 404/);
  await t.rejects(Peer.connect(`${ws}/ws/visitor?site=example.com`, hubToVisitor, {origin: 'https://evil.com'}), /HTTP 403/);
  await t.rejects(Peer.connect(`${ws}/ws/visitor?site=example.com`, hubToVisitor), /HTTP 403/, 'no Origin at all');
  await t.rejects(
    Peer.connect(`${ws}/ws/operator`, hubToOperator, {headers: {authorization: `Bearer ${hub.tokens.alice}`, 'x-cac-operator': 'mallory'}}),
    /HTTP 401/,
  );
  await t.rejects(
    Peer.connect(`${ws}/ws/operator`, hubToOperator, {headers: {authorization: `Bearer ${hub.tokens.bob}`, 'x-cac-operator': 'alice'}}),
    /HTTP 401/,
    'another operator\'s token',
  );
  await t.rejects(Peer.connect(`${ws}/ws/operator`, hubToOperator, {headers: {'x-cac-operator': 'alice'}}), /HTTP 401/, 'no token');
  await t.rejects(
    Peer.connect(`${ws}/ws/operator`, hubToOperator, {
      origin: 'https://example.com',
      headers: {authorization: `Bearer ${hub.tokens.alice}`, 'x-cac-operator': 'alice'},
    }),
    /HTTP 403/,
    'a browser Origin on the operator socket (cross-site hijacking)',
  );
  await t.rejects(Peer.connect(`${ws}/ws/other`, hubToVisitor), /HTTP 404/);
  await t.rejects(hub.visitor({origin: 'https://example.com:4444'}), /HTTP 403/, 'the right host on another port');
  await t.rejects(hub.visitor({origin: 'http://example.com'}), /HTTP 403/, 'the right host without TLS');
  const ok = await hub.visitor({origin: 'https://example.com'});
  t.ok(ok.of('welcome')[0], 'the site itself is let in');
});

t.test('invalid and oversize frames', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const alice = await hub.operator('alice');
  const visitor = await hub.visitor();

  visitor.send({t: 'chat.request', id: visitor.nextId(), text: ''});
  t.match(await visitor.waitType('error'), {code: 'invalid', message: /text: text must not be empty/});
  visitor.ws.send('not json');
  t.match(await visitor.waitFor((f) => f.t === 'error' && /JSON/.test(f.message)), {code: 'invalid'});
  visitor.send({t: 'nonsense'});
  await visitor.waitFor((f) => f.t === 'error' && /t:/.test(f.message));
  t.equal(visitor.of('chat.queued').length, 0, 'nothing was changed');
  t.equal(alice.of('chat.requested').length, 0, 'nobody was rung');

  alice.send({t: 'msg', id: 'short', chatId: 'x', text: 'hi'});
  t.match(await alice.waitType('error'), {code: 'invalid', message: /^id:/});
  alice.send({t: 'msg', id: alice.nextId(), chatId: 'no-such-chat', text: 'hi'});
  t.match(await alice.waitType('error', (f) => f.code !== 'invalid'), {code: 'unknown_chat', message: 'no chat no-such-chat'});

  const big = await hub.visitor();
  big.send({t: 'msg', id: big.nextId(), text: 'x'.repeat(MAX_FRAME_BYTES + 10)});
  const closed = await big.waitClosed();
  t.equal(closed.code, 1009, 'message too big');
  const still = await hub.visitor();
  t.ok(still.of('welcome')[0], 'the hub is still serving');
});

t.test('writing to a chat one does not own, and accepting a taken chat, are refused', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const alice = await hub.operator('alice');
  const bob = await hub.operator('bob');
  const visitor = await hub.visitor();
  const chatId = await acceptedChat(visitor, alice);
  await bob.waitType('chat.assigned', (f) => f.chatId === chatId);
  bob.send({t: 'msg', id: bob.nextId(), chatId, text: 'sneaky'});
  t.match(await bob.waitType('error'), {code: 'not_owner'});
  bob.send({t: 'chat.accept', chatId});
  t.match(await bob.waitType('error', (f) => f.code === 'taken'), {message: 'alice took this chat'});
  bob.send({t: 'chat.end', chatId});
  await bob.waitFor(() => bob.of('error').length === 3);
  t.equal((await hub.hub.chats.get(chatId))!.chat.state, 'active');

  // A second visitor cannot reach the first one's chat: it has no chat of its own to write to.
  const other = await hub.visitor();
  other.send({t: 'msg', id: other.nextId(), text: 'hello?'});
  t.match(await other.waitType('error'), {code: 'no_chat'});
});

t.test('links: http(s) only, relative ones resolved against the site', async (t) => {
  const {hub, alice, visitor, chatId} = await chatting(t);

  const bad = alice.nextId();
  alice.send({t: 'link.send', id: bad, chatId, url: 'javascript:alert(1)'});
  t.match(await alice.waitType('error', (f) => f.ref === bad), {code: 'bad_link', message: /only http and https/});
  alice.send({t: 'link.send', id: alice.nextId(), chatId, url: ' JaVaScRiPt:alert(1)'});
  alice.send({t: 'link.send', id: alice.nextId(), chatId, url: 'data:text/html,<script>alert(1)</script>'});
  await alice.waitFor(() => alice.of('error').length === 3);

  const good = alice.nextId();
  alice.send({t: 'link.send', id: good, chatId, url: 'order.htm'});
  await alice.waitType('ack', (f) => f.id === good);
  const opened = await visitor.waitType('link.open');
  t.equal(opened.url, 'https://example.com/order.htm');
  t.equal(visitor.of('link.open').length, 1, 'only the good link reached the visitor');
});

t.test('a blocked visitor is refused until the next local midnight, then allowed (injected clock)', async (t) => {
  // 2026-03-28 22:00 UTC: in London that is 22:00 GMT; the clocks go forward at 01:00 the next
  // night, so "+24 h" would be wrong by an hour. The block must end at 00:00 GMT on 03-29.
  let clock = Date.UTC(2026, 2, 28, 22, 0);
  const hub = await startTestHub({now: () => clock});
  t.teardown(() => hub.close());
  const alice = await hub.operator('alice');
  const visitor = await hub.visitor();
  const welcome = visitor.of('welcome')[0]!;
  const chatId = await acceptedChat(visitor, alice);
  alice.send({t: 'chat.block', chatId});
  const closed = await visitor.waitType('chat.closed');
  t.equal(closed.reason, 'blocked');
  t.equal(closed.until, Date.UTC(2026, 2, 29, 0, 0));

  const resume = {visitorId: welcome.visitorId, resumeToken: welcome.resumeToken};
  clock = Date.UTC(2026, 2, 28, 23, 59, 59);
  const again = await hub.visitor({hello: resume});
  t.equal(again.of('welcome')[0]!.blockedUntil, closed.until, 'a reload is told it is blocked');
  again.send({t: 'chat.request', id: again.nextId(), text: 'let me in'});
  t.match(await again.waitType('chat.refused'), {reason: 'blocked', until: closed.until});
  // A new visitor id from the same address is refused too.
  const fresh = await hub.visitor();
  fresh.send({t: 'chat.request', id: fresh.nextId(), text: 'new me'});
  await fresh.waitType('chat.refused');

  clock = Date.UTC(2026, 2, 29, 0, 0);
  again.send({t: 'chat.request', id: again.nextId(), text: 'after midnight'});
  await again.waitType('chat.queued');
});

t.test('removing an operator or resetting its token closes its live sockets', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const alice = await hub.operator('alice');
  const bob = await hub.operator('bob');
  await adminCall(hub, 'operators.resetToken', {name: 'bob'});
  t.equal((await bob.waitClosed()).code, 4001);
  await adminCall(hub, 'operators.remove', {name: 'alice'});
  t.equal((await alice.waitClosed()).code, 4001);
  await t.rejects(hub.operator('alice'), /HTTP 401/);
});

t.test('a peer with another protocol version is refused', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const alice = await hub.operator('alice', {hello: false});
  alice.send({t: 'hello', v: PROTOCOL_VERSION + 1});
  t.match(await alice.waitType('error'), {code: 'version'});
  t.equal((await alice.waitClosed()).code, 4000);
  const visitor = await hub.visitor({hello: {v: 99}});
  t.match(visitor.of('error')[0] ?? (await visitor.waitType('error')), {code: 'version'});
});

t.test('a flood of frames is cut off: dropped with a warning, then the socket is closed', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const flooder = await hub.visitor();
  const calm = await hub.visitor();
  for (let i = 0; i < 2000; i++) flooder.send({t: 'ping'});
  t.match(await flooder.waitType('error', (f) => f.code === 'flood'), {message: /slow down/});
  t.equal((await flooder.waitClosed()).code, 4003);
  // How many were answered before the cut depends on how the frames were batched on the wire.
  t.ok(flooder.of('pong').length < 2000, `${flooder.of('pong').length} of 2000 were served`);
  calm.send({t: 'ping'});
  await calm.waitType('pong');
  t.pass('other peers are unaffected');
});

t.test('ids that are no ids (a way out of the data folder, an Object.prototype member) are unknown, never an internal error', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const alice = await hub.operator('alice');
  const visitorIds = ['../operators', '../../etc/passwd', '', '__proto__', 'constructor'];
  for (const visitorId of visitorIds) {
    for (const what of ['visitor.details', 'visitor.visits', 'visitor.chats'] as const) alice.send({t: what, visitorId});
  }
  const chatIds = ['__proto__', 'constructor', 'hasOwnProperty', 'toString'];
  for (const chatId of chatIds) {
    alice.send({t: 'chat.sync', chatId, after: 0});
    alice.send({t: 'chat.export', chatId});
    alice.send({t: 'msg', id: alice.nextId(), chatId, text: 'hi'});
  }
  // Frames are handled in order: every answer is in before the pong.
  alice.send({t: 'ping'});
  await alice.waitType('pong');
  const codes = alice.of('error').map((f) => f.code);
  t.same(codes, [...Array(visitorIds.length * 3).fill('unknown_visitor'), ...Array(chatIds.length * 3).fill('unknown_chat')]);
  // A hello naming such an id, with any secret, is a new visitor.
  const visitor = await hub.visitor({hello: {visitorId: '../operators', resumeToken: 'guess'}});
  t.not(visitor.of('welcome')[0]?.visitorId ?? '../operators', '../operators', 'welcomed as someone new');
  t.same(visitor.of('error'), []);
});
