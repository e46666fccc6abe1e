import {mkdtemp} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import t from 'tap';
import {addOperator, removeOperator} from '../src/accounts/operators.js';
import {openStore} from '../src/cli/common.js';
import {feedEntry, feedType, hubToEvents, parseEventsSearch, type FeedEntry} from '../src/protocol/index.js';
import {acceptedChat, seedData, startTestHub} from './helpers/hub.js';
import {Peer} from './helpers/peer.js';
import {consecutive, entriesOf, follow, reached} from './helpers/events.js';
import {ManualTimers, until} from './helpers/manual-timers.js';

t.test('every kind of hub event is in the feed, with its fields, live and replayed alike', async (t) => {
  const timers = new ManualTimers();
  const hub = await startTestHub({operators: ['alice', 'bob'], timers, now: timers.now});
  t.teardown(() => hub.close());
  const live = await follow(hub.url, 'alice', hub.tokens.alice!, {since: 0});
  await live.waitType('live');

  const alice = await hub.operator('alice');
  const bob = await hub.operator('bob');
  // A visitor arrives, browses, asks to chat; alice takes it and they talk.
  const visitor = await hub.visitor();
  const visitorId = visitor.of('welcome')[0]!.visitorId as string;
  visitor.send({t: 'page', url: 'https://example.com/kettles', title: 'Kettles'});
  const chatId = await acceptedChat(visitor, alice, 'Do you ship to Norway?');
  visitor.send({t: 'msg', id: visitor.nextId(), text: 'I mean the blue one'});
  await alice.waitType('ev', (f) => f.e.text === 'I mean the blue one');
  alice.send({t: 'msg', id: alice.nextId(), chatId, text: 'We do'});
  alice.send({t: 'link.send', id: alice.nextId(), chatId, url: '/shipping'});
  await visitor.waitType('link.open');
  // Offered to bob, who declines; alice takes it again, steps out, takes it again, ends it.
  alice.send({t: 'chat.transfer', chatId, to: 'bob', note: 'shipping question'});
  await bob.waitType('chat.offer');
  bob.send({t: 'chat.decline', chatId});
  await alice.waitType('transfer.result');
  alice.send({t: 'chat.accept', chatId});
  await alice.waitType('chat.assigned', (f) => f.chatId === chatId && alice.of('chat.assigned').length === 2);
  alice.send({t: 'chat.leave', chatId});
  await alice.waitType('chat.requested', (f) => f.chat.id === chatId && f.chat.state === 'waiting' && alice.of('chat.requested').length === 2);
  alice.send({t: 'chat.accept', chatId});
  await alice.waitType('chat.assigned', (f) => f.chatId === chatId && alice.of('chat.assigned').length === 3);
  alice.send({t: 'chat.end', chatId});
  await visitor.waitType('chat.closed');

  // A second visitor dismisses an invitation; a third answers one and is blocked in the end.
  const second = await hub.visitor();
  const secondId = second.of('welcome')[0]!.visitorId as string;
  alice.send({t: 'visitor.invite', visitorId: secondId});
  await second.waitType('invite');
  second.send({t: 'invite.dismiss'});
  await alice.waitType('invite.result', (f) => f.outcome === 'dismissed');
  const third = await hub.visitor();
  const thirdId = third.of('welcome')[0]!.visitorId as string;
  alice.send({t: 'visitor.invite', visitorId: thirdId, text: 'Need a hand?'});
  await third.waitType('invite');
  third.send({t: 'chat.request', id: third.nextId(), text: 'Yes please'});
  const {chatId: invited} = await third.waitType('chat.queued');
  await alice.waitType('invite.result', (f) => f.outcome === 'accepted');
  // A fourth asks and closes the chat itself (before the block: blocks go by address too).
  const fourth = await hub.visitor();
  fourth.send({t: 'chat.request', id: fourth.nextId(), text: 'never mind'});
  const {chatId: closed} = await fourth.waitType('chat.queued');
  fourth.send({t: 'chat.leave'});
  await fourth.waitType('chat.closed');
  alice.send({t: 'chat.block', chatId: invited});
  await third.waitType('chat.closed');
  // alice goes away; the first visitor leaves the site; bob's client goes.
  alice.send({t: 'status', status: 'away'});
  await bob.waitType('operator.update', (f) => f.operator.status === 'away');
  visitor.close();
  await until(() => hub.hub.sessions.visitors.get(visitorId)?.conns.size === 0 && timers.waiting > 0);
  timers.advance(2000);
  bob.close();
  await live.waitFor((f) => f.t === 'entry' && f.entry.type === 'operator.status' && f.entry.operator === 'bob' && !f.entry.connected);

  const end = await hub.hub.store.feedEnd();
  await reached(live, end);
  const entries = entriesOf(live);
  t.ok(consecutive(entries), `cursors 1 to ${end}, no gap, none twice`);
  t.same(
    // A `removed` entry only stands where an erasure or retention took one out (test/cli-privacy).
    feedType.options.filter((type) => type !== 'removed' && !entries.some((e) => e.type === type)),
    [],
    'every kind of entry happened',
  );
  const of = <T extends FeedEntry['type']>(type: T, match: (e: Extract<FeedEntry, {type: T}>) => boolean = () => true) =>
    entries.filter((e): e is Extract<FeedEntry, {type: T}> => e.type === type && match(e as Extract<FeedEntry, {type: T}>));
  const site = 'example.com';
  t.match(of('operator.status'), [
    {operator: 'alice', status: 'online', connected: true},
    {operator: 'bob', status: 'online', connected: true},
    {operator: 'alice', status: 'away', connected: true},
    {operator: 'bob', status: 'online', connected: false},
  ]);
  t.match(of('visitor.arrived', (e) => e.visitorId === visitorId), [{site, visit: {browser: /Chrome/, ip: '127.0.0.1'}}]);
  t.match(of('page.viewed', (e) => e.visitorId === visitorId), [
    {site, page: {url: 'https://example.com/', title: 'Home'}},
    {site, page: {url: 'https://example.com/kettles', title: 'Kettles'}},
  ]);
  const inChat = of('chat.requested').concat().filter((e) => e.chatId === chatId);
  t.match(inChat, [{site, visitorId, seq: 1, event: {kind: 'msg', text: 'Do you ship to Norway?'}}]);
  t.match(
    entries.filter((e) => 'chatId' in e && e.chatId === chatId && e.type !== 'visitor.blocked'),
    [
      {type: 'chat.requested', seq: 1},
      {type: 'chat.accepted', seq: 2, operator: 'alice', event: {kind: 'join'}},
      {type: 'chat.message', seq: 3, event: {from: 'visitor', text: 'I mean the blue one'}},
      {type: 'chat.message', seq: 4, operator: 'alice', event: {text: 'We do'}},
      {type: 'link.sent', seq: 5, operator: 'alice', event: {url: 'https://example.com/shipping'}},
      {type: 'transfer.offered', seq: 6, operator: 'alice', to: 'bob', note: 'shipping question'},
      {type: 'transfer.declined', seq: 7, operator: 'bob', from: 'alice', outcome: 'declined'},
      {type: 'chat.accepted', seq: 8, operator: 'alice'},
      {type: 'chat.left', seq: 9, operator: 'alice', event: {kind: 'leave'}},
      {type: 'chat.accepted', seq: 10},
      {type: 'chat.ended', seq: 11, reason: 'ended', operator: 'alice', event: {kind: 'end'}},
    ],
    "the chat's every event, in order",
  );
  t.match(of('invitation.sent'), [
    {site, visitorId: secondId, operator: 'alice', text: 'Hello! Can I help you with anything?'},
    {site, visitorId: thirdId, operator: 'alice', text: 'Need a hand?'},
  ]);
  t.match(of('invitation.answered'), [
    {visitorId: secondId, operator: 'alice', outcome: 'dismissed'},
    {visitorId: thirdId, operator: 'alice', outcome: 'accepted', chatId: invited, seq: 1, event: {kind: 'join'}},
  ]);
  t.match(
    entries.filter((e) => 'chatId' in e && e.chatId === invited).map((e) => e.type),
    ['invitation.answered', 'chat.message', 'chat.message', 'visitor.blocked', 'chat.ended'],
  );
  t.match(of('visitor.blocked'), [{site, visitorId: thirdId, chatId: invited, operator: 'alice', until: Number}]);
  t.match(of('chat.ended', (e) => e.chatId === invited), [{reason: 'blocked', operator: 'alice'}]);
  t.match(of('chat.ended', (e) => e.chatId === closed), [{reason: 'left', event: {kind: 'left'}}]);
  t.match(of('visitor.left'), [{site, visitorId, at: timers.now()}]);
  t.ok(entries.every((e) => feedEntry.safeParse(e).success));

  // The same feed read back from the store is the same, entry for entry.
  const replay = await follow(hub.url, 'bob', hub.tokens.bob!, {since: 0});
  t.same((await replay.waitType('live')).cursor, end);
  t.same(entriesOf(replay), entries, 'replayed from the store as it was sent live');
  const some = await follow(hub.url, 'bob', hub.tokens.bob!, {since: 10, type: ['chat.ended', 'visitor.left']});
  t.same((await some.waitType('live')).cursor, end);
  t.same(
    entriesOf(some).map((e) => e.type),
    ['chat.ended', 'chat.ended', 'chat.ended', 'visitor.left'],
    'after a cursor, of the types asked for',
  );
});

t.test('an operator limited to some sites sees only their events; --site and --type narrow further', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cac-events-'));
  const tokens = await seedData(dir, ['alice'], ['example.com', 'example.org']);
  tokens.carol = (await addOperator(await openStore({data: dir}), 'carol', {sites: ['example.org']})).token;
  const hub = await startTestHub({dir});
  t.teardown(() => hub.close());
  Object.assign(hub.tokens, tokens);
  const carol = await follow(hub.url, 'carol', tokens.carol, {since: 0});
  await carol.waitType('live');
  const alice = await follow(hub.url, 'alice', tokens.alice!, {since: 0, site: ['EXAMPLE.ORG']});
  await alice.waitType('live');

  const operator = await hub.operator('alice');
  await hub.visitor({site: 'example.com'});
  const org = await hub.visitor({site: 'example.org'});
  org.send({t: 'page', url: 'https://example.org/a', title: 'A'});
  await operator.waitType('visitor.update', (f) => f.visitor.pages === 2);
  const end = await hub.hub.store.feedEnd();

  const all = await follow(hub.url, 'alice', tokens.alice!, {since: 0});
  t.equal((await all.waitType('live')).cursor, end);
  t.same(entriesOf(all).map((e) => [e.cursor, e.type, 'site' in e ? e.site : '-']), [
    [1, 'operator.status', '-'],
    [2, 'visitor.arrived', 'example.com'],
    [3, 'page.viewed', 'example.com'],
    [4, 'visitor.arrived', 'example.org'],
    [5, 'page.viewed', 'example.org'],
    [6, 'page.viewed', 'example.org'],
  ]);
  await reached(carol, end);
  t.same(
    entriesOf(carol).map((e) => [e.cursor, 'site' in e ? e.site : e.type]),
    [[1, 'operator.status'], [4, 'example.org'], [5, 'example.org'], [6, 'example.org']],
    "carol's sites, and operators' status",
  );
  t.notOk(JSON.stringify(carol.frames).includes('example.com'), 'nothing of the other site');
  await reached(alice, end);
  t.ok(entriesOf(alice).every((e) => 'site' in e && e.site === 'example.org'), 'a site asked for: only its entries');
  const other = await follow(hub.url, 'carol', tokens.carol, {since: 0, site: ['example.com']});
  t.equal((await other.waitType('live')).cursor, end);
  t.same(entriesOf(other), [], 'a site one may not see: nothing, not even status');
  const pages = await follow(hub.url, 'carol', tokens.carol, {since: 0, type: ['page.viewed']});
  await pages.waitType('live');
  t.same(entriesOf(pages).map((e) => e.cursor), [5, 6]);
});

t.test('the events socket is authenticated like the operator socket and checks its query', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const ws = hub.url.replace('http', 'ws');
  const refused = (query: string, headers: Record<string, string>, origin?: string) =>
    Peer.connect(`${ws}/ws/events${query}`, hubToEvents, {headers, origin}).then(
      () => 'open',
      (error: Error) => error.message,
    );
  const auth = {authorization: `Bearer ${hub.tokens.alice}`, 'x-cac-operator': 'alice'};
  t.equal(await refused('', {}), 'HTTP 401', 'no token');
  t.equal(await refused('', {...auth, authorization: `Bearer ${hub.tokens.bob}`}), 'HTTP 401', "another operator's token");
  t.equal(await refused('', auth, 'https://example.com'), 'HTTP 403', 'a browser page');
  t.equal(await refused('?type=chat.nonsense', auth), 'HTTP 400', 'an unknown type');
  t.equal(await refused('?since=abc', auth), 'HTTP 400', 'a cursor that is no number');
  t.equal(await refused('?since=-1', auth), 'HTTP 400', 'a negative cursor');
  t.equal(await refused('?v=99', auth), 'HTTP 400', 'another protocol version');
  t.equal(await refused('?since=0&type=chat.message&site=example.com', auth), 'open');
  t.same(parseEventsSearch(new URLSearchParams('since=1.5')), {ok: false, error: 'since: Invalid input: expected number, received NaN'});

  // A follower says nothing: one that sends a frame is closed.
  const chatty = await follow(hub.url, 'alice', hub.tokens.alice!);
  await chatty.waitType('live');
  chatty.send({t: 'ping'});
  t.equal((await chatty.waitClosed()).code, 4002);
});

t.test('a follower of an operator removed or given a new token is closed', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const bob = await follow(hub.url, 'bob', hub.tokens.bob!);
  await bob.waitType('live');
  const alice = await follow(hub.url, 'alice', hub.tokens.alice!);
  await alice.waitType('live');
  await removeOperator(await openStore({data: hub.dir}), 'bob');
  await hub.hub.reloadAccounts();
  t.match(await bob.waitClosed(), {code: 4001});
  t.equal(alice.closed, undefined, 'the others stay');
});

t.test('since after the end starts at the end; from an instant starts at the first entry from then', async (t) => {
  const timers = new ManualTimers();
  const hub = await startTestHub({timers, now: timers.now});
  t.teardown(() => hub.close());
  const store = hub.hub.store;
  for (let i = 0; i < 5; i++) {
    await store.appendFeed({type: 'visitor.left', at: timers.now(), site: 'example.com', visitorId: `v${i}`});
    timers.advance(60_000);
  }
  const ahead = await follow(hub.url, 'alice', hub.tokens.alice!, {since: 99});
  t.equal((await ahead.waitType('live')).cursor, 5, 'a cursor from another life of the hub is taken as the end');
  await store.appendFeed({type: 'visitor.left', at: timers.now(), site: 'example.com', visitorId: 'v5'});
  await reached(ahead, 6);
  const from = await follow(hub.url, 'alice', hub.tokens.alice!, {from: timers.now() - 150_000});
  await from.waitType('live');
  t.same(entriesOf(from).map((e) => e.cursor), [4, 5, 6]);
  const now = await follow(hub.url, 'alice', hub.tokens.alice!);
  t.equal((await now.waitType('live')).cursor, 6, 'without since or from: live from now');
  t.same(entriesOf(now), []);
});
