import t from 'tap';
import {MAX_CANNED_OWN, MAX_CANNED_TEAM} from '../src/protocol/index.js';
import {adminCall, startTestHub} from './helpers/hub.js';
import type {Peer} from './helpers/peer.js';
import {ManualTimers} from './helpers/manual-timers.js';
import {HELLO_WITHIN_MS} from '../src/hub/visitor-socket.js';

/*
 * What one address may make the hub do, per site: each limit is shown to hold, and shown not to
 * touch another site (or the same site's other visitors).
 */

const ABUSER = '203.0.113.66';

t.test('one address opening identities and chat requests flat out for 10 s: operators are rung a few times; another site chats normally', async (t) => {
  const hub = await startTestHub({trustProxy: true, sites: ['example.com', 'other.example']});
  t.teardown(() => hub.close());
  const alice = await hub.operator('alice');
  const rings = () => alice.of('chat.requested').filter((f) => f.chat.site === 'example.com').length;
  let identities = 0;
  let refusedHellos = 0;
  const until = Date.now() + 10_000;
  const open: Peer[] = [];
  while (Date.now() < until) {
    const v = await hub.visitor({headers: {'x-forwarded-for': ABUSER}});
    open.push(v);
    if (v.of('welcome').length === 0) {
      if (v.of('error')[0]?.code === 'slow_down') refusedHellos += 1;
    } else {
      identities += 1;
      v.send({t: 'chat.request', id: v.nextId(), text: `spam ${identities}`});
    }
    if (open.length > 40) open.shift()!.close();
  }
  for (const v of open) v.close();
  t.equal(identities, 20, 'twenty new visitors a minute from one address, then no more');
  t.ok(refusedHellos > 20, `the rest were refused with slow_down (${refusedHellos})`);
  await new Promise((r) => setTimeout(r, 500));
  t.equal(rings(), 6, 'operators were rung six times (requests-per-minute), not once per request');

  // Same address, other site: its own budgets are untouched.
  const other = await hub.visitor({site: 'other.example', headers: {'x-forwarded-for': ABUSER}});
  t.ok(other.of('welcome')[0], 'a new visitor of the other site is let in');
  other.send({t: 'chat.request', id: other.nextId(), text: 'real question'});
  const {chatId} = await other.waitType('chat.queued');
  alice.send({t: 'chat.accept', chatId});
  await other.waitType('ev', (f) => f.e.kind === 'join');
  other.send({t: 'offline.message', id: other.nextId(), text: 'and a note'});
  await other.waitType('offline.stored');
});

t.test('left messages: per address per hour, and a cap per site that never refuses another site', async (t) => {
  const hub = await startTestHub({trustProxy: true, sites: ['example.com', 'other.example']});
  t.teardown(() => hub.close());
  const one = await hub.visitor({headers: {'x-forwarded-for': ABUSER}});
  for (let i = 0; i < 10; i++) {
    const id = one.nextId();
    one.send({t: 'offline.message', id, text: `note ${i}`});
    await one.waitType('offline.stored', (f) => f.id === id);
  }
  // A fresh identity does not help: the budget is the address's.
  const two = await hub.visitor({headers: {'x-forwarded-for': ABUSER}});
  two.send({t: 'offline.message', id: two.nextId(), text: 'one more'});
  t.match(await two.waitType('error'), {code: 'slow_down'});

  await adminCall(hub, 'sites.set', {domain: 'example.com', limits: {'messages-kept': 12}});
  for (let i = 0; i < 2; i++) {
    const v = await hub.visitor({headers: {'x-forwarded-for': `198.51.100.${i + 1}`}});
    v.send({t: 'offline.message', id: v.nextId(), text: 'fills the site'});
    await v.waitType('offline.stored');
  }
  const late = await hub.visitor({headers: {'x-forwarded-for': '198.51.100.50'}});
  late.send({t: 'offline.message', id: late.nextId(), text: 'too late'});
  t.match(await late.waitType('error'), {code: 'full'}, 'this site keeps 12 waiting');
  const elsewhere = await hub.visitor({site: 'other.example', headers: {'x-forwarded-for': '198.51.100.50'}});
  elsewhere.send({t: 'offline.message', id: elsewhere.nextId(), text: 'another site'});
  t.ok(await elsewhere.waitType('offline.stored'), 'the other site still takes messages');
});

t.test('page views per visitor; a socket that keeps going over is closed', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  await adminCall(hub, 'sites.set', {domain: 'example.com', limits: {'pages-per-minute': 5}});
  const alice = await hub.operator('alice');
  const v = await hub.visitor();
  const id = v.of('welcome')[0]!.visitorId;
  for (let i = 0; i < 25; i++) v.send({t: 'page', url: `https://example.com/p${i}`, title: `P${i}`});
  t.equal((await v.waitClosed()).code, 4003, 'closed for too many refused frames');
  t.equal(v.of('error').filter((f) => f.code === 'slow_down').length, 11, 'told each time until then');
  // Visitor updates reach operators batched (a few a second): the last page recorded may come
  // after the visitor's socket has closed.
  // The page of the hello was the first of the five.
  t.ok(await alice.waitType('visitor.update', (f) => f.visitor.id === id && f.visitor.page?.title === 'P3'), 'those within it were');
  const seen = alice.of('visitor.update').filter((f) => f.visitor.id === id).map((f) => f.visitor.page?.title);
  t.notOk(seen.includes('P4'), 'pages over the limit were not recorded');
});

t.test('typing previews are coalesced to a few a second, the latest always arriving', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const alice = await hub.operator('alice');
  const v = await hub.visitor();
  v.send({t: 'chat.request', id: v.nextId(), text: 'hi'});
  const {chatId} = await v.waitType('chat.queued');
  alice.send({t: 'chat.accept', chatId});
  await v.waitType('ev', (f) => f.e.kind === 'join');
  const started = Date.now();
  let text = '';
  for (let i = 0; i < 200; i++) {
    text += 'x';
    v.send({t: 'typing', typing: true, preview: text});
  }
  v.send({t: 'typing', typing: true, preview: `${text}!`});
  await alice.waitType('typing', (f) => f.preview === `${text}!`);
  const seconds = (Date.now() - started) / 1000;
  const passed = alice.of('typing').length;
  t.ok(passed <= 3 * Math.ceil(seconds) + 2, `${passed} of 201 signals passed in ${seconds.toFixed(1)} s`);
  t.ok(passed >= 1);
});

t.test('visitor sockets per address on a site', async (t) => {
  const hub = await startTestHub({trustProxy: true});
  t.teardown(() => hub.close());
  await adminCall(hub, 'sites.set', {domain: 'example.com', limits: {'sockets-per-address': 3}});
  const held = [];
  for (let i = 0; i < 3; i++) held.push(await hub.visitor({headers: {'x-forwarded-for': ABUSER}}));
  const fourth = await hub.visitor({headers: {'x-forwarded-for': ABUSER}, hello: null});
  t.equal((await fourth.waitClosed()).code, 4003, 'the fourth is closed');
  const elsewhere = await hub.visitor({headers: {'x-forwarded-for': '198.51.100.9'}});
  t.ok(elsewhere.of('welcome')[0], 'another address is not affected');
  held[0]!.close();
  await held[0]!.waitClosed();
  await new Promise((r) => setTimeout(r, 200));
  const again = await hub.visitor({headers: {'x-forwarded-for': ABUSER}});
  t.ok(again.of('welcome')[0], 'a socket closed frees its place');
});

t.test('origins: exact scheme, host and port by default; *://HOST is the explicit wildcard', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  await t.rejects(hub.visitor({origin: 'https://example.com:4444'}), /HTTP 403/);
  await adminCall(hub, 'sites.set', {domain: 'example.com', origins: ['http://localhost:8080']});
  t.ok((await hub.visitor({origin: 'http://localhost:8080'})).of('welcome')[0], 'a listed origin');
  await t.rejects(hub.visitor({origin: 'http://localhost:8081'}), /HTTP 403/, 'another port');
  await t.rejects(hub.visitor({origin: 'https://example.com'}), /HTTP 403/, 'a list replaces the defaults');
  await adminCall(hub, 'sites.set', {domain: 'example.com', origins: ['*://example.com']});
  t.ok((await hub.visitor({origin: 'https://example.com:4444'})).of('welcome')[0], 'the wildcard allows any port');
  await t.rejects(adminCall(hub, 'sites.set', {domain: 'example.com', origins: ['https://example.com/path']}), /HTTP 400/);
});

t.test('the page a hello brings is a page view too: reconnecting over and over records no more than the budget, and every tab is still welcomed', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  await adminCall(hub, 'sites.set', {domain: 'example.com', limits: {'pages-per-minute': 5}});
  const first = await hub.visitor();
  const {visitorId, resumeToken} = first.of('welcome')[0]!;
  first.close();
  // Twenty more page loads of the same visitor, each a new socket with a long URL.
  for (let i = 0; i < 20; i++) {
    const tab = await hub.visitor({hello: {visitorId, resumeToken, page: {url: `https://example.com/${'x'.repeat(1500)}/${i}`, title: `Load ${i}`}}});
    t.equal(tab.of('welcome')[0]?.visitorId, visitorId, `load ${i}: welcomed as the same visitor`);
    tab.close();
  }
  const {visits} = await adminCall(hub, 'visitors.show', {id: visitorId});
  const pages = visits.flatMap((v) => v.pages);
  t.equal(pages.length, 5, 'five page views a minute recorded, the first page load included');
  t.same(pages.map((p) => p.title), ['Home', 'Load 0', 'Load 1', 'Load 2', 'Load 3']);
});

t.test('a name given with chat requests is within the budget for changes of name; past it the request still goes through', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const alice = await hub.operator('alice');
  const v = await hub.visitor();
  const id = v.of('welcome')[0]!.visitorId;
  for (let i = 0; i < 12; i++) {
    const rid = v.nextId();
    v.send({t: 'chat.request', id: rid, name: `Vera ${i}`, text: `request ${i}`});
    await v.waitFor((f) => (f.t === 'ack' && f.id === rid) || (f.t === 'error' && f.ref === rid) || (f.t === 'chat.queued' && i === 0));
  }
  t.same(v.of('error'), [], 'no request refused');
  const {visitor} = await adminCall(hub, 'visitors.show', {id});
  t.equal(visitor.name, 'Vera 9', 'ten changes taken (the first name included), then the name stays');
  const chatId = v.of('chat.queued')[0]!.chatId;
  alice.send({t: 'chat.accept', chatId});
  await alice.waitType('chat.assigned', (f) => f.chatId === chatId);
  alice.send({t: 'chat.sync', chatId, after: 0});
  const texts = async () => alice.of('ev').filter((f) => f.chatId === chatId && f.e.kind === 'msg').map((f) => f.e.text);
  await alice.waitFor(() => alice.of('ev').some((f) => f.chatId === chatId && f.e.text === 'request 11'));
  t.same((await texts()).filter((x, i, all) => all.indexOf(x) === i), Array.from({length: 12}, (_, i) => `request ${i}`), 'every text is in the chat');
});

t.test('identify: the same name again costs nothing; changes have a budget per visitor', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const alice = await hub.operator('alice');
  const v = await hub.visitor();
  const id = v.of('welcome')[0]!.visitorId;
  await alice.waitType('visitor.update', (f) => f.visitor.id === id);
  // Whatever either sent before has been handled, and alice's list updates have gone out (any
  // other frame sends them first).
  const settled = async () => {
    for (const peer of [v, alice]) {
      const from = peer.frames.length;
      peer.send({t: 'ping'});
      await peer.waitType('pong', () => true, from);
    }
  };
  const updates = () => alice.of('visitor.update').filter((f) => f.visitor.id === id).length;
  await settled();
  const before = updates();
  for (let i = 0; i < 20; i++) v.send({t: 'identify', name: 'Vera', email: 'vera@example.com'});
  await settled();
  t.equal(updates() - before, 1, 'twenty identical frames: one update to operators');
  t.same(v.of('error'), [], 'none refused');

  for (let i = 0; i < 15; i++) v.send({t: 'identify', name: `Vera ${i}`});
  await settled();
  t.equal(v.of('error').filter((f) => f.code === 'slow_down').length, 6, 'ten changes a minute, the first one included');
  t.equal(updates() - before, 10, 'those refused reach no operator');
});

t.test('canned responses: as many as an operator may keep of its own, and the team; then too_many', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const alice = await hub.operator('alice');
  const add = async (count: number, team: boolean) => {
    const before = alice.of('canned.list').length;
    for (let i = 0; i < count; i++) alice.send({t: 'canned.add', shortcut: `${team ? 't' : 'o'}${i}`, text: 'Hello', team});
    await alice.waitFor(() => alice.of('canned.list').length === before + count);
  };
  await add(MAX_CANNED_OWN, false);
  alice.send({t: 'canned.add', shortcut: 'one-more', text: 'Hello'});
  t.match(await alice.waitType('error'), {code: 'too_many'}, 'her own are full');
  await add(MAX_CANNED_TEAM, true);
  t.equal(alice.of('canned.list').at(-1)!.canned.length, MAX_CANNED_OWN + MAX_CANNED_TEAM, 'the team has its own room');
  alice.send({t: 'canned.add', shortcut: 'one-more', text: 'Hello', team: true});
  await alice.waitFor(() => alice.of('error').length === 2);
  t.match(alice.of('error')[1], {code: 'too_many'}, 'then the team is full');
  const bob = await hub.operator('bob');
  bob.send({t: 'canned.add', shortcut: 'mine', text: 'Hi'});
  t.equal((await bob.waitType('canned.list')).canned.length, MAX_CANNED_TEAM + 1, "another operator's own are not counted against him");
  await t.rejects(adminCall(hub, 'canned.add', {shortcut: 'cli', text: 'Hello'}), /too_many/, 'from the command line too');
  t.equal(alice.of('canned.list').at(-1)!.canned.length, MAX_CANNED_OWN + MAX_CANNED_TEAM, 'nothing was added');
});

t.test('an IPv6 address counts by its /64: an abuser taking new addresses in it gets no more sockets', async (t) => {
  const hub = await startTestHub({trustProxy: true});
  t.teardown(() => hub.close());
  await adminCall(hub, 'sites.set', {domain: 'example.com', limits: {'sockets-per-address': 3}});
  for (let i = 1; i <= 3; i++) await hub.visitor({headers: {'x-forwarded-for': `2001:db8:1:2::${i}`}});
  const fourth = await hub.visitor({headers: {'x-forwarded-for': '2001:db8:1:2:ffff:ffff:ffff:ffff'}, hello: null});
  t.equal((await fourth.waitClosed()).code, 4003, 'a fourth address of the same /64 is closed');
  const next = await hub.visitor({headers: {'x-forwarded-for': '2001:db8:1:3::1'}});
  t.ok(next.of('welcome')[0], 'the next /64 is another address');
});

t.test('a visitor socket that never says hello is closed after 30 s, freeing its place', async (t) => {
  const timers = new ManualTimers();
  const hub = await startTestHub({timers, now: timers.now});
  t.teardown(() => hub.close());
  await adminCall(hub, 'sites.set', {domain: 'example.com', limits: {'sockets-per-address': 2}});
  const silent = await hub.visitor({hello: null});
  const talking = await hub.visitor();
  timers.advance(HELLO_WITHIN_MS - 1);
  t.same(await hub.visitor({hello: null}).then((v) => v.waitClosed()), {code: 4003, reason: 'too many sockets from this address'}, 'the silent one still holds its place');
  timers.advance(1);
  t.same(await silent.waitClosed(), {code: 4002, reason: 'no hello'});
  talking.send({t: 'page', url: 'https://example.com/next', title: 'Next'});
  talking.send({t: 'ping'});
  await talking.waitType('pong');
  t.ok(talking.ws.readyState === talking.ws.OPEN, 'one that said hello stays');
  t.ok((await hub.visitor()).of('welcome')[0], 'the place is free again');
});
