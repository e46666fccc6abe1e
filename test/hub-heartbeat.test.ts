import {EventEmitter} from 'node:events';
import t from 'tap';
import type {WebSocket, WebSocketServer} from 'ws';
import {startHeartbeat} from '../src/hub/heartbeat.js';

/** A socket as the heartbeat sees it: pinged, maybe answering, maybe terminated. */
class FakeSocket extends EventEmitter {
  pings = 0;
  terminated = false;
  constructor(
    private readonly answers: boolean,
    private readonly onPing: () => void,
  ) {
    super();
  }
  ping(): void {
    this.pings++;
    this.onPing();
    if (this.answers) queueMicrotask(() => this.emit('pong'));
  }
  terminate(): void {
    this.terminated = true;
    this.emit('close');
  }
}

t.test('the heartbeat pings a slice of the sockets at a time, each once a period, and ends one that does not answer', async (t) => {
  const wss = new EventEmitter();
  // 1 s: ten slices of 100 ms; 40 sockets, four a slice, however they arrived.
  const stop = startHeartbeat(wss as unknown as WebSocketServer, 1000);
  t.teardown(stop);
  // The heartbeat's timer never holds a process open; this test's must.
  const awake = setInterval(() => {}, 1000);
  t.teardown(() => clearInterval(awake));
  let tick: (() => void) | undefined;
  const onPing = () => {
    const done = tick;
    tick = undefined;
    // Read once the slice is done: its pings are sent in one go.
    if (done) queueMicrotask(done);
  };
  const sockets = Array.from({length: 40}, (_, i) => new FakeSocket(i !== 7, onPing));
  for (const ws of sockets) wss.emit('connection', ws as unknown as WebSocket);
  const total = () => sockets.reduce((n, s) => n + s.pings, 0);

  await new Promise<void>((resolve) => (tick = resolve));
  t.equal(total(), 4, 'the first turn pinged one slice, not every socket');

  // A whole period: every socket pinged once.
  while (sockets.some((s) => s.pings === 0)) await new Promise<void>((resolve) => (tick = resolve));
  t.ok(sockets.every((s) => s.pings === 1), 'each pinged once in the period');
  t.equal(sockets[7]!.terminated, false, 'not yet: it has had one period to answer');

  // Its next turn: the one that never answered is ended; the others are pinged again.
  while (!sockets[7]!.terminated || sockets.some((s, i) => i !== 7 && s.pings < 2)) await new Promise<void>((resolve) => (tick = resolve));
  t.equal(sockets[7]!.pings, 1, 'ended, not pinged again');
  t.ok(sockets.every((s, i) => i === 7 || (s.pings === 2 && !s.terminated)), 'the others answered and stay');
});
