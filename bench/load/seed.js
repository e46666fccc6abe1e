// Stored chats for the cold-start figure, made the only way that does not depend on the hub's
// storage format (which is being rewritten): a real hub is driven through the protocol, as
// visitors would. Whoever changes the format may replace seedChats with a direct writer; the
// contract is only this:
//
//   seedChats(dir, count): `dir` is missing or empty; afterwards it is a hub data folder holding
//   site example.com and `count` ended chats (16 per visitor, each a question the visitor asked
//   and then left unanswered), with no hub running on it. Resolves with {ms}.

import {join} from 'node:path';
import WebSocket from 'ws';
import {addOperator, addSite, SITE} from './accounts.js';
import {nowMs} from './clock.js';
import {tempFolder, removeFolder} from './procs.js';
import {freePort, HOST, startServer, stopChild} from './server.js';

const CHATS_PER_VISITOR = 16;
/** Visitors in flight at once: enough to keep the hub busy, few enough not to time out. */
const CONCURRENCY = 200;
/** Source addresses for the many short-lived sockets: closed ones linger in TIME_WAIT. */
const SOURCES = ['127.0.0.20', '127.0.0.21', '127.0.0.22', '127.0.0.23', '127.0.0.24', '127.0.0.25'];
const STEP_TIMEOUT_MS = 30_000;

/** A socket whose frames can be awaited by type; JSON-parsed, as seeding is not measured. */
function connect(url, options) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, {perMessageDeflate: false, handshakeTimeout: STEP_TIMEOUT_MS, ...options});
    const waiting = [];
    ws.on('message', (data) => {
      const f = JSON.parse(data.toString());
      const i = waiting.findIndex((w) => w.types.includes(f.t));
      if (i >= 0) waiting.splice(i, 1)[0].resolve(f);
    });
    ws.on('error', reject);
    ws.on('close', () => {
      for (const w of waiting.splice(0)) w.reject(new Error('closed'));
    });
    ws.next = (...types) =>
      new Promise((res, rej) => {
        const timer = setTimeout(() => rej(new Error(`no ${types.join('/')} within ${STEP_TIMEOUT_MS} ms`)), STEP_TIMEOUT_MS);
        waiting.push({types, resolve: (f) => (clearTimeout(timer), res(f)), reject: (e) => (clearTimeout(timer), rej(e))});
      });
    ws.once('open', () => resolve(ws));
  });
}

/** One visitor: a page view, then a few chats, each asked for and left (no operator answers). */
async function visitor(base, n, chats) {
  const ws = await connect(`${base}/ws/visitor?site=${SITE}`, {origin: `https://${SITE}`, localAddress: SOURCES[n % SOURCES.length]});
  try {
    ws.send(JSON.stringify({t: 'hello', v: 1, site: SITE, page: {url: `https://${SITE}/p/${n}`, title: 'Product'}}));
    await ws.next('welcome');
    for (let c = 0; c < chats; c++) {
      ws.send(JSON.stringify({t: 'chat.request', id: `sq${n}x${1e6 + c}`, text: `Question ${c} from visitor ${n}`}));
      const queued = await ws.next('chat.queued', 'chat.offline', 'error');
      if (queued.t !== 'chat.queued') throw new Error(`chat.request got ${JSON.stringify(queued)}`);
      ws.send(JSON.stringify({t: 'chat.leave'}));
      await ws.next('chat.closed');
    }
  } finally {
    ws.terminate();
  }
}

export async function seedChats(dir, count) {
  const started = nowMs();
  await addSite(dir);
  const operator = await addOperator(dir, 'seeder');
  const logs = tempFolder('seed');
  const port = await freePort();
  const server = await startServer('hub', {port, dir, log: join(logs, 'hub.log')});
  const base = `ws://${HOST}:${port}`;
  let op;
  try {
    // Chats are only queued while an operator is on-line; it never answers, the visitors leave.
    op = await connect(`${base}/ws/operator`, {headers: {authorization: `Bearer ${operator.token}`, 'x-cac-operator': 'seeder'}});
    op.send('{"t":"hello","v":1}');
    await op.next('ready');
    const visitors = Math.ceil(count / CHATS_PER_VISITOR);
    let next = 0;
    const worker = async () => {
      while (next < visitors) {
        const n = next++;
        await visitor(base, n, Math.min(CHATS_PER_VISITOR, count - n * CHATS_PER_VISITOR));
      }
    };
    await Promise.all(Array.from({length: Math.min(CONCURRENCY, visitors)}, worker));
  } finally {
    op?.terminate();
    // SIGTERM: the hub writes everything out and lets go of the folder.
    await stopChild(server.child, 'SIGTERM', 60_000);
    removeFolder(logs);
  }
  return {ms: nowMs() - started};
}
