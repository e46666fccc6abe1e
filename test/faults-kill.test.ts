import {mkdtemp, readdir, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import t from 'tap';
import {opChatId} from '../src/protocol/index.js';
import {checkChat, storedEvents, text} from './helpers/history.js';
import {seedData} from './helpers/hub.js';
import {OperatorClient} from './helpers/operator-client.js';
import {ResumingVisitor} from './helpers/resuming-visitor.js';
import {openChats, steadyTraffic} from './helpers/traffic.js';
import {freePort, hubProcess, type Spawned} from './helpers/spawn.js';

// `npm run test:faults -- --rounds 200` runs more rounds (CAC_FAULT_ROUNDS).
const ROUNDS = Number(process.env.CAC_FAULT_ROUNDS || 20);
const VISITORS = 6;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The documents of a data folder that do not parse (each is replaced whole, never written in place). */
async function unreadable(dir: string): Promise<string[]> {
  const bad: string[] = [];
  for (const sub of ['', 'chats', 'visitors']) {
    for (const name of await readdir(join(dir, sub))) {
      if (!name.endsWith('.json')) continue;
      const text = await readFile(join(dir, sub, name), 'utf8');
      try {
        JSON.parse(text);
      } catch {
        bad.push(join(sub, name));
      }
    }
  }
  return bad;
}

t.test(`the hub SIGKILLed at a random moment of steady traffic, ${ROUNDS} times: nothing acked is lost, everyone resumes`, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cac-kill-'));
  const tokens = await seedData(dir, ['alice', 'bob']);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const hubs = hubProcess(t, dir, port);
  const started: Spawned[] = [await hubs.start()];
  // Backoff as the real clients do it, only shorter, so rounds are quick.
  const delays = {minDelayMs: 50, maxDelayMs: 400};
  const ops = {alice: new OperatorClient(base, 'alice', tokens.alice!, delays), bob: new OperatorClient(base, 'bob', tokens.bob!, delays)};
  const visitors = Array.from({length: VISITORS}, () => new ResumingVisitor({base: base.replace('http', 'ws'), ...delays}));
  let running = true;
  t.teardown(async () => {
    running = false;
    for (const peer of [...Object.values(ops), ...visitors]) peer.stop();
    // A hub still running (the test failed) goes before its folder does.
    for (const hub of started) if (hub.child.exitCode === null && hub.child.signalCode === null) hub.child.kill('SIGKILL');
    await Promise.all(started.map((hub) => hub.exited));
    await rm(dir, {recursive: true, force: true});
  });
  for (const op of Object.values(ops)) op.start();
  await Promise.all(Object.values(ops).map((op) => op.until(() => op.connected)));

  // Each visitor in a chat of its own, alice and bob taking turns; the two also talk together.
  const chats = await openChats(visitors, (i) => (i % 2 === 0 ? ops.alice : ops.bob));
  // Steady traffic, through the kills too: each operator some fifteen times a second in each
  // chat (about a hundred messages a second in all); what cannot go now waits in the peer.
  const traffic = steadyTraffic(chats, () => running, () => 20 + Math.random() * 80);
  const sent = traffic.sent;
  const between = opChatId('alice', 'bob');
  sent[between] = {'alice-op': 0, 'bob-op': 0};
  const pumps = [
    traffic.done,
    ...(['alice', 'bob'] as const).map(async (name) => {
      while (running) {
        ops[name].sayTo(name === 'alice' ? 'bob' : 'alice', text(`${name}-op`, sent[between]![`${name}-op`]!++));
        await sleep(100 + Math.random() * 300);
      }
    }),
  ];

  const peers = [...Object.values(ops), ...visitors];
  const sessions = () => peers.map((p) => (p instanceof OperatorClient ? p.readies : p.welcomes));
  const broken: string[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    await sleep(200 + Math.random() * 1000);
    const hub = started.at(-1)!;
    hub.child.kill('SIGKILL');
    await hub.exited;
    broken.push(...(await unreadable(dir)));
    started.push(await hubs.start());
    // Nobody is told to reconnect: each peer comes back by itself.
    await Promise.all(peers.map((p) => p.until(() => (p instanceof OperatorClient ? p.readies : p.welcomes) > round)));
  }
  running = false;
  await Promise.all(pumps);
  t.same(broken, [], 'every document in the data folder parsed after every kill');
  t.same(sessions(), peers.map(() => ROUNDS + 1), `each of the ${peers.length} peers resumed by itself after each of the ${ROUNDS} kills`);

  // Everything waiting goes through; then each chat as stored, and as each peer has it.
  await Promise.all(visitors.map((v) => v.until(() => v.outbox.length === 0)));
  await Promise.all(Object.values(ops).map((op) => op.until(() => op.conn.unacked === 0)));
  const ids = [...chats.map((c) => c.chatId), between];
  const stored = await storedEvents(base.replace('http', 'ws'), 'alice', tokens.alice!, ids);
  const lastOf = (chatId: string) => stored.get(chatId)!.at(-1)!.seq;
  for (const c of chats) {
    const events = stored.get(c.chatId)!;
    const acks = new Map([...c.visitor.acks, ...[...c.owner.acks].flatMap(([id, a]) => (a.chatId === c.chatId ? [[id, a.seq] as const] : []))]);
    checkChat(t, c.label, events, {acks, sent: sent[c.chatId]!});
    t.same(events.filter((e) => e.kind !== 'msg' && e.kind !== 'join'), [], `${c.label}: nobody left or was released through the restarts`);
    await c.visitor.until(() => c.visitor.lastSeq === lastOf(c.chatId));
    t.same([...c.visitor.shown.values()].sort((a, b) => a.seq - b.seq), events.filter((e) => !e.priv), `${c.label}: the visitor has every event once`);
    await c.owner.until(() => c.owner.events(c.chatId).at(-1)?.seq === lastOf(c.chatId));
    t.same(c.owner.events(c.chatId), events, `${c.label}: ${c.owner.name} has every event once`);
  }
  const opAcks = new Map(Object.values(ops).flatMap((op) => [...op.acks].flatMap(([id, a]) => (a.chatId === between ? [[id, a.seq] as const] : []))));
  checkChat(t, 'alice and bob', stored.get(between)!, {acks: opAcks, sent: sent[between]!});
  for (const op of Object.values(ops)) {
    await op.until(() => op.events(between).at(-1)?.seq === lastOf(between));
    t.same(op.events(between), stored.get(between), `${op.name} has every event of alice and bob's chat once`);
  }
  t.same(peers.flatMap((p) => p.problems), [], 'no frame off the protocol, no event that came twice differently');
  t.same([...visitors.flatMap((v) => v.frames.filter((f) => f.t === 'error')), ...Object.values(ops).flatMap((op) => op.errors())], [], 'nothing was refused');
  t.same(started.flatMap((h) => h.stderr().split('\n').filter((l) => /error handling|visitor left|release |offers of/.test(l))), [], 'no hub failed at anything');

  const last = started.at(-1)!;
  last.child.kill('SIGTERM');
  t.equal(await last.exited, 0, 'the last hub stops cleanly');
});
