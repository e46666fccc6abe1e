import {randomUUID} from 'node:crypto';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import fc from 'fast-check';
import t from 'tap';
import {addOperator} from '../src/accounts/operators.js';
import {openStore} from '../src/cli/common.js';
import {hubToOperator, hubToVisitor, operatorToHub, PROTOCOL_VERSION, visitorToHub} from '../src/protocol/index.js';
import {resolveRefs, wireFrames, frameTypes, type RefKind, type Wire} from './helpers/frame-arbitraries.js';
import {acceptedChat, seedData, startTestHub} from './helpers/hub.js';
import {Peer, type Frame} from './helpers/peer.js';

// `npm run test:faults -- --frames 100000 --seed 42` fuzzes longer, or replays a failure's seed.
const TARGET = Number(process.env.CAC_FUZZ_FRAMES || 10_000);
const SEED = process.env.CAC_FUZZ_SEED ? Number(process.env.CAC_FUZZ_SEED) : (Date.now() ^ (Math.random() * 2 ** 31)) | 0;
const PER_RUN = 20;
/** How the hub may close a fuzzing socket: we closed it, or it refused a frame too big, a version, junk, a flood. */
const FAIR_CLOSES = new Set([1000, 1005, 1009, 4000, 4002, 4003]);
/** What the hub may log while fuzzed: a frame over the size limit is a socket error of ws's. */
const FAIR_LOG = /^socket error from [\d.]+: Max payload size exceeded$/;

type Side = 'visitor' | 'bob' | 'mallory';
interface Run {
  side: Side;
  /** null: no hello first; else a hello, maybe resuming a visitor seen before. */
  hello: {resume: number | null; page: boolean} | null;
  frames: Wire[];
}

t.test(`${TARGET} fuzzed frames on both sockets: no crash, no internal error, no leak, the control chat carries on`, async (t) => {
  console.error(`# fuzz seed ${SEED} (CAC_FUZZ_SEED=${SEED} replays it)`);
  t.comment(`fuzz seed ${SEED}`);
  const dir = await mkdtemp(join(tmpdir(), 'cac-fuzz-'));
  const tokens = await seedData(dir, ['alice', 'bob'], ['example.com', 'other.com']);
  // mallory works for another site: nothing of example.com's visitors may ever reach her.
  const store = await openStore({data: dir});
  tokens.mallory = (await addOperator(store, 'mallory', {sites: ['other.com']})).token;
  await store.close();
  const log: string[] = [];
  const hub = await startTestHub({dir, log: (line) => log.push(line)});
  t.teardown(async () => {
    await hub.close();
    await rm(dir, {recursive: true, force: true});
  });
  const ws = hub.url.replace('http', 'ws');
  const operator = async (name: string) => Peer.connect(`${ws}/ws/operator`, hubToOperator, {
    headers: {authorization: `Bearer ${tokens[name]}`, 'x-cac-operator': name},
  });

  // The control chat: a visitor whose every word carries a marker, and alice answering.
  const MARKER = `marker-${randomUUID()}`;
  const alice = await operator('alice');
  alice.send({t: 'hello', v: PROTOCOL_VERSION});
  await alice.waitType('ready');
  const control = await hub.visitor({hello: {page: {url: `https://example.com/${MARKER}`, title: MARKER}}});
  control.send({t: 'identify', name: `Ann ${MARKER}`, email: `${MARKER}@example.com`});
  const chatId = await acceptedChat(control, alice, `hello ${MARKER}`);
  const controlId = control.of('welcome')[0]!.visitorId as string;
  const talk = setInterval(() => {
    control.send({t: 'msg', id: control.nextId(), text: `still here ${MARKER}`});
    alice.send({t: 'msg', id: alice.nextId(), chatId, text: 'noted'});
  }, 2000);
  t.teardown(() => clearInterval(talk));

  const known: Record<RefKind, string[]> = {chat: [chatId], visitor: [controlId], token: [], sent: [], canned: [], message: [], operator: ['alice', 'bob', 'mallory', 'nobody']};
  const resumable: Array<{visitorId: string; resumeToken: string}> = [];
  // The first of each list (the control chat, the control visitor) stays; of the rest, the most
  // recent, which are the likeliest to be open still.
  const learn = (list: RefKind, id: unknown) => {
    if (typeof id !== 'string' || known[list].includes(id)) return;
    known[list].push(id);
    if (known[list].length > 30) known[list].splice(1, 1);
  };
  const forget = (list: RefKind, id: string) => {
    const i = known[list].indexOf(id);
    if (i > 0) known[list].splice(i, 1);
  };
  /** Ids the fuzzing peers can aim at next: what the hub told anyone (of chats, the open ones). */
  const learnFrom = (f: Frame) => {
    if (f.t === 'chat.queued' || f.t === 'chat.assigned' || f.t === 'ack') learn('chat', f.chatId);
    if (f.t === 'chat.requested' || f.t === 'chat.update') (f.chat.state === 'ended' ? forget : learn)('chat', f.chat.id);
    if (f.t === 'chat.closed') forget('chat', f.chatId);
    if (f.t === 'welcome' && f.visitorId !== controlId) {
      learn('visitor', f.visitorId);
      resumable.push({visitorId: f.visitorId, resumeToken: f.resumeToken});
    }
    if (f.t === 'canned.list') for (const c of f.canned) learn('canned', c.id);
    if (f.t === 'offline.message') learn('message', f.message.id);
  };

  const problems: string[] = [];
  const seen = new Map<Peer, number>();
  /** Looks at what a peer received since last time. */
  const inspect = (peer: Peer, who: string, watchLeak: boolean) => {
    const frames = peer.frames; // throws if the hub sent a frame off the protocol
    for (const f of frames.slice(seen.get(peer) ?? 0)) {
      const text = JSON.stringify(f);
      if (f.t === 'error' && f.code === 'internal') problems.push(`${who} was answered internal: ${text}`);
      if (watchLeak && text.includes(MARKER)) problems.push(`the control visitor's data reached ${who}: ${text.slice(0, 300)}`);
      learnFrom(f);
    }
    seen.set(peer, frames.length);
    if (peer.closed && !FAIR_CLOSES.has(peer.closed.code)) problems.push(`${who}'s socket closed with ${peer.closed.code} ${peer.closed.reason}`);
  };
  let logSeen = 0;
  const inspectLog = () => {
    for (const line of log.slice(logSeen)) if (!FAIR_LOG.test(line)) problems.push(`hub log: ${line.slice(0, 500)}`);
    logSeen = log.length;
  };

  const operators = new Map<Side, Peer>();
  const lingering: Peer[] = [];
  let sockets = 0;
  const open = async (run: Run): Promise<Peer> => {
    if (run.side !== 'visitor') {
      let peer = operators.get(run.side);
      if (!peer || peer.closed) operators.set(run.side, (peer = await operator(run.side)));
      if (run.hello) peer.send({t: 'hello', v: PROTOCOL_VERSION});
      return peer;
    }
    // Each visitor socket from its own loopback address, so one fuzzed block does not stop the rest.
    const peer = await Peer.connect(`${ws}/ws/visitor?site=example.com`, hubToVisitor, {
      origin: 'https://example.com',
      localAddress: `127.0.0.${2 + (sockets++ % 250)}`,
    });
    if (run.hello) {
      const again = run.hello.resume === null || resumable.length === 0 ? {} : resumable[run.hello.resume % resumable.length];
      const page = run.hello.page ? {page: {url: 'https://example.com/fuzz', title: 'Fuzz'}} : {};
      peer.send({t: 'hello', v: PROTOCOL_VERSION, site: 'example.com', ...again, ...page});
    }
    return peer;
  };

  const types = {visitor: frameTypes(visitorToHub), operator: frameTypes(operatorToHub)};
  const made = {visitor: new Set<string>(), operator: new Set<string>()};
  const valid = {visitor: new Set<string>(), operator: new Set<string>()};
  let sent = 0;

  const hello = fc.oneof({weight: 9, arbitrary: fc.record({resume: fc.option(fc.nat(), {freq: 3}), page: fc.boolean()})}, fc.constant(null));
  const runOf = (side: Side) =>
    fc.record({side: fc.constant(side), hello, frames: fc.array(wireFrames(side === 'visitor' ? visitorToHub : operatorToHub), {minLength: PER_RUN, maxLength: PER_RUN})});
  const runs = fc.oneof({weight: 2, arbitrary: runOf('visitor')}, runOf('bob'), runOf('mallory'));

  const property = fc.asyncProperty(runs, async (run: Run) => {
    const kind = run.side === 'visitor' ? 'visitor' : 'operator';
    const schema = kind === 'visitor' ? visitorToHub : operatorToHub;
    const watchLeak = run.side !== 'bob';
    let peer = await open(run);
    for (const wire of run.frames) {
      // A socket the hub closed (a frame too big, junk) is opened again for the rest.
      if (peer.closed || peer.ws.readyState !== peer.ws.OPEN) {
        inspect(peer, run.side, watchLeak);
        peer = await open(run);
      }
      if ('binary' in wire) peer.ws.send(wire.binary);
      else {
        const text = resolveRefs(wire.text, known);
        peer.ws.send(text);
        made[kind].add(wire.t ?? '');
        const parsed = (() => {
          try {
            return schema.safeParse(JSON.parse(text));
          } catch {
            return undefined;
          }
        })();
        if (parsed?.success) {
          valid[kind].add(parsed.data.t);
          if ('id' in parsed.data) learn('sent', parsed.data.id);
        }
      }
      sent++;
    }
    // Everything sent is handled before the ping is answered (frames are taken in order).
    if (!peer.closed) {
      const from = peer.frames.length;
      peer.send({t: 'ping'});
      const deadline = Date.now() + 30_000;
      const answered = () => peer.frames.slice(from).some((f) => f.t === 'pong' || (f.t === 'error' && f.code === 'hello_first'));
      while (!peer.closed && !answered()) {
        if (Date.now() > deadline) throw new Error(`${run.side}: the hub did not answer a ping within 30 s`);
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    // The last few visitors stay on the page a while, so their chats are open for bob to take
    // and to act on (a visitor gone past the grace period has ended its chat).
    if (run.side === 'visitor') lingering.push(peer);
    if (lingering.length > 8) {
      const gone = lingering.shift()!;
      inspect(gone, 'visitor', true);
      gone.close();
    }
    for (const p of lingering) inspect(p, 'visitor', true);
    for (const [side, p] of operators) inspect(p, side, side !== 'bob');
    inspect(alice, 'alice', false);
    inspectLog();
    if (problems.length > 0) throw new Error(problems.join('\n'));
  });

  const numRuns = Math.ceil(TARGET / PER_RUN);
  const details = await fc.check(property, {seed: SEED, numRuns, endOnFailure: true});
  if (details.failed) {
    // What went wrong first, then the seed and path that replay the run, then the run (cut: frames can be 64 KiB).
    const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    const replay = `seed ${details.seed}, path "${details.counterexamplePath}" (CAC_FUZZ_SEED=${details.seed} replays it)`;
    t.fail(`fuzzing failed after ${details.numRuns} runs: ${error}\n${replay}\nthe run: ${fc.stringify(details.counterexample).slice(0, 3000)}`);
  }
  t.ok(sent >= TARGET, `${sent} frames sent`);
  for (const kind of ['visitor', 'operator'] as const) {
    t.same([...made[kind]].filter((x) => x).sort(), [...types[kind]].sort(), `every ${kind} frame type was generated`);
    t.same([...valid[kind]].sort(), [...types[kind]].sort(), `every ${kind} frame type was sent valid, to reach its handler`);
  }

  // The control chat still works both ways, and was never touched.
  clearInterval(talk);
  control.send({t: 'msg', id: control.nextId(), text: `after the fuzzing ${MARKER}`});
  await alice.waitType('ev', (f) => f.chatId === chatId && f.e.text === `after the fuzzing ${MARKER}`);
  alice.send({t: 'msg', id: alice.nextId(), chatId, text: 'still answering'});
  await control.waitType('ev', (f) => f.e.text === 'still answering');
  const chat = (await hub.hub.chats.get(chatId))!.chat;
  t.match(chat, {state: 'active', owner: 'alice'}, 'the control chat is still active and alice has it');
  t.same(control.of('error'), [], 'the control visitor was never refused anything');
  for (const p of lingering) inspect(p, 'visitor', true);
  for (const [side, p] of operators) inspect(p, side, side !== 'bob');
  inspect(alice, 'alice', false);
  inspectLog();
  t.same(problems, [], 'no internal error, no leak, nothing in the hub log');
});
