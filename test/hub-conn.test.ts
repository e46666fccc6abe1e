import {once} from 'node:events';
import {createServer} from 'node:http';
import type {AddressInfo, Socket} from 'node:net';
import {PassThrough} from 'node:stream';
import t from 'tap';
import WebSocket, {WebSocketServer} from 'ws';
import {Conn, LIST_DELAY_MS, socketOf} from '../src/hub/conn.js';
import {hubToOperator, type HubToOperator} from '../src/protocol/index.js';
import {strictFrame} from './helpers/peer.js';

const afterTheDelay = () => new Promise((r) => setTimeout(r, LIST_DELAY_MS + 200));

/** A WebSocket stand-in that records the frames sent, over a stream standing for its connection. */
function fakeSocket() {
  const sent: string[] = [];
  const buffers: Buffer[] = [];
  const stream = new PassThrough().resume();
  const ws = {
    OPEN: 1,
    readyState: 1,
    send(data: Buffer) {
      sent.push(data.toString());
      buffers.push(data);
      stream.write(data);
    },
    close() {},
  } as unknown as WebSocket;
  socketOf.set(ws, stream);
  return {ws, sent, buffers};
}

type Sent = {t: string; n?: number; updates?: Sent[]};
/** The frames sent, a batch of list updates opened into the updates it holds. */
const unpacked = (sent: string[]) => sent.flatMap((s) => {
  const f = JSON.parse(s) as Sent;
  return f.t === 'visitor.updates' ? f.updates! : [f];
});

t.test('list updates wait a moment and go out together; any other frame sends them first', async (t) => {
  const {ws, sent} = fakeSocket();
  const conn = new Conn<{t: string; n?: number}>(ws, '127.0.0.1', '');
  conn.send({t: 'visitor.update', n: 1});
  conn.send({t: 'visitor.update', n: 2});
  t.same(sent, [], 'held back for a moment');
  conn.send({t: 'ev', n: 3});
  t.same(sent.map((s) => JSON.parse(s).t), ['visitor.updates', 'ev'], 'the two as one frame, then the other');
  t.same(unpacked(sent).map((f) => [f.t, f.n]), [['visitor.update', 1], ['visitor.update', 2], ['ev', 3]], 'in the order they were sent');
  conn.send({t: 'visitor.update', n: 4});
  await afterTheDelay();
  t.same(sent.slice(2).map((s) => JSON.parse(s)), [{t: 'visitor.update', n: 4}], 'one alone goes as itself, after the delay, once');
});

t.test("several sockets' list updates go out at the same moment, as one shared frame; one sent early is not sent twice", async (t) => {
  const a = fakeSocket();
  const b = fakeSocket();
  const c = fakeSocket();
  const [connA, connB, connC] = [a, b, c].map((s) => new Conn<{t: string; n?: number}>(s.ws, '127.0.0.1', ''));
  // As a fan-out sends: the same text to every operator.
  for (const n of [1, 2]) {
    const text = JSON.stringify({t: 'visitor.update', n});
    for (const conn of [connA!, connB!, connC!]) conn.send({t: 'visitor.update', n}, text);
  }
  connB!.send({t: 'ev', n: 3});
  t.same(unpacked(b.sent).map((f) => f.n), [1, 2, 3], "B's went out ahead of its other frame");
  t.same(a.sent, [], "A's still wait");
  connB!.send({t: 'visitor.update', n: 4});
  await afterTheDelay();
  t.same(unpacked(a.sent).map((f) => f.n), [1, 2]);
  t.same(unpacked(c.sent).map((f) => f.n), [1, 2]);
  t.equal(a.buffers[0], c.buffers[0], 'A and C, who gathered the same updates, were sent the same bytes, made once');
  t.same(unpacked(b.sent).map((f) => f.n), [1, 2, 3, 4]);
});

t.test('updates sent together make a frame of the protocol', async (t) => {
  const {ws, sent} = fakeSocket();
  const conn = new Conn<HubToOperator>(ws, '127.0.0.1', '');
  const visitor = {id: 'v1', site: 'example.com', ip: '127.0.0.1', browser: 'Chrome 120', os: 'Linux', pages: 1, since: 1, online: true, chatsBefore: 0};
  conn.send({t: 'visitor.update', visitor});
  conn.send({t: 'visitor.update', visitor: {...visitor, pages: 2}});
  conn.send({t: 'pong'});
  const checked = strictFrame(hubToOperator, sent[0]!);
  t.ok('frame' in checked, 'error' in checked ? checked.error : 'in the protocol');
  t.same('frame' in checked && checked.frame.updates.map((u: {visitor: {pages: number}}) => u.visitor.pages), [1, 2]);
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

/** A real WebSocket server and client on loopback: the server side (recorded as the hub records it) and the client. */
async function connectedPair(t: {teardown(fn: () => unknown): void}): Promise<{ws: WebSocket; socket: Socket; client: WebSocket}> {
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
  const [ws, req] = (await accepted) as [WebSocket, {socket: Socket}];
  socketOf.set(ws, req.socket);
  return {ws, socket: req.socket, client};
}

t.test('a frame sent in parts arrives as one message, before the next frame', async (t) => {
  const {ws, client} = await connectedPair(t);
  const received: string[] = [];
  client.on('message', (data) => received.push(String(data)));
  const conn = new Conn<{t: string; n?: number; list?: number[]}>(ws, '127.0.0.1', '');
  const shared = Buffer.from('"list":[1,2,3]');
  conn.send({t: 'ready', list: [1, 2, 3]}, [Buffer.from('{"t":"ready",'), shared, Buffer.from('}')]);
  conn.send({t: 'ev', n: 1});
  while (received.length < 2) await once(client, 'message');
  t.same(received.map((r) => JSON.parse(r)), [{t: 'ready', list: [1, 2, 3]}, {t: 'ev', n: 1}], 'the parts made one message, before the next frame');
  t.equal(shared.toString(), '"list":[1,2,3]', 'the shared part is left as it was');
});

t.test('what one turn sends to a socket goes out in one write, in order', async (t) => {
  const {ws, socket: connection, client} = await connectedPair(t);
  const received: number[] = [];
  client.on('message', (data) => received.push((JSON.parse(String(data)) as {n: number}).n));
  // Every write reaching the connection (a corked one is a single writev of everything queued).
  let writes = 0;
  const socket = connection as unknown as {_writev: (...a: unknown[]) => unknown; _write: (...a: unknown[]) => unknown};
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
