import {appendFile} from 'node:fs/promises';
import type {AddressInfo} from 'node:net';
import {join} from 'node:path';
import t from 'tap';
import {WebSocketServer, type WebSocket} from 'ws';
import {Connection, operatorSocketUrl} from '../src/client/connection.js';
import {resumeSeq} from '../src/client/pane-events.js';
import {initialState, type Action} from '../src/client/state.js';
import {createStore} from '../src/client/store.js';
import {opChatId} from '../src/protocol/index.js';
import {startTestHub} from './helpers/hub.js';

async function until(what: string, check: () => boolean, seconds = 20): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

t.test('operator socket URLs from what people type', async (t) => {
  t.equal(operatorSocketUrl('http://127.0.0.1:8080'), 'ws://127.0.0.1:8080/ws/operator');
  t.equal(operatorSocketUrl('https://chat.example.com/'), 'wss://chat.example.com/ws/operator');
  t.equal(operatorSocketUrl('chat.example.com:8080'), 'ws://chat.example.com:8080/ws/operator');
  t.equal(operatorSocketUrl('wss://chat.example.com/cac/ws/operator'), 'wss://chat.example.com/cac/ws/operator');
  t.equal(operatorSocketUrl('https://example.com/cac'), 'wss://example.com/cac/ws/operator');
});

t.test('a chat resumes after the last event of the unbroken run from seq 1, so a lost event is replayed', async (t) => {
  const of = (...seqs: number[]) => seqs.map((seq) => ({seq}));
  t.equal(resumeSeq(of()), 0);
  t.equal(resumeSeq(of(1, 2, 3)), 3);
  t.equal(resumeSeq(of(1, 2, 4, 5)), 2, 'a live event overtook the one a cut lost');
  t.equal(resumeSeq(of(3, 4)), 0, 'the start never came');
});

t.test('connects, queues messages while the hub is away and resends them with the same id', async (t) => {
  const first = await startTestHub();
  const {port, dir, tokens} = first;
  const actions: Action[] = [];
  const conn = new Connection({
    hub: first.url,
    operator: 'alice',
    token: tokens.alice!,
    dispatch: (a) => actions.push(a),
    lastSeq: () => ({}),
    minDelayMs: 50,
    maxDelayMs: 200,
  });
  t.teardown(() => conn.stop());
  conn.start();
  await until('ready', () => actions.some((a) => a.type === 'hub' && a.frame.t === 'ready'));
  t.ok(actions.some((a) => a.type === 'conn' && a.status === 'connected'));

  await first.close();
  await until('disconnected', () => actions.some((a) => a.type === 'conn' && a.status === 'disconnected'));
  const down = actions.find((a) => a.type === 'conn' && a.status === 'disconnected');
  t.ok(down?.type === 'conn' && down.retryAt! > 0, 'the status line can say when it retries');
  t.equal(conn.send({t: 'status', status: 'away'}), false, 'a plain frame cannot go while disconnected');
  t.equal(conn.send({t: 'op.msg', id: 'queued-000001', to: 'bob', text: 'sent while away'}), true, 'a message is queued');
  t.equal(conn.unacked, 1);

  const second = await startTestHub({dir, port});
  t.teardown(() => second.close());
  await until('the queued message acked', () => conn.unacked === 0);
  const acks = actions.filter((a) => a.type === 'hub' && a.frame.t === 'ack');
  t.equal(acks.length, 1);
  const events = await second.hub.store.events('op~alice~bob');
  t.equal(events.filter((e) => e.id === 'queued-000001').length, 1, 'stored once');
});

t.test('a wrong token is reported, and retried with backoff', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const actions: Action[] = [];
  const conn = new Connection({hub: hub.url, operator: 'alice', token: 'wrong', dispatch: (a) => actions.push(a), lastSeq: () => ({}), minDelayMs: 50, random: () => 0.5});
  t.teardown(() => conn.stop());
  conn.start();
  await until('an error', () => actions.some((a) => a.type === 'conn' && a.status === 'disconnected'));
  const down = actions.find((a) => a.type === 'conn' && a.status === 'disconnected');
  t.match(down, {error: /refused the operator name or token/});
});

t.test('a message typed before the hub answers hello goes after the older unacked ones, in order', async (t) => {
  // A hub of the test's own, which answers hello only when told, to type in that moment.
  const server = new WebSocketServer({port: 0, host: '127.0.0.1'});
  await new Promise((resolve) => server.once('listening', resolve));
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  const got: Array<{t: string; id?: string}> = [];
  let socket: WebSocket | undefined;
  server.on('connection', (ws) => {
    socket = ws;
    ws.on('message', (data) => got.push(JSON.parse(data.toString())));
  });
  const conn = new Connection({
    hub: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    operator: 'alice',
    token: 'secret',
    dispatch: () => {},
    lastSeq: () => ({}),
  });
  t.teardown(() => conn.stop());
  conn.send({t: 'msg', id: 'older-000001', chatId: 'c1', text: 'typed while disconnected'});
  conn.start();
  await until('hello', () => got.some((f) => f.t === 'hello'));
  conn.send({t: 'msg', id: 'newer-000002', chatId: 'c1', text: 'typed as the socket opened'});
  const me = {name: 'alice', displayName: 'alice', status: 'online', connected: true};
  socket!.send(JSON.stringify({t: 'ready', me, hub: 'cac', operators: [], visitors: [], chats: [], messages: [], canned: []}));
  await until('both messages', () => got.filter((f) => f.t === 'msg').length >= 2);
  await new Promise((r) => setTimeout(r, 100));
  t.same(got.map((f) => f.id ?? f.t), ['hello', 'older-000001', 'newer-000002'], 'the older one first, each once');
});

t.test('a replay of an operator chat of 50,000 events reaches the client state in a few hundred steps, each event once', async (t) => {
  const EVENTS = 50_000;
  const first = await startTestHub();
  const {dir, tokens} = first;
  // The chat as operators make it, then the history of years, as the checkpoint writes it.
  const chatId = opChatId('alice', 'bob');
  const alice = await first.operator('alice');
  alice.send({t: 'op.msg', id: 'first-000001', to: 'bob', text: 'hello Bob'});
  await alice.waitType('ack');
  alice.close();
  const made = (await first.hub.store.events(chatId)).length;
  await first.close();
  const lines: string[] = [];
  for (let n = made + 1; n <= EVENTS; n++) {
    const e = {seq: n, at: 1_790_000_000_000 + n, kind: 'msg', from: 'operator', name: n % 2 ? 'Bob' : 'Alice', text: `line ${n}`, id: `h-${n}`};
    lines.push(JSON.stringify({n, e}));
  }
  await appendFile(join(dir, 'chats', `${chatId}.log`), lines.join('\n') + '\n');

  const second = await startTestHub({dir});
  t.teardown(() => second.close());
  // As the client runs (src/client/run.tsx): its one store, fed by the connection.
  const store = createStore(initialState(second.url, 'alice'));
  let steps = 0;
  const conn = new Connection({
    hub: second.url,
    operator: 'alice',
    token: tokens.alice!,
    dispatch: (a) => {
      if (a.type === 'events' || (a.type === 'hub' && a.frame.t === 'ev')) steps += 1;
      store.dispatch(a);
    },
    // A pane whose first event never came (it opened on a new line): the hub replays it all.
    lastSeq: () => ({[chatId]: 0}),
  });
  t.teardown(() => conn.stop());
  conn.start();
  const pane = () => store.getState().panes.find((p) => p.chatId === chatId);
  await until('the whole history', () => pane()?.events.length === EVENTS, 120);
  t.ok(pane()!.events.every((e, i) => e.seq === i + 1), 'every event once, in order');
  // One step a frame made the client copy its history for each: 20 s for these 50,000 events.
  t.ok(steps < EVENTS / 20, `${EVENTS} events reached the state in ${steps} steps`);
});
