// End to end: acked messages per second through a real hub (WebSocket, validation, journal),
// with many visitors chatting at once. Printed, never asserted.
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import WebSocket from 'ws';
import {addOperator} from '../dist/accounts/operators.js';
import {addSite, updateSite} from '../dist/accounts/sites.js';
import {limitNames} from '../dist/protocol/limits.js';
import {startHub} from '../dist/hub/server.js';
import {openStore} from '../dist/cli/common.js';

const VISITORS = 200;
const EACH = 25;

function client(url, options) {
  const ws = new WebSocket(url, options);
  const waiters = [];
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString());
    for (const w of [...waiters]) if (w.match(frame)) waiters.splice(waiters.indexOf(w), 1), w.resolve(frame);
  });
  const next = (match) => new Promise((resolve) => waiters.push({match, resolve}));
  return new Promise((resolve) => ws.once('open', () => resolve({ws, next, send: (f) => ws.send(JSON.stringify(f))})));
}

const dir = await mkdtemp(join(tmpdir(), 'cac-hub-bench-'));
const store = await openStore({data: dir});
await addSite(store, 'example.com');
// One address posing as many visitors: the abuse limits are raised out of the way.
await updateSite(store, 'example.com', {limits: Object.fromEntries(limitNames.map((n) => [n, 1_000_000]))});
const {token} = await addOperator(store, 'alice');
const hub = await startHub({dataDir: dir, port: 0});
const ws = hub.url.replace('http', 'ws');
const op = await client(`${ws}/ws/operator`, {headers: {authorization: `Bearer ${token}`, 'x-cac-operator': 'alice'}});
op.send({t: 'hello', v: 1});
await op.next((f) => f.t === 'ready');

const visitors = [];
for (let i = 0; i < VISITORS; i++) {
  const v = await client(`${ws}/ws/visitor?site=example.com`, {origin: 'https://example.com'});
  v.send({t: 'hello', v: 1, site: 'example.com', page: {url: 'https://example.com/', title: 'Home'}});
  await v.next((f) => f.t === 'welcome');
  v.send({t: 'chat.request', id: `req-${i}-xxxxxxxx`, text: 'hello'});
  const {chatId} = await v.next((f) => f.t === 'chat.queued');
  op.send({t: 'chat.accept', chatId});
  await v.next((f) => f.t === 'ev' && f.e.kind === 'join');
  visitors.push(v);
}
const start = process.hrtime.bigint();
await Promise.all(
  visitors.map(async (v, i) => {
    for (let n = 0; n < EACH; n++) {
      const id = `m-${i}-${n}-xxxxxxxx`;
      const acked = v.next((f) => f.t === 'ack' && f.id === id);
      v.send({t: 'msg', id, text: `message ${n} from visitor ${i}`});
      await acked;
    }
  }),
);
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
console.log(`end to end through the hub: ${VISITORS} visitors each sending ${EACH} messages, one at a time after its ack`);
console.log(`acked (durable) messages per second: ${Math.round((VISITORS * EACH) / seconds)} /s`);
for (const v of visitors) v.ws.close();
op.ws.close();
await hub.close();
await rm(dir, {recursive: true, force: true});
