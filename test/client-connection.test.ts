import t from 'tap';
import {Connection, operatorSocketUrl} from '../src/client/connection.js';
import type {Action} from '../src/client/state.js';
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
