// The load client holding every operator (a child process, driven by the parent over IPC).
// Each operator accepts the chats the parent assigns it and, during a step, sends its share of
// the operator messages round-robin over its chats. Operators are interleaved, so each one's
// rate is the process rate divided by their number (kept under the hub's 200 frames/s a socket).

import WebSocket from 'ws';
import {nowMs, sleep} from './clock.js';
import {FROM_VISITOR, isError, isEv, operatorMsg, operatorMsgPrefix, typeOf} from './frames.js';
import {serve} from './ipc.js';
import {openFileLimit} from './machine.js';
import {pace} from './pacer.js';
import {Recorder} from './recorder.js';

/** The hub allows a burst of 400 frames a socket, then 200 a second: accepts stay well under. */
const ACCEPTS_PER_SECOND = 100;

let config;
let ops = [];
/** Every (operator, chat) pair, interleaved by operator: the round-robin order of sends. */
let pairs = [];
let cursor = 0;
let counter = 0;
const recorder = new Recorder(FROM_VISITOR);

function onFrame(op, buf) {
  if (isEv(buf)) {
    recorder.onEvent(buf);
    return;
  }
  if (isError(buf)) {
    recorder.onError(buf);
    return;
  }
  // Everything else (presence, rings, chat lists) is only looked at until `ready`.
  if (!op.ready && typeOf(buf) === 'ready') {
    op.ready = true;
    op.wake?.();
  }
}

/** Connects one operator and waits for `ready` (false on refusal or timeout). */
function open(op, timeoutMs) {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://${config.host}:${op.port}/ws/operator`, {
      localAddress: config.localAddress,
      perMessageDeflate: false,
      handshakeTimeout: timeoutMs,
      headers: {authorization: `Bearer ${op.token}`, 'x-cac-operator': op.name},
    });
    op.ws = ws;
    op.ready = false;
    const timer = setTimeout(() => done(false), timeoutMs);
    const done = (ok) => {
      clearTimeout(timer);
      op.wake = undefined;
      resolve(ok);
    };
    op.wake = () => done(true);
    ws.on('open', () => ws.send('{"t":"hello","v":1}'));
    ws.on('message', (data) => onFrame(op, data));
    ws.on('unexpected-response', (_req, res) => {
      op.refused = res.statusCode;
      done(false);
    });
    ws.on('error', () => done(false));
    ws.on('close', () => {
      if (op.ws === ws) op.ready = false;
    });
  });
}

function sendOne(stamp) {
  for (let tries = 0; tries < pairs.length; tries++) {
    const pair = pairs[cursor];
    cursor = cursor + 1 === pairs.length ? 0 : cursor + 1;
    if (pair.op.ready && pair.op.ws.readyState === 1) {
      pair.op.ws.send(operatorMsg(pair.prefix, counter++, stamp));
      recorder.sentTotal++;
      return true;
    }
  }
  return false;
}

serve({
  async init(arg) {
    config = arg;
    // Each operator on the server's port, or on a port of its own (one of several hubs).
    ops = arg.operators.map(({name, token, port = arg.port}) => ({name, token, port, chats: [], ws: undefined, ready: false}));
    return {openFiles: openFileLimit(), pid: process.pid};
  },

  clock: () => nowMs(),

  /** Connects the operators `from` to `to` (all by default); counts every one ready. */
  async connect({timeoutMs, from = 0, to = ops.length}) {
    const started = nowMs();
    await Promise.all(ops.slice(from, to).map((op) => open(op, timeoutMs)));
    const refused = ops.filter((op) => op.refused).map((op) => `${op.name}: HTTP ${op.refused}`);
    return {ready: ops.filter((op) => op.ready).length, refused, ms: nowMs() - started};
  },

  /** `assign` is [operatorIndex, chatId][]; accepts go out paced, per socket. */
  async accept({assign}) {
    for (const [index, chatId] of assign) ops[index].chats.push(chatId);
    const most = Math.max(0, ...ops.map((op) => op.chats.length));
    for (let from = 0; from < most; from += ACCEPTS_PER_SECOND) {
      const started = nowMs();
      for (const op of ops) {
        for (const chatId of op.chats.slice(from, from + ACCEPTS_PER_SECOND)) {
          if (op.ws?.readyState === 1) op.ws.send(JSON.stringify({t: 'chat.accept', chatId}));
        }
      }
      if (from + ACCEPTS_PER_SECOND < most) await sleep(Math.max(0, 1000 - (nowMs() - started)));
    }
    pairs = [];
    for (let k = 0; k < most; k++) {
      for (const op of ops) if (k < op.chats.length) pairs.push({op, prefix: operatorMsgPrefix(op.chats[k])});
    }
    return {chats: pairs.length};
  },

  async step({startAt, endAt, winStart, winEnd, rate}) {
    recorder.window(winStart, winEnd);
    const inWindow = (t) => t >= winStart && t < winEnd;
    return pace({startAt, endAt, rate, send: sendOne, inWindow});
  },

  progress: () => ({sent: recorder.sentTotal, received: recorder.receivedTotal}),

  collect: () => recorder.collect(),

  /** After a server restart, as the operator client does: reconnect and say hello again. */
  async reconnect({at, jitterMs, timeoutMs}) {
    const ok = await Promise.all(
      ops.map(async (op) => {
        await sleep(Math.max(0, at - nowMs()) + Math.random() * jitterMs);
        return open(op, timeoutMs);
      }),
    );
    return {ready: ok.filter(Boolean).length};
  },

  close() {
    for (const op of ops) op.ws?.terminate();
    return true;
  },
});
