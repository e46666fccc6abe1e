import {mkdtemp} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import t from 'tap';
import {feedEntry, hubToOperator, hubToVisitor, PROTOCOL_VERSION, type FeedEntry} from '../src/protocol/index.js';
import {EmbeddedStore} from '../src/store/embedded-store.js';
import {consecutive} from './helpers/events.js';
import {seedData, startTestHub} from './helpers/hub.js';
import {Peer} from './helpers/peer.js';
import {freePort, hubProcess, runCac, spawnCac, type Spawned} from './helpers/spawn.js';

/* `cac events` as people run it: the built binary, against a real hub. */

/** Every line of stdout, each parsed as a feed entry (a line that is not one fails the test). */
function lines(out: string): FeedEntry[] {
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => feedEntry.parse(JSON.parse(l)));
}

async function until(check: () => boolean, what: string, seconds = 30): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

t.test('cac events --follow sees every event of a chat once, in order, across a hub SIGKILL and restart', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cac-events-cli-'));
  const tokens = await seedData(dir, ['alice']);
  const port = await freePort();
  const hubs = hubProcess(t, dir, port);
  const first = await hubs.start();
  const url = `http://127.0.0.1:${port}`;
  const ws = `ws://127.0.0.1:${port}`;
  const env = {CAC_TOKEN: tokens.alice, XDG_CONFIG_HOME: dir};
  const events: Spawned = spawnCac(['events', '--follow', '--since', '0', '--hub', url, '--operator', 'alice'], env);
  t.teardown(() => {
    if (events.child.exitCode === null) events.child.kill('SIGKILL');
  });
  const printed = () => lines(events.stdout());

  const auth = {headers: {authorization: `Bearer ${tokens.alice}`, 'x-cac-operator': 'alice'}};
  const connectAlice = async (lastSeq?: Record<string, number>) => {
    const peer = await Peer.connect(`${ws}/ws/operator`, hubToOperator, auth);
    peer.send({t: 'hello', v: PROTOCOL_VERSION, lastSeq});
    await peer.waitType('ready');
    return peer;
  };
  const alice = await connectAlice();
  const visitor = await Peer.connect(`${ws}/ws/visitor?site=example.com`, hubToVisitor, {origin: 'https://example.com'});
  visitor.send({t: 'hello', v: PROTOCOL_VERSION, site: 'example.com', page: {url: 'https://example.com/', title: 'Home'}});
  const welcome = await visitor.waitType('welcome');
  visitor.send({t: 'chat.request', id: visitor.nextId(), text: 'Is anyone there?'});
  const {chatId} = await visitor.waitType('chat.queued');
  alice.send({t: 'chat.accept', chatId});
  await visitor.waitType('ev', (f) => f.e.kind === 'join');

  // alice keeps writing; the hub is killed once some of it is acknowledged, with more to come.
  const sent = Array.from({length: 40}, (_, i) => ({id: `cli-events-${process.pid}-${i}`, text: `answer ${i}`}));
  const acked = new Set<string>();
  const countAcks = (peer: Peer) =>
    peer.ws.on('message', (data) => {
      const f = JSON.parse(data.toString()) as {t: string; id?: string};
      if (f.t === 'ack') acked.add(f.id!);
    });
  countAcks(alice);
  await until(() => printed().some((e) => e.type === 'chat.accepted'), 'cac events to be following');
  const pump = (async () => {
    for (const m of sent) {
      if (alice.ws.readyState === alice.ws.OPEN) alice.send({t: 'msg', chatId, ...m});
      await new Promise((r) => setTimeout(r, 40));
    }
  })();
  await until(() => acked.size >= 10 && printed().some((e) => e.type === 'chat.message' && e.operator === 'alice'), 'ten acks, printed');
  first.child.kill('SIGKILL');
  await first.exited;
  await events.waitFor(/lost the hub .*reconnecting/);
  await pump;
  t.ok(acked.size < sent.length, `killed in the middle: ${acked.size} of ${sent.length} acknowledged`);
  const beforeRestart = printed().length;

  const second = await hubs.start();
  // Both come back as real clients do: alice resends what was not acknowledged, with its ids.
  const again = await connectAlice({[chatId]: 0});
  countAcks(again);
  await again.waitType('synced', (f) => f.chatId === chatId);
  for (const m of sent) if (!acked.has(m.id)) again.send({t: 'msg', chatId, ...m});
  await until(() => acked.size === sent.length, 'every message acknowledged');
  const back = await Peer.connect(`${ws}/ws/visitor?site=example.com`, hubToVisitor, {origin: 'https://example.com'});
  back.send({t: 'hello', v: PROTOCOL_VERSION, site: 'example.com', visitorId: welcome.visitorId, resumeToken: welcome.resumeToken, lastSeq: 0});
  await back.waitType('welcome');
  back.send({t: 'msg', id: back.nextId(), text: 'Thanks, bye'});
  await again.waitType('ev', (f) => f.e.text === 'Thanks, bye');
  again.send({t: 'chat.end', chatId});
  await back.waitType('chat.closed');
  await until(() => printed().some((e) => e.type === 'chat.ended'), 'cac events to print the end of the chat');
  t.ok(printed().length > beforeRestart, 'it went on after the restart');

  events.child.kill('SIGINT');
  t.equal(await events.exited, 0, 'SIGINT ends it with 0');
  again.close();
  back.close();
  second.child.kill('SIGTERM');
  await second.exited;

  const entries = printed();
  t.ok(consecutive(entries), `cursors 1 to ${entries.at(-1)?.cursor}, none skipped, none twice`);
  const store = new EmbeddedStore(dir, {journal: true, log: () => {}});
  await store.open();
  const stored = await store.events(chatId);
  const feed = (await store.feed(0, 10_000)).entries;
  await store.close();
  // alice's client closing after it was stopped may have added one more.
  t.same(entries, feed.slice(0, entries.length), 'what it printed is the feed as stored');
  const ofChat = entries.filter((e): e is Extract<FeedEntry, {seq: number}> => 'chatId' in e && e.chatId === chatId && 'seq' in e);
  t.same(ofChat.map((e) => e.seq), stored.map((e) => e.seq), 'every event of the chat once, in order');
  t.same(ofChat.map((e) => ('event' in e ? e.event : undefined)), stored, 'with the events themselves');
  const answers = ofChat.filter((e) => e.type === 'chat.message' && e.operator === 'alice').map((e) => ('event' in e ? e.event?.text : ''));
  t.same(answers, sent.map((m) => m.text), "alice's forty answers, each once, in the order written");
  t.match(events.stderr(), /reconnecting in [\d.]+ s from cursor \d+/);
});

t.test('cac events prints the history and exits; --type and --site narrow it; mistakes exit 2', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const alice = await hub.operator('alice');
  alice.send({t: 'status', status: 'away'});
  await alice.waitType('operator.update', () => true).catch(() => undefined);
  const visitor = await hub.visitor();
  visitor.send({t: 'page', url: 'https://example.com/b', title: 'B'});
  await alice.waitType('visitor.update', (f) => f.visitor.pages === 2);
  const env = {CAC_TOKEN: hub.tokens.alice, XDG_CONFIG_HOME: hub.dir};
  const cac = (...args: string[]) => runCac(['events', '--hub', hub.url, '--operator', 'alice', ...args], env);

  const all = await cac();
  t.equal(all.code, 0);
  const history = lines(all.stdout);
  t.same(history.map((e) => e.type), ['operator.status', 'operator.status', 'visitor.arrived', 'page.viewed', 'page.viewed']);
  t.ok(consecutive(history));
  t.equal(all.stderr, '', 'nothing on stderr');
  t.same(lines((await cac('--type', 'page.viewed', '--type', 'visitor.arrived')).stdout).map((e) => e.cursor), [3, 4, 5]);
  t.same(lines((await cac('--since', '3')).stdout).map((e) => e.cursor), [4, 5], 'after a cursor');
  t.same(lines((await cac('--since', '1h')).stdout).map((e) => e.cursor), [1, 2, 3, 4, 5], 'from an hour ago');
  t.same(lines((await cac('--since', '2999-01-01')).stdout), [], 'from a date to come');
  t.same(lines((await cac('--site', 'other.example')).stdout), [], 'another site');

  const badDate = await cac('--since', 'last tuesday');
  t.equal(badDate.code, 2, 'a date it cannot read exits 2');
  t.match(badDate.stderr, /argument 'last tuesday' is invalid[^]*Usage: cac events/);
  const badType = await cac('--type', 'chat.nonsense');
  t.equal(badType.code, 2);
  t.match(badType.stderr, /not an event type; one of: visitor.arrived/);
  t.equal((await cac('--frobnicate')).code, 2, 'an unknown flag exits 2');
  const help = await runCac(['events', '--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /Examples:\n {2}cac events --follow/);
  const wrong = await runCac(['events', '--hub', hub.url, '--operator', 'alice'], {CAC_TOKEN: 'wrong', XDG_CONFIG_HOME: hub.dir});
  t.equal(wrong.code, 1);
  t.match(wrong.stderr, /cac: the hub refused this operator name and token/);
  const down = await runCac(['events', '--hub', `http://127.0.0.1:${await freePort()}`, '--operator', 'alice'], env);
  t.equal(down.code, 1);
  t.match(down.stderr, /cac: lost the hub at .*ECONNREFUSED/);
});

t.test('cac events | head: a reader that stops early ends it with 0', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const store = hub.hub.store;
  await Promise.all(Array.from({length: 20_000}, (_, i) => store.appendFeed({type: 'visitor.left', at: i, site: 'example.com', visitorId: `visitor-${i}`})));
  const events = spawnCac(['events', '--hub', hub.url, '--operator', 'alice'], {CAC_TOKEN: hub.tokens.alice, XDG_CONFIG_HOME: hub.dir});
  await until(() => events.stdout().includes('\n'), 'a first line');
  events.child.stdout!.destroy();
  t.equal(await events.exited, 0);
  t.equal(events.stderr(), '');
});
