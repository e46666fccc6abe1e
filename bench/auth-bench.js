// A flood of wrong-token operator logins (50 a second for 10 s, from many addresses) against a
// real hub, while visitors chat: the ack time of their messages during the flood, beside the
// same run with no flood (the baseline, same process tree). Printed, never asserted.
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import WebSocket from 'ws';
import {addOperator} from '../dist/accounts/operators.js';
import {addSite, updateSite} from '../dist/accounts/sites.js';
import {limitNames} from '../dist/protocol/limits.js';
import {startHub} from '../dist/hub/server.js';
import {openStore} from '../dist/cli/common.js';

const SECONDS = 10;
const PER_SECOND = 50;

function client(url, options) {
  const ws = new WebSocket(url, options);
  const waiters = [];
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString());
    for (const w of [...waiters]) if (w.match(frame)) waiters.splice(waiters.indexOf(w), 1), w.resolve(frame);
  });
  const next = (match) => new Promise((resolve) => waiters.push({match, resolve}));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ws, next, send: (f) => ws.send(JSON.stringify(f))}));
    ws.once('error', reject);
  });
}

/** One wrong-token upgrade; resolves with the HTTP status. */
function guess(url, n) {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url}/ws/operator`, {
      headers: {authorization: `Bearer wrong-${n}`, 'x-cac-operator': 'alice', 'x-forwarded-for': `10.9.${(n >> 8) & 255}.${n & 255}`},
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode);
      ws.terminate();
    });
    ws.on('error', () => resolve(0));
    ws.on('open', () => ws.close());
  });
}

async function run(flood) {
  const dir = await mkdtemp(join(tmpdir(), 'cac-auth-bench-'));
  const store = await openStore({data: dir});
  await addSite(store, 'example.com');
  await updateSite(store, 'example.com', {limits: Object.fromEntries(limitNames.map((n) => [n, 1_000_000]))});
  const {token} = await addOperator(store, 'alice');
  const hub = await startHub({dataDir: dir, port: 0, trustProxy: true});
  const url = hub.url.replace('http', 'ws');
  const op = await client(`${url}/ws/operator`, {headers: {authorization: `Bearer ${token}`}});
  op.send({t: 'hello', v: 1});
  await op.next((f) => f.t === 'ready');
  const visitors = [];
  for (let i = 0; i < 4; i++) {
    const v = await client(`${url}/ws/visitor?site=example.com`, {origin: 'https://example.com'});
    v.send({t: 'hello', v: 1, site: 'example.com', page: {url: 'https://example.com/', title: 'Home'}});
    await v.next((f) => f.t === 'welcome');
    v.send({t: 'chat.request', id: `request-${i}`, text: 'hello'});
    const {chatId} = await v.next((f) => f.t === 'chat.queued');
    op.send({t: 'chat.accept', chatId});
    await v.next((f) => f.t === 'ev' && f.e.kind === 'join');
    visitors.push(v);
  }
  let flooding = flood;
  let guesses = 0;
  const floodDone = (async () => {
    while (flooding) {
      const started = Date.now();
      await Promise.all(Array.from({length: PER_SECOND / 10}, () => guess(url, guesses++)));
      await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - started))));
    }
  })();
  const acks = [];
  const until = Date.now() + SECONDS * 1000;
  for (let n = 0; Date.now() < until; n++) {
    const v = visitors[n % visitors.length];
    const id = `message-${n}`;
    const sent = performance.now();
    v.send({t: 'msg', id, text: `message ${n}`});
    await v.next((f) => f.t === 'ack' && f.id === id);
    acks.push(performance.now() - sent);
    // Four visitors, each well under the 40 messages a minute a visitor may send.
    await new Promise((r) => setTimeout(r, 160));
  }
  flooding = false;
  await floodDone;
  for (const v of visitors) v.ws.close();
  op.ws.close();
  await hub.close();
  await rm(dir, {recursive: true, force: true});
  acks.sort((a, b) => a - b);
  const at = (q) => acks[Math.min(acks.length - 1, Math.floor(acks.length * q))];
  return {acks: acks.length, p50: at(0.5), p99: at(0.99), max: acks.at(-1), guesses};
}

const base = await run(false);
const flood = await run(true);
const f = (x) => `${x.toFixed(1)} ms`;
console.log(`auth flood (${PER_SECOND} wrong-token logins/s for ${SECONDS} s): visitor message acks`);
console.log(`  baseline, no flood : ${base.acks} acks, p50 ${f(base.p50)}, p99 ${f(base.p99)}, max ${f(base.max)}`);
console.log(`  during the flood   : ${flood.acks} acks, p50 ${f(flood.p50)}, p99 ${f(flood.p99)}, max ${f(flood.max)} (${flood.guesses} wrong logins; aim p99 < 50 ms)`);
