import t from 'tap';
import {opChatId} from '../src/protocol/index.js';
import {acceptedChat, adminCall, startTestHub} from './helpers/hub.js';
import {waitUntil} from './helpers/wait.js';

t.test('visitors are tracked page by page and operators can read visits and chat history', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const alice = await hub.operator('alice');
  const visitor = await hub.visitor({
    hello: {page: {url: 'https://example.com/', title: 'Home', referrer: 'https://search.example/?q=teapots'}},
  });
  const {visitorId} = visitor.of('welcome')[0]!;
  const first = await alice.waitType('visitor.update', (f) => f.visitor.id === visitorId);
  t.match(first.visitor, {browser: 'Chrome 120', os: 'Linux', referrer: 'https://search.example/?q=teapots', pages: 1});
  visitor.send({t: 'page', url: 'https://example.com/teapots', title: 'Teapots'});
  const second = await alice.waitType('visitor.update', (f) => f.visitor.pages === 2);
  t.equal(second.visitor.page.title, 'Teapots');

  visitor.send({t: 'identify', name: 'Vera', email: 'vera@example.com'});
  await alice.waitType('visitor.update', (f) => f.visitor.name === 'Vera');
  alice.send({t: 'visitor.details', visitorId});
  const details = await alice.waitType('visitor.details');
  t.same(details.visit.pages.map((p: {title: string}) => p.title), ['Home', 'Teapots'], 'pages in order');
  alice.send({t: 'visitor.visits', visitorId});
  t.equal((await alice.waitType('visitor.visits')).visits.length, 1);

  const chatId = await acceptedChat(visitor, alice);
  alice.send({t: 'chat.end', chatId});
  t.equal((await visitor.waitType('chat.closed')).reason, 'ended');
  alice.send({t: 'visitor.chats', visitorId});
  const history = await alice.waitType('visitor.chats');
  t.match(history.chats, [{id: chatId, state: 'ended', visitorName: 'Vera'}]);
  alice.send({t: 'chat.sync', chatId, after: 0});
  await alice.waitType('synced', (f) => f.chatId === chatId);
  t.ok(alice.of('ev').some((f) => f.chatId === chatId && f.e.kind === 'end'), 'an ended chat can be read back');

  alice.send({t: 'visitor.details', visitorId: 'nope'});
  t.match(await alice.waitType('error'), {code: 'unknown_visitor'});
});

t.test('typing: the operator sees a preview only where the site allows it', async (t) => {
  const hub = await startTestHub({sites: ['example.com', 'private.example']});
  t.teardown(() => hub.close());
  // As `cac sites set private.example --no-preview` does it: through the hub's admin API.
  await adminCall(hub, 'sites.set', {domain: 'private.example', preview: false});
  const alice = await hub.operator('alice');
  for (const site of ['example.com', 'private.example']) {
    const visitor = await hub.visitor({site});
    t.equal(visitor.of('welcome')[0]!.preview, site === 'example.com');
    visitor.send({t: 'chat.request', id: visitor.nextId(), text: 'hi'});
    const {chatId} = await visitor.waitType('chat.queued');
    alice.send({t: 'chat.accept', chatId});
    await visitor.waitType('ev', (f) => f.e.kind === 'join');
    visitor.send({t: 'typing', typing: true, preview: 'my card number is'});
    const typing = await alice.waitType('typing', (f) => f.chatId === chatId);
    t.equal(typing.preview, site === 'example.com' ? 'my card number is' : undefined, site);
    alice.send({t: 'typing', chatId, typing: true});
    t.match(await visitor.waitType('typing'), {typing: true, name: 'alice'});
  }
});

t.test('a change to a site reaches its visitors already on-line: preview turned off, site removed', async (t) => {
  const hub = await startTestHub({sites: ['example.com', 'other.example']});
  t.teardown(() => hub.close());
  const alice = await hub.operator('alice');
  const visitor = await hub.visitor();
  const chatId = await acceptedChat(visitor, alice);
  await adminCall(hub, 'sites.set', {domain: 'example.com', preview: false});
  visitor.send({t: 'typing', typing: true, preview: 'typed after the preview was turned off'});
  const typing = await alice.waitType('typing', (f) => f.chatId === chatId);
  t.equal(typing.preview, undefined, 'no preview once the site says so');
  // Its limits too: the record held is the new one.
  await adminCall(hub, 'sites.set', {domain: 'example.com', limits: {'pages-per-minute': 2}});
  for (let i = 0; i < 3; i++) visitor.send({t: 'page', url: `https://example.com/p${i}`, title: `P${i}`});
  t.ok(await visitor.waitType('error', (f) => f.code === 'slow_down'), 'the new page limit holds for it');

  const other = await hub.visitor({site: 'other.example'});
  await adminCall(hub, 'sites.remove', {domain: 'example.com'});
  t.ok(await visitor.waitClosed(), "a removed site's visitors are let go");
  t.notOk(other.closed, 'those of other sites stay');
});

t.test('operator-to-operator messages and canned responses', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const alice = await hub.operator('alice');
  const bob = await hub.operator('bob');
  const id = alice.nextId();
  alice.send({t: 'op.msg', id, to: 'bob', text: 'can you take the visitor on /order?'});
  const ack = await alice.waitType('ack', (f) => f.id === id);
  t.equal(ack.chatId, opChatId('alice', 'bob'));
  const got = await bob.waitType('ev', (f) => f.chatId === ack.chatId);
  t.equal(got.e.text, 'can you take the visitor on /order?');
  bob.send({t: 'msg', id: bob.nextId(), chatId: ack.chatId, text: 'on it'});
  t.equal((await alice.waitType('ev', (f) => f.e.text === 'on it')).e.name, 'bob');
  alice.send({t: 'op.msg', id: alice.nextId(), to: 'nobody', text: 'x'});
  t.match(await alice.waitType('error'), {code: 'unknown_operator'});
  // Not readable by a third party even when it guesses the id.
  const carol = await hub.visitor();
  carol.send({t: 'msg', id: carol.nextId(), text: 'x'});
  await carol.waitType('error');

  alice.send({t: 'canned.add', shortcut: 'hi', text: 'Hello! How can I help?', team: true});
  alice.send({t: 'canned.add', shortcut: 'mine', text: 'Only for me'});
  await alice.waitFor(() => alice.of('canned.list').length === 2);
  const list = alice.of('canned.list')[1]!.canned;
  t.same(list.map((c: {shortcut: string}) => c.shortcut), ['hi', 'mine']);
  const bobNow = await hub.operator('bob');
  t.same(bobNow.of('ready')[0]!.canned.map((c: {shortcut: string}) => c.shortcut), ['hi'], 'personal ones stay personal');
  bob.send({t: 'canned.remove', id: list[1].id});
  t.match(await bob.waitType('error', (f) => f.code === 'unknown_canned'), {code: 'unknown_canned'});
});

t.test('a user agent is read as far as its first 500 characters', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const alice = await hub.operator('alice');
  const chrome = 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36';
  const long = await hub.visitor({headers: {'user-agent': `${chrome} ${'x'.repeat(16_000)}`}});
  const longId = long.of('welcome')[0]!.visitorId;
  t.match((await alice.waitType('visitor.update', (f) => f.visitor.id === longId)).visitor, {browser: 'Chrome 120', os: 'Linux'});
  alice.send({t: 'visitor.details', visitorId: longId});
  t.equal((await alice.waitType('visitor.details')).visit.userAgent, `${chrome} ${'x'.repeat(500 - chrome.length - 1)}`, 'kept as read');
  // The parser never sees what lies further: a 16 KB header cost it 8 ms a visit.
  const late = await hub.visitor({headers: {'user-agent': `${'x'.repeat(500)} ${chrome}`}});
  const lateId = late.of('welcome')[0]!.visitorId;
  t.match((await alice.waitType('visitor.update', (f) => f.visitor.id === lateId)).visitor, {browser: 'unknown', os: 'unknown'});
});

t.test('/healthz counts the operators connected now, not those seen since the start', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const operators = async () => ((await (await fetch(`${hub.url}/healthz`)).json()) as {operators: number}).operators;
  const alice = await hub.operator('alice');
  const bob = await hub.operator('bob');
  t.equal(await operators(), 2);
  alice.close();
  await alice.waitClosed();
  await waitUntil('alice to be gone', () => !hub.hub.sessions.isConnected('alice'));
  t.equal(await operators(), 1, 'alice gone');
  bob.close();
  await waitUntil('bob to be gone', () => !hub.hub.sessions.isConnected('bob'));
  t.equal(await operators(), 0, 'nobody');
});

t.test('a name and email sent with a chat request are stored when nobody is on-line and when a chat is open', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const stored = async (id: string) => {
    await hub.hub.store.flush();
    return hub.hub.store.visitor(id);
  };
  const lone = await hub.visitor();
  lone.send({t: 'chat.request', id: lone.nextId(), name: 'Ann Lee', email: 'ann@example.com', text: 'hi'});
  await lone.waitType('chat.offline');
  t.match(await stored(lone.of('welcome')[0]!.visitorId), {name: 'Ann Lee', email: 'ann@example.com'}, 'nobody on-line');

  const alice = await hub.operator('alice');
  const visitor = await hub.visitor();
  const chatId = await acceptedChat(visitor, alice);
  const id = visitor.nextId();
  visitor.send({t: 'chat.request', id, name: 'Bo', email: 'bo@example.com', text: 'me again'});
  await visitor.waitType('ack', (f) => f.id === id);
  t.match(await stored(visitor.of('welcome')[0]!.visitorId), {name: 'Bo', email: 'bo@example.com'}, 'a chat open');
  t.match((await hub.hub.store.chat(chatId))?.chat, {visitorName: 'Bo', visitorEmail: 'bo@example.com'}, 'and its chat');
});
