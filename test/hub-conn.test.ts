import {once} from 'node:events';
import {createServer} from 'node:http';
import type {AddressInfo, Socket} from 'node:net';
import {PassThrough} from 'node:stream';
import t from 'tap';
import WebSocket, {WebSocketServer} from 'ws';
import {Conn, LIST_DELAY_MS, socketOf} from '../src/hub/conn.js';

const afterTheDelay = () => new Promise((r) => setTimeout(r, LIST_DELAY_MS + 200));

/** A WebSocket stand-in that records the frames sent, over a stream standing for its connection. */
function fakeSocket() {
  const sent: string[] = [];
  const stream = new PassThrough().resume();
  const ws = {
    OPEN: 1,
    readyState: 1,
    send(data: Buffer) {
      sent.push(data.toString());
      stream.write(data);
    },
    close() {},
  } as unknown as WebSocket;
  socketOf.set(ws, stream);
  return {ws, sent};
}

t.test('list updates wait a moment and go out together; any other frame sends them first', async (t) => {
  const {ws, sent} = fakeSocket();
  const conn = new Conn<{t: string; n?: number}>(ws, '127.0.0.1', '');
  conn.send({t: 'visitor.update', n: 1});
  conn.send({t: 'visitor.update', n: 2});
  t.same(sent, [], 'held back for a moment');
  conn.send({t: 'ev', n: 3});
  t.same(sent.map((s) => JSON.parse(s).n), [1, 2, 3], 'in the order they were sent');
  conn.send({t: 'visitor.update', n: 4});
  await afterTheDelay();
  t.same(sent.map((s) => JSON.parse(s).n), [1, 2, 3, 4], 'and on their own after the delay, once');
});

t.test("several sockets' list updates go out at the same moment; one sent early is not sent twice", async (t) => {
  const a = fakeSocket();
  const b = fakeSocket();
  const connA = new Conn<{t: string; n?: number}>(a.ws, '127.0.0.1', '');
  const connB = new Conn<{t: string; n?: number}>(b.ws, '127.0.0.1', '');
  connA.send({t: 'visitor.update', n: 1});
  connB.send({t: 'visitor.update', n: 2});
  connB.send({t: 'ev', n: 3});
  t.same(b.sent.map((s) => JSON.parse(s).n), [2, 3], "B's went out ahead of its other frame");
  t.same(a.sent, [], "A's still wait");
  connB.send({t: 'visitor.update', n: 4});
  await afterTheDelay();
  t.same(a.sent.map((s) => JSON.parse(s).n), [1]);
  t.same(b.sent.map((s) => JSON.parse(s).n), [2, 3, 4]);
});

t.test('a closed socket is sent nothing, and closing sends what waited', async (t) => {
  const {ws, sent} = fakeSocket();
  const conn = new Conn<{t: string}>(ws, '127.0.0.1', '');
  conn.send({t: 'visitor.update'});
  conn.close(1000, 'bye');
  t.equal(sent.length, 1);
  (ws as unknown as {readyState: number}).readyState = 3;
  conn.send({t: 'visitor.update'});
  conn.send({t: 'ev'});
  await afterTheDelay();
  t.equal(sent.length, 1);
});

t.test('what one turn sends to a socket goes out in one write, in order', async (t) => {
  const server = createServer();
  const wss = new WebSocketServer({server});
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    wss.close();
    server.close();
  });
  const accepted = once(wss, 'connection');
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  t.teardown(() => client.terminate());
  const received: number[] = [];
  client.on('message', (data) => received.push((JSON.parse(String(data)) as {n: number}).n));
  const [ws, req] = (await accepted) as [WebSocket, {socket: Socket}];
  socketOf.set(ws, req.socket);
  // Every write reaching the connection (a corked one is a single writev of everything queued).
  let writes = 0;
  const socket = req.socket as unknown as {_writev: (...a: unknown[]) => unknown; _write: (...a: unknown[]) => unknown};
  for (const name of ['_writev', '_write'] as const) {
    const real = socket[name].bind(socket);
    socket[name] = (...a: unknown[]) => {
      writes++;
      return real(...a);
    };
  }
  const conn = new Conn<{t: string; n: number}>(ws, '127.0.0.1', '');
  conn.send({t: 'ev', n: 1});
  conn.send({t: 'ack', n: 2});
  await Promise.resolve();
  conn.send({t: 'ev', n: 3});
  t.equal(writes, 0, 'nothing written while the turn goes on');
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(writes, 1, 'three frames, one write');
  conn.send({t: 'ev', n: 4});
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(writes, 2, 'the next turn writes again');
  while (received.length < 4) await once(client, 'message');
  t.same(received, [1, 2, 3, 4], 'each frame arrives once, in order');
});
