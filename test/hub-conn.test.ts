import {PassThrough} from 'node:stream';
import t from 'tap';
import type {WebSocket} from 'ws';
import {Conn, socketOf} from '../src/hub/conn.js';

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
  await new Promise((r) => setTimeout(r, 50));
  t.same(sent.map((s) => JSON.parse(s).n), [1, 2, 3, 4], 'and on their own after the delay');
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
  await new Promise((r) => setTimeout(r, 50));
  t.equal(sent.length, 1);
});
