import t from 'tap';
import {acceptedChat, chatting, startTestHub} from './helpers/hub.js';
import {ManualTimers, until} from './helpers/manual-timers.js';
import type {Peer} from './helpers/peer.js';
import type {LiveVisitor} from '../src/hub/sessions.js';
import {listsTurn, snapshot} from '../src/hub/snapshot.js';

t.test('transfer: offered to one colleague with a note; accepted, the visitor sees only the new operator', async (t) => {
  const timers = new ManualTimers();
  const {hub, alice, visitor, chatId} = await chatting(t, {operators: ['alice', 'bob', 'carol'], timers, now: timers.now});
  const bob = await hub.operator('bob');
  const carol = await hub.operator('carol');
  visitor.send({t: 'msg', id: visitor.nextId(), text: 'My order 1234 is late'});
  await alice.waitType('ev', (f) => f.e.text === 'My order 1234 is late');

  alice.send({t: 'chat.transfer', chatId, to: 'bob', note: 'please take this, shipping question'});
  const offer = await bob.waitType('chat.offer', (f) => f.chat.id === chatId);
  t.same([offer.from, offer.note, offer.chat.offeredTo], ['alice', 'please take this, shipping question', 'bob']);
  t.same(offer.recent.map((e: {text: string}) => e.text), ['hi', 'My order 1234 is late'], 'the last messages come with it');
  await carol.waitType('chat.update', (f) => f.chat.id === chatId && f.chat.offeredTo === 'bob');
  t.notOk(carol.frames.some((f) => f.t === 'chat.requested' && f.chat.id === chatId), 'nobody else is rung');
  carol.send({t: 'chat.accept', chatId});
  t.match(await carol.waitType('error', (f) => f.ref === chatId), {code: 'taken'}, 'nor can anyone else take it');

  bob.send({t: 'chat.accept', chatId});
  await bob.waitType('ev', (f) => f.chatId === chatId && f.e.kind === 'join');
  t.match(await alice.waitType('transfer.result'), {chatId, to: 'bob', outcome: 'accepted'});
  const joined = await visitor.waitType('ev', (f) => f.e.kind === 'join' && f.e.name === 'bob');
  t.equal(joined.e.text, 'bob joined the chat');
  t.notOk(JSON.stringify(visitor.frames).includes('shipping question'), 'the visitor never sees the note');
  visitor.send({t: 'msg', id: visitor.nextId(), text: 'hello bob'});
  await bob.waitType('ev', (f) => f.e.text === 'hello bob');

  // Offered again, to alice this time, who never answers: after 60 s it waits for everyone.
  bob.send({t: 'chat.transfer', chatId, to: 'alice'});
  await alice.waitType('chat.offer', (f) => f.chat.id === chatId && alice.of('chat.offer').length === 1);
  const rings = carol.of('chat.requested').length;
  await until(() => timers.waiting > 0);
  timers.advance(59_000);
  t.equal(carol.of('chat.requested').length, rings, 'not before the minute is up');
  timers.advance(1_000);
  const ring = await carol.waitType('chat.requested', (f) => f.chat.id === chatId && f.chat.state === 'waiting');
  t.equal(ring.chat.offeredTo, undefined);
  t.match(await bob.waitType('transfer.result', (f) => f.to === 'alice'), {outcome: 'timeout'});
});

t.test('transfer: a decline or the colleague going away puts the chat back for everyone', async (t) => {
  const {hub, alice, chatId} = await chatting(t, {operators: ['alice', 'bob', 'carol']});
  const bob = await hub.operator('bob');
  const carol = await hub.operator('carol');
  alice.send({t: 'chat.transfer', chatId, to: 'alice'});
  t.match(await alice.waitType('error'), {code: 'not_possible'}, 'not to oneself');
  alice.send({t: 'chat.transfer', chatId, to: 'bob'});
  await bob.waitType('chat.offer');
  bob.send({t: 'chat.decline', chatId});
  t.match(await alice.waitType('transfer.result'), {outcome: 'declined'});
  await carol.waitType('chat.requested', (f) => f.chat.id === chatId);
  const back = await bob.waitFor((f) => (f.t === 'chat.update' || f.t === 'chat.requested') && f.chat.id === chatId && !f.chat.offeredTo);
  t.match(back, {t: 'chat.update', chat: {state: 'waiting'}}, 'bob sees the chat waiting again, but is not rung for the chat he just declined');
  carol.send({t: 'chat.accept', chatId});
  await carol.waitType('chat.assigned', (f) => f.operator === 'carol');
  carol.send({t: 'chat.transfer', chatId, to: 'bob'});
  await bob.waitType('chat.offer', () => bob.of('chat.offer').length === 2);
  bob.close();
  t.match(await carol.waitType('transfer.result', (f) => f.outcome !== 'accepted' && carol.of('transfer.result').length === 1), {outcome: 'offline'});
  await alice.waitType('chat.requested', (f) => f.chat.id === chatId && alice.of('chat.requested').filter((r) => r.chat.id === chatId).length === 3);
});

t.test('invite: the visitor gets the greeting; answering starts a chat owned by the operator who invited', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const alice = await hub.operator('alice');
  const bob = await hub.operator('bob');
  const visitor = await hub.visitor();
  const visitorId = visitor.of('welcome')[0]!.visitorId;
  alice.send({t: 'visitor.invite', visitorId, text: 'Looking for a kettle? I can help.'});
  t.match(await visitor.waitType('invite'), {name: 'alice', text: 'Looking for a kettle? I can help.'});
  alice.send({t: 'visitor.invite', visitorId});
  t.match(await alice.waitType('error'), {code: 'not_possible'}, 'not twice in one visit');

  visitor.send({t: 'chat.request', id: visitor.nextId(), text: 'Yes, a blue one'});
  const {chatId} = await visitor.waitType('chat.queued');
  t.match(await alice.waitType('invite.result'), {visitorId, outcome: 'accepted'});
  await alice.waitType('ev', (f) => f.chatId === chatId && f.e.text === 'Yes, a blue one');
  t.same(
    (await hub.hub.store.events(chatId)).map((e) => [e.kind, e.from, e.text]),
    [['join', 'operator', 'alice joined the chat'], ['msg', 'operator', 'Looking for a kettle? I can help.'], ['msg', 'visitor', 'Yes, a blue one']],
  );
  t.match((await hub.hub.store.chat(chatId))?.chat, {state: 'active', owner: 'alice'});
  t.notOk(bob.frames.some((f) => f.t === 'chat.requested'), 'nobody else was rung');
  t.ok(visitor.frames.some((f) => f.t === 'ev' && f.e.text === 'Looking for a kettle? I can help.'), 'the greeting is part of the chat');
});

t.test('invite: a dismissed invitation is reported to the operator', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const alice = await hub.operator('alice');
  const visitor = await hub.visitor();
  const visitorId = visitor.of('welcome')[0]!.visitorId;
  alice.send({t: 'visitor.invite', visitorId});
  t.match(await visitor.waitType('invite'), {text: 'Hello! Can I help you with anything?'});
  visitor.send({t: 'invite.dismiss'});
  t.match(await alice.waitType('invite.result'), {visitorId, outcome: 'dismissed'});
  visitor.send({t: 'chat.request', id: visitor.nextId(), text: 'later after all'});
  await alice.waitType('chat.requested', (f) => f.chat.firstText === 'later after all');
});

t.test('left messages: marked done, gone for every operator, also after a restart', async (t) => {
  const first = await startTestHub();
  const v = await first.visitor();
  const id = v.nextId();
  v.send({t: 'offline.message', id, name: 'Olga', email: 'olga@example.com', text: 'Call me back'});
  await v.waitType('offline.stored');
  const alice = await first.operator('alice');
  const bob = await first.operator('bob');
  t.equal(bob.of('ready')[0]!.messages.length, 1);
  alice.send({t: 'message.done', id});
  await bob.waitType('message.done', (f) => f.id === id);
  alice.send({t: 'message.done', id});
  t.match(await alice.waitType('error'), {code: 'unknown_message'});
  await first.close();
  const again = await startTestHub({dir: first.dir});
  t.teardown(() => again.close());
  again.tokens.bob = first.tokens.bob!;
  const later = await again.operator('bob');
  t.same(later.of('ready')[0]!.messages, []);
});

t.test('location: from the address, X-Forwarded-For only behind a trusted proxy', async (t) => {
  for (const trustProxy of [true, false]) {
    const hub = await startTestHub({trustProxy});
    t.teardown(() => hub.close());
    await until(() => hub.hub.locate('8.8.8.8') !== undefined);
    const alice = await hub.operator('alice');
    await hub.visitor({headers: {'x-forwarded-for': '8.8.8.8'}});
    const update = await alice.waitType('visitor.update');
    t.equal(update.visitor.location, trustProxy ? 'United States' : 'local network', `trust-proxy ${trustProxy}`);
  }
  t.equal((await startTestHub({geoip: false}).then(async (h) => {
    const located = h.hub.locate('8.8.8.8');
    await h.close();
    return located;
  })), undefined, 'off with --no-geoip');
});

t.test('canned responses: edited, shared live with every operator, personal ones stay personal, kept across a restart', async (t) => {
  const first = await startTestHub();
  const alice = await first.operator('alice');
  const bob = await first.operator('bob');
  alice.send({t: 'canned.add', shortcut: 'ship', text: 'We ship to {visitor} in 3 days', team: true});
  const shared = await bob.waitType('canned.list', (f) => f.canned.length === 1);
  const id = shared.canned[0].id;
  alice.send({t: 'canned.add', shortcut: 'mine', text: 'Alice here'});
  await alice.waitType('canned.list', (f) => f.canned.length === 2);
  t.same(bob.of('canned.list').at(-1)!.canned.map((c: {shortcut: string}) => c.shortcut), ['ship'], 'a personal response is not offered to another operator');
  bob.send({t: 'canned.edit', id, shortcut: 'ship', text: 'changed by bob'});
  t.match(await bob.waitType('error'), {code: 'unknown_canned'}, 'a team response is changed by whoever added it or an admin');
  alice.send({t: 'canned.edit', id, shortcut: 'shipping', text: 'We ship to {visitor} in 2 days'});
  const edited = await bob.waitType('canned.list', (f) => f.canned[0]?.shortcut === 'shipping');
  t.equal(edited.canned[0].text, 'We ship to {visitor} in 2 days');
  await first.close();
  const again = await startTestHub({dir: first.dir});
  t.teardown(() => again.close());
  again.tokens.bob = first.tokens.bob!;
  const later = await again.operator('bob');
  t.same(later.of('ready')[0]!.canned.map((c: {shortcut: string}) => c.shortcut), ['shipping']);
});

t.test('a visitor who chatted before is shown so (the history key depends on it)', async (t) => {
  const {alice, visitor, chatId} = await chatting(t);
  const visitorId = visitor.of('welcome')[0]!.visitorId;
  t.equal(alice.of('visitor.update').at(-1)!.visitor.chatsBefore, 0, 'a first chat is not history');
  alice.send({t: 'chat.end', chatId});
  await visitor.waitType('chat.closed');
  visitor.send({t: 'page', url: 'https://example.com/more', title: 'More'});
  const update = await alice.waitType('visitor.update', (f) => f.visitor.id === visitorId && f.visitor.page?.title === 'More');
  t.equal(update.visitor.chatsBefore, 1);
});

t.test('a chat exported for a transcript: record, every event with operator notes, the visit, the site clock', async (t) => {
  const {hub, alice, visitor, chatId} = await chatting(t, {operators: ['alice', 'bob']});
  const bob = await hub.operator('bob');
  visitor.send({t: 'msg', id: visitor.nextId(), text: '<script>alert(1)</script>'});
  await alice.waitType('ev', (f) => f.e.text === '<script>alert(1)</script>');
  alice.send({t: 'chat.leave', chatId});
  await bob.waitType('chat.requested', (f) => f.chat.id === chatId);
  bob.send({t: 'chat.export', chatId});
  const exported = await bob.waitType('chat.export');
  t.match(exported.chat, {id: chatId, site: 'example.com', operators: ['alice']});
  t.same(exported.events.map((e: {kind: string}) => e.kind), ['msg', 'join', 'msg', 'leave'], 'operator-only events too');
  t.same(exported.site, {domain: 'example.com', timezone: 'Europe/London'});
  t.same(exported.visit.pages.map((p: {title: string}) => p.title), ['Home']);
  t.same(exported.operators, {alice: 'alice'});
  const stranger = await startTestHub({sites: ['other.example']});
  t.teardown(() => stranger.close());
  bob.send({t: 'chat.export', chatId: 'no-such-chat'});
  t.match(await bob.waitType('error', (f) => f.ref === 'no-such-chat'), {code: 'unknown_chat'});
});

t.test('snapshots: operators signing in together get the same lists; what changed in between shows, even with nobody there to hear of it', async (t) => {
  const hub = await startTestHub({operators: ['alice', 'bob', 'carol']});
  t.teardown(() => hub.close());
  const ids = (peer: Peer) => peer.of('ready')[0]!.visitors.map((v: {id: string}) => v.id).sort();
  const chatIds = (peer: Peer) => peer.of('ready')[0]!.chats.map((c: {id: string}) => c.id).sort();
  const onePeer = await hub.visitor();
  const one = onePeer.of('welcome')[0]!.visitorId;
  const alice = await hub.operator('alice');
  const bob = await hub.operator('bob');
  t.same(ids(alice), [one]);
  t.same(bob.of('ready')[0]!.visitors, alice.of('ready')[0]!.visitors, 'the same list, nothing having changed');
  onePeer.send({t: 'chat.request', id: onePeer.nextId(), text: 'anyone?'});
  const {chatId} = await onePeer.waitType('chat.queued');
  const id = alice.nextId();
  alice.send({t: 'op.msg', id, to: 'bob', text: 'psst'});
  await alice.waitType('ack', (f) => f.id === id);
  alice.close();
  bob.close();
  await until(() => [...hub.hub.sessions.operatorConns.values()].every((conns) => conns.size === 0));

  // Nobody is signed in to hear of this one: the next snapshots list it all the same.
  const two = (await hub.visitor()).of('welcome')[0]!.visitorId;
  const aliceAgain = await hub.operator('alice');
  const carol = await hub.operator('carol');
  t.same(ids(aliceAgain), [one, two].sort(), 'the visitor who came meanwhile is listed');
  t.same(ids(carol), ids(aliceAgain));
  t.same(chatIds(carol), [chatId], "carol sees the visitor's chat, not the one between alice and bob");
  t.equal(chatIds(aliceAgain).length, 2, "alice sees the visitor's chat and hers with bob");
  t.ok(chatIds(aliceAgain).includes(chatId));
});

t.test('snapshots: sign-ins right after lists were made wait for the next making and share it; what changed shows', async (t) => {
  const hub = await startTestHub({operators: ['alice', 'bob', 'carol', 'dave']});
  t.teardown(() => hub.close());
  const s = hub.hub.sessions;
  const site = s.sites[0]!;
  // Enough visitors that making the lists takes a while (ten thousand after a restart, here 20,000).
  const live = (i: number): LiveVisitor => ({
    record: {id: `v${i}`, site: site.domain, tokenHash: 'h', firstSeen: 1, chats: []},
    site,
    conns: new Set(),
    ip: '192.0.2.1',
    userAgent: 'test',
  });
  for (let i = 0; i < 20_000; i++) s.visitors.set(`v${i}`, live(i));
  t.equal(listsTurn(hub.hub), undefined, 'the first sign-in does not wait');
  const first = snapshot(hub.hub, 'alice').frame;
  t.equal(first.visitors.length, 20_000);
  t.equal(listsTurn(hub.hub), undefined, 'nothing changed since: no wait, the same lists');
  t.equal(snapshot(hub.hub, 'bob').frame.visitors, first.visitors);

  // A visitor arrives: the lists are stale, and were made a moment ago.
  s.visitors.set('late', live(20_000));
  s.toOperators({t: 'visitor.update', visitor: s.visitorSummary(s.visitors.get('late')!)}, site.domain);
  const turns = [listsTurn(hub.hub), listsTurn(hub.hub), listsTurn(hub.hub)];
  t.ok(turns.every((turn) => turn instanceof Promise), 'sign-ins right after a making wait');
  const made: Array<ReturnType<typeof snapshot>['frame']> = [];
  await Promise.all(turns.map((turn, i) => turn!.then(() => made.push(snapshot(hub.hub, ['bob', 'carol', 'dave'][i]!).frame))));
  t.equal(made.length, 3);
  t.ok(made.every((frame) => frame.visitors === made[0]!.visitors), 'one making served all three');
  t.not(made[0]!.visitors, first.visitors, 'made anew');
  t.equal(made[0]!.visitors.length, 20_001);
  t.ok(made[0]!.visitors.some((v) => v.id === 'v20000'), 'with the visitor who came meanwhile');

  // An operator coming on-line changes no list: the next sign-in takes them as they are.
  s.toOperators({t: 'operator.update', operator: s.operatorSummary('alice')});
  t.equal(listsTurn(hub.hub), undefined);
  t.equal(snapshot(hub.hub, 'dave').frame.visitors, made[0]!.visitors);

  // A real sign-in at such a moment: it has its lists once made, with what changed just before.
  const arrive = (key: string, i: number) => {
    s.visitors.set(key, live(i));
    s.toOperators({t: 'visitor.update', visitor: s.visitorSummary(s.visitors.get(key)!)}, site.domain);
  };
  arrive('later', 20_001);
  snapshot(hub.hub, 'alice');
  arrive('latest', 20_002);
  const carol = await hub.operator('carol');
  const ready = carol.of('ready')[0]!;
  t.equal(ready.visitors.length, 20_003);
  t.ok(ready.visitors.some((v: {id: string}) => v.id === 'v20002'));
  carol.close();
  s.visitors.clear();
});
