import {rm} from 'node:fs/promises';
import t from 'tap';
import {cutProxy, type CutProxy} from './helpers/cut-proxy.js';
import {checkChat, storedEvents, text} from './helpers/history.js';
import {startTestHub} from './helpers/hub.js';
import {OperatorClient} from './helpers/operator-client.js';
import {ResumingVisitor} from './helpers/resuming-visitor.js';

const MESSAGES = 1000;
const CUTS = 100;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function shuffled<T>(items: T[]): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

t.test(`${MESSAGES} messages with the socket cut ${CUTS} times on each side: both sides end with the same ${MESSAGES}, in order`, async (t) => {
  // The hub lets a visitor send 40 messages a minute, a person's pace. Here its clock moves on
  // 2 s with every message the visitor sends (resends too), so 500 fit in the test's seconds.
  let skew = 0;
  const hub = await startTestHub({now: () => Date.now() + skew});
  const proxies: Record<'visitor' | 'operator', CutProxy> = {visitor: await cutProxy(hub.port), operator: await cutProxy(hub.port)};
  const alice = new OperatorClient(`http://127.0.0.1:${proxies.operator.port}`, 'alice', hub.tokens.alice!, {minDelayMs: 20, maxDelayMs: 200});
  const visitor = new ResumingVisitor({base: `ws://127.0.0.1:${proxies.visitor.port}`, onSend: () => (skew += 2000), minDelayMs: 20, maxDelayMs: 200});
  t.teardown(async () => {
    alice.stop();
    visitor.stop();
    await proxies.visitor.close();
    await proxies.operator.close();
    await hub.close();
    await rm(hub.dir, {recursive: true, force: true});
  });
  alice.start();
  visitor.start();
  await alice.until(() => alice.connected);
  await visitor.until(() => visitor.up);

  // The visitor's request is its first message; alice takes the chat.
  visitor.request(text('visitor', 0));
  const sent = {visitor: 1, alice: 0};
  await visitor.until(() => visitor.chatId !== undefined);
  const chatId = visitor.chatId!;
  await alice.until(() => alice.frames.some((f) => f.t === 'chat.requested' && f.chat.id === chatId));
  alice.conn.send({t: 'chat.accept', chatId});
  await visitor.until(() => [...visitor.shown.values()].some((e) => e.kind === 'join'));

  // Both talk at once while, at random moments, one side's connection or the other's is cut
  // (only ever one that is up, so each cut ends a session that then resumes).
  const speakers = shuffled([...Array(MESSAGES / 2 - 1).fill('visitor'), ...Array(MESSAGES / 2).fill('alice')] as Array<'visitor' | 'alice'>);
  const cuts = shuffled([...Array(CUTS).fill('visitor'), ...Array(CUTS).fill('operator')] as Array<'visitor' | 'operator'>);
  const done = {visitor: 0, operator: 0};
  const talking = (async () => {
    for (const who of speakers) {
      if (who === 'visitor') visitor.say(text('visitor', sent.visitor++));
      else alice.say(chatId, text('alice', sent.alice++));
      await sleep(Math.random() * 40);
    }
  })();
  const cutting = (async () => {
    for (const side of cuts) {
      await sleep(20 + Math.random() * 130);
      const up = side === 'visitor' ? () => visitor.up : () => alice.connected;
      const peer = side === 'visitor' ? visitor : alice;
      await peer.until(up);
      if (proxies[side].cut() > 0) done[side]++;
    }
  })();
  await Promise.all([talking, cutting]);
  t.same(done, {visitor: CUTS, operator: CUTS}, `${CUTS} live connections cut on each side`);

  // Everything goes through in the end: nothing waits unacknowledged, and both have caught up.
  await visitor.until(() => visitor.up && visitor.outbox.length === 0);
  await alice.until(() => alice.connected && alice.conn.unacked === 0);
  const [stored] = [...(await storedEvents(hub.url.replace('http', 'ws'), 'alice', hub.tokens.alice!, [chatId])).values()];
  const last = stored!.at(-1)!.seq;
  await visitor.until(() => visitor.lastSeq === last);
  await alice.until(() => Math.max(...(alice.views.get(chatId)?.keys() ?? [0])) === last);

  const acks = new Map([...visitor.acks, ...[...alice.acks].map(([id, a]) => [id, a.seq] as const)]);
  checkChat(t, 'the chat', stored!, {acks, sent});
  const messages = (events: Array<{kind: string; text: string}>) => events.filter((e) => e.kind === 'msg').map((e) => e.text);
  const visitorSees = [...visitor.shown.values()].sort((a, b) => a.seq - b.seq);
  t.equal(messages(stored!).length, MESSAGES, `${MESSAGES} messages stored`);
  t.same(messages(visitorSees), messages(stored!), 'the visitor has the same messages in the same order');
  t.same(messages(alice.events(chatId)), messages(stored!), 'alice has the same messages in the same order');
  t.same(visitorSees, stored!.filter((e) => !e.priv), 'the visitor has every event it is shown, each once, nothing else');
  t.same(alice.events(chatId), stored, 'alice has every event, each once, nothing else');
  t.equal(visitor.welcomes, CUTS + 1, 'the visitor resumed by itself after every cut');
  t.equal(alice.readies, CUTS + 1, 'alice resumed by herself after every cut');
  t.same([...visitor.frames.filter((f) => f.t === 'error'), ...alice.errors()], [], 'nothing was refused');
  t.same([...visitor.problems, ...alice.problems], [], 'no event came twice with different content, no frame off the protocol');
});
