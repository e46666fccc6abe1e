import {rm} from 'node:fs/promises';
import t from 'tap';
import {checkChat, storedEvents, text} from './helpers/history.js';
import {startTestHub} from './helpers/hub.js';
import {ManualTimers, until} from './helpers/manual-timers.js';
import {ResumingVisitor} from './helpers/resuming-visitor.js';

const RELOADS = 50;
const GRACE_MS = 60_000;

t.test(`a visitor reloading ${RELOADS} times during a chat is never shown as having left`, async (t) => {
  // The hub's timers run only when the test moves them on: each page load takes half the minute
  // a visitor may be away, on the hub's clock, however fast it really goes.
  const timers = new ManualTimers(Date.now());
  const hub = await startTestHub({timers, now: timers.now, visitorGraceMs: GRACE_MS});
  const visitor = new ResumingVisitor({base: hub.url.replace('http', 'ws')});
  t.teardown(async () => {
    visitor.stop();
    await hub.close();
    await rm(hub.dir, {recursive: true, force: true});
  });
  const alice = await hub.operator('alice');
  visitor.start();
  await visitor.until(() => visitor.up);
  visitor.request(text('visitor', 0));
  await visitor.until(() => visitor.chatId !== undefined);
  const chatId = visitor.chatId!;
  const visitorId = visitor.visitorId!;
  alice.send({t: 'chat.accept', chatId});
  await alice.waitType('chat.assigned', (f) => f.chatId === chatId);
  const live = () => hub.hub.sessions.visitors.get(visitorId);
  const shownTexts = () => [...visitor.shown.values()].map((e) => e.text);

  const gone = () =>
    alice.of('visitor.gone').some((f) => f.visitorId === visitorId) || alice.of('ev').some((f) => f.chatId === chatId && f.e.kind === 'left');

  const sent = {visitor: 1, alice: 0};
  for (let i = 0; i < RELOADS; i++) {
    // A line each, the visitor's typed just before leaving the page.
    visitor.say(text('visitor', sent.visitor++));
    const last = text('alice', sent.alice++);
    alice.send({t: 'msg', id: alice.nextId(), chatId, text: last});
    const how = (['close', 'terminate', 'overlap'] as const)[i % 3]!;
    if (how === 'overlap') {
      await visitor.overlapPage();
      await until(() => live()?.conns.size === 1);
    } else {
      visitor.leavePage(how);
      // The hub has seen the page go (its minute of grace runs), and half of it passes.
      await until(() => live()?.conns.size === 0);
      timers.advance(GRACE_MS / 2);
      visitor.openPage();
    }
    await visitor.until(() => gone() || (visitor.up && visitor.outbox.length === 0 && shownTexts().includes(last)));
    if (gone()) return t.fail(`the visitor was taken for gone at reload ${i + 1} (${how})`);
  }

  // Ten more minutes on the last page: a leave wrongly still pending would happen now.
  timers.advance(10 * GRACE_MS);
  const final = alice.nextId();
  alice.send({t: 'msg', id: final, chatId, text: text('alice', sent.alice++)});
  await alice.waitType('ack', (f) => f.id === final);
  await visitor.until(() => shownTexts().includes(text('alice', sent.alice - 1)));

  t.same(alice.of('visitor.gone').filter((f) => f.visitorId === visitorId), [], 'the operator was never told the visitor had gone');
  t.same(alice.of('ev').filter((f) => f.chatId === chatId && f.e.kind !== 'msg' && f.e.kind !== 'join'), [], 'the chat never had the visitor leave');
  const chatStart = alice.frames.findIndex((f) => f.t === 'chat.assigned' && f.chatId === chatId);
  const updates = alice.frames.slice(chatStart).filter((f) => f.t === 'visitor.update' && f.visitor.id === visitorId);
  t.ok(updates.length >= RELOADS, `${updates.length} visitor updates (each page load is one)`);
  t.same(updates.filter((f) => !f.visitor.online || f.visitor.chatId !== chatId), [], 'every update shows the visitor on-line, in the chat');
  t.match(hub.hub.chats.open.get(chatId)?.chat, {state: 'active', owner: 'alice'}, 'the chat is active, alice has it');
  const bob = await hub.operator('bob');
  const ready = bob.of('ready')[0]!;
  t.match(ready.visitors.find((v: {id: string}) => v.id === visitorId), {online: true, chatId}, 'a colleague connecting now sees the visitor on-line');
  t.match(ready.chats.find((c: {id: string}) => c.id === chatId), {state: 'active', owner: 'alice'}, 'and the chat active');

  const stored = (await storedEvents(hub.url.replace('http', 'ws'), 'alice', hub.tokens.alice!, [chatId])).get(chatId)!;
  const acks = new Map([...visitor.acks, ...alice.of('ack').map((f) => [f.id as string, f.seq as number] as const)]);
  checkChat(t, 'the chat', stored, {acks, sent});
  t.same([...visitor.shown.values()].sort((a, b) => a.seq - b.seq), stored.filter((e) => !e.priv), 'the last page shows the whole chat, each event once');
  t.equal(visitor.welcomes, RELOADS + 1, 'every page was welcomed back into the chat');
  t.same([...visitor.frames.filter((f) => f.t === 'error'), ...alice.of('error')], [], 'nothing was refused');
  t.same(visitor.problems, [], 'no frame off the protocol, no event shown twice differently');

  // Leaving for good is seen, once the minute is up: the checks above would have noticed.
  visitor.leavePage('terminate');
  await until(() => live()?.conns.size === 0);
  timers.advance(GRACE_MS);
  await alice.waitType('visitor.gone', (f) => f.visitorId === visitorId);
  await alice.waitType('ev', (f) => f.chatId === chatId && f.e.kind === 'left');
  t.pass('a visitor who does not come back within the minute has left');
});
