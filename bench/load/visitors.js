// A load client holding a share of the visitors (a child process, driven by the parent over
// IPC). Its sockets all leave from one source address of its own (127.0.0.N): one address has
// about 28,000 ephemeral ports and one process can hold only so many open files, so visitors are
// spread over several clients. Visitors send at most 0.6 messages a second each (the hub allows
// 40 a minute), round-robin, so the process rate is the sum of theirs.

import WebSocket from 'ws';
import {nowMs, sleep} from './clock.js';
import {FROM_OPERATOR, isError, isEv, seqOf, typeOf, visitorMsg} from './frames.js';
import {serve} from './ipc.js';
import {openFileLimit} from './machine.js';
import {pace} from './pacer.js';
import {Recorder} from './recorder.js';

const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36';
const JOIN = Buffer.from('"kind":"join"');

/** Where each visitor is: only READY ones (chat accepted) send. */
const NONE = 0;
const WELCOMED = 1;
const QUEUED = 2;
const READY = 3;
const DROPPED = 4;

let config;
let count = 0;
let sockets = [];
let state;
let lastSeq;
let visitorIds = [];
let tokens = [];
let hadChat;
let chatIds = [];
let counter = 0;
let cursor = 0;
const recorder = new Recorder(FROM_OPERATOR);
/** Resolvers waiting for a visitor to reach a state (welcome, chat.queued, join). */
let waiters = [];

function wake(i) {
  const w = waiters[i];
  if (w) {
    waiters[i] = undefined;
    w();
  }
}

function untilWoken(i, timeoutMs) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      waiters[i] = undefined;
      resolve(false);
    }, timeoutMs);
    waiters[i] = () => {
      clearTimeout(timer);
      resolve(true);
    };
  });
}

/** Every frame of visitor i. The common case (an event during a step) is tested first. */
function onFrame(i, buf) {
  if (isEv(buf)) {
    const seq = seqOf(buf);
    if (seq > lastSeq[i]) lastSeq[i] = seq;
    if (state[i] === READY) recorder.onEvent(buf);
    else if (state[i] === QUEUED && buf.includes(JOIN)) {
      state[i] = READY;
      hadChat[i] = 1;
      wake(i);
    }
    return;
  }
  if (isError(buf)) {
    recorder.onError(buf);
    return;
  }
  const t = typeOf(buf);
  if (t === 'welcome') {
    const f = JSON.parse(buf.toString());
    visitorIds[i] = f.visitorId;
    tokens[i] = f.resumeToken;
    state[i] = hadChat[i] ? READY : WELCOMED;
    wake(i);
  } else if (t === 'chat.queued') {
    chatIds[i] = JSON.parse(buf.toString()).chatId;
    state[i] = QUEUED;
    wake(i);
  }
}

/** Opens visitor i's socket and says hello (a first page view, or a resume after a restart). */
function open(i, timeoutMs) {
  const url = `ws://${config.host}:${config.port}/ws/visitor?site=${encodeURIComponent(config.site)}`;
  const ws = new WebSocket(url, {
    origin: `https://${config.site}`,
    localAddress: config.localAddress,
    perMessageDeflate: false,
    handshakeTimeout: timeoutMs,
    headers: {'user-agent': UA},
  });
  sockets[i] = ws;
  const welcomed = untilWoken(i, timeoutMs);
  let openedAt = 0;
  ws.on('open', () => {
    openedAt = nowMs();
    const hello = visitorIds[i]
      ? {t: 'hello', v: 1, site: config.site, visitorId: visitorIds[i], resumeToken: tokens[i], lastSeq: lastSeq[i]}
      : {t: 'hello', v: 1, site: config.site, page: {url: `https://${config.site}/products/${i}`, title: 'Product'}};
    ws.send(JSON.stringify(hello));
  });
  ws.on('message', (data) => onFrame(i, data));
  ws.on('error', () => {});
  ws.on('close', () => {
    if (sockets[i] !== ws) return;
    state[i] = DROPPED;
    wake(i);
  });
  return welcomed.then((ok) => ({ok: ok && state[i] !== DROPPED, openedAt, welcomedAt: nowMs()}));
}

/** Runs `task(i)` for every visitor in `indexes`, at most `concurrency` at a time. */
async function eachLimited(indexes, concurrency, task) {
  let next = 0;
  const results = new Array(indexes.length);
  const worker = async () => {
    while (next < indexes.length) {
      const k = next++;
      results[k] = await task(indexes[k]);
    }
  };
  await Promise.all(Array.from({length: Math.min(concurrency, indexes.length)}, worker));
  return results;
}

const all = () => Array.from({length: count}, (_, i) => i);

/** One message from the next ready visitor, round-robin, so each sends at the same pace. */
function sendOne(stamp) {
  for (let tries = 0; tries < count; tries++) {
    const i = cursor;
    cursor = cursor + 1 === count ? 0 : cursor + 1;
    if (state[i] === READY && sockets[i].readyState === 1) {
      sockets[i].send(visitorMsg(counter++, stamp));
      recorder.sentTotal++;
      return true;
    }
  }
  return false;
}

serve({
  async init(arg) {
    config = arg;
    count = arg.count;
    sockets = new Array(count);
    state = new Uint8Array(count);
    hadChat = new Uint8Array(count);
    lastSeq = new Float64Array(count);
    visitorIds = new Array(count);
    tokens = new Array(count);
    chatIds = new Array(count);
    waiters = new Array(count);
    return {openFiles: openFileLimit(), pid: process.pid};
  },

  clock: () => nowMs(),

  async connect({concurrency, timeoutMs}) {
    const started = nowMs();
    const results = await eachLimited(all(), concurrency, (i) => open(i, timeoutMs));
    return {welcomed: results.filter((r) => r.ok).length, ms: nowMs() - started};
  },

  /** Every welcomed visitor asks for a chat; resolves with the chat ids the server gave. */
  async request({concurrency, timeoutMs}) {
    const welcomed = all().filter((i) => state[i] === WELCOMED);
    await eachLimited(welcomed, concurrency, (i) => {
      const queued = untilWoken(i, timeoutMs);
      sockets[i].send(JSON.stringify({t: 'chat.request', id: `rq${config.index}x${1e9 + i}`, text: 'Hello, I have a question'}));
      return queued;
    });
    return {chats: all().filter((i) => state[i] === QUEUED).map((i) => chatIds[i])};
  },

  /** Waits (bounded) until every queued visitor has seen an operator join. */
  async joined({timeoutMs}) {
    const deadline = nowMs() + timeoutMs;
    while (nowMs() < deadline && state.some((s) => s === QUEUED)) await sleep(50);
    return {ready: state.filter((s) => s === READY).length, waiting: state.filter((s) => s === QUEUED).length};
  },

  ready: () => state.filter((s) => s === READY).length,

  /** Sends at `rate` (this process's share) from startAt to endAt; measures [winStart, winEnd). */
  async step({startAt, endAt, winStart, winEnd, rate}) {
    recorder.window(winStart, winEnd);
    const inWindow = (t) => t >= winStart && t < winEnd;
    return pace({startAt, endAt, rate, send: sendOne, inWindow});
  },

  progress: () => ({sent: recorder.sentTotal, received: recorder.receivedTotal}),

  collect: () => recorder.collect(),

  dropped: () => state.filter((s) => s === DROPPED).length,

  /**
   * After the server restarted: every dropped visitor reconnects at `at` plus a random jitter,
   * and says hello with its id, resume secret and last seq, as the widget does. A refused or
   * reset connection (a full accept queue, say) is tried again after a short random pause, as
   * the widget would, until `timeoutMs` has passed.
   */
  async reconnect({at, jitterMs, timeoutMs}) {
    const dropped = all().filter((i) => state[i] === DROPPED);
    recorder.window(0, 0); // so the errors returned are the resume's own
    const deadline = at + timeoutMs;
    let retries = 0;
    const results = await Promise.all(
      dropped.map(async (i) => {
        await sleep(Math.max(0, at - nowMs()) + Math.random() * jitterMs);
        for (;;) {
          state[i] = NONE;
          const r = await open(i, Math.max(1000, deadline - nowMs()));
          if (r.ok || nowMs() > deadline) return r;
          retries++;
          await sleep(200 + Math.random() * 300);
        }
      }),
    );
    const ok = results.filter((r) => r.ok);
    return {
      dropped: dropped.length,
      welcomed: ok.length,
      retries,
      errors: recorder.collect().errors,
      welcomeTimes: ok.map((r) => r.welcomedAt),
    };
  },

  close() {
    for (const ws of sockets) ws?.terminate();
    return true;
  },
});
