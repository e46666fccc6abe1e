import WebSocket from 'ws';
import {hubToOperator, parseFrame, PROTOCOL_VERSION, type ChatEvent, type HubToOperator, type OperatorToHub} from '../protocol/index.js';
import type {Action} from './state.js';

export interface ConnectionOptions {
  /** Hub address: http(s)://host:port or ws(s)://host:port[/ws/operator]. */
  hub: string;
  operator: string;
  token: string;
  dispatch: (action: Action) => void;
  /** Last seq seen per open pane, read at each (re)connect so the hub replays only the gap. */
  lastSeq: () => Record<string, number>;
  minDelayMs?: number;
  maxDelayMs?: number;
  random?: () => number;
}

/** The operator socket URL for whatever form of hub address the user typed. */
export function operatorSocketUrl(hub: string): string {
  const withScheme = /^[a-z]+:\/\//i.test(hub) ? hub : `http://${hub}`;
  const url = new URL(withScheme);
  url.protocol = url.protocol === 'https:' || url.protocol === 'wss:' ? 'wss:' : 'ws:';
  if (!url.pathname.endsWith('/ws/operator')) url.pathname = url.pathname.replace(/\/$/, '') + '/ws/operator';
  return url.toString();
}

/** Frames that carry a client-made id and are acked: resent with the same id after a reconnect. */
type Queued = Extract<OperatorToHub, {id: string}>;

const PING_MS = 20_000;
const DEAD_MS = 50_000;

/**
 * One operator socket that keeps itself alive: reconnects with exponential backoff and jitter,
 * says hello with the last seq of every pane (the hub replays what we missed), and keeps every
 * message until the hub acks it, resending it with the same id after a reconnect (the hub stores
 * an id once, so a resend never doubles a line). Knows nothing about React: it only dispatches.
 */
export class Connection {
  private ws?: WebSocket;
  private readonly outbox = new Map<string, Queued>();
  private attempt = 0;
  private stopped = false;
  private retryTimer?: NodeJS.Timeout;
  private pingTimer?: NodeJS.Timeout;
  private lastHeard = 0;
  /** The lastSeq map sent in the current hello. */
  private asked: Record<string, number> = {};
  /** The hub answered this socket's hello (messages go straight out only then). */
  private ready = false;
  /** `ev` frames of one chat read in this turn, dispatched together (see flushEvents). */
  private gathered: {chatId: string; events: ChatEvent[]} | undefined;
  readonly url: string;

  constructor(private readonly options: ConnectionOptions) {
    this.url = operatorSocketUrl(options.hub);
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    this.ws?.close(1000, 'client quit');
  }

  /** Messages not yet acked by the hub (they survive reconnects). */
  get unacked(): number {
    return this.outbox.size;
  }

  /** Sends a frame; returns false when it could not go now and was not queued either. */
  send(frame: OperatorToHub): boolean {
    const open = this.ws?.readyState === WebSocket.OPEN;
    if ('id' in frame) {
      this.outbox.set(frame.id, frame);
      // Until the hub answers hello, a message waits with the older unacked ones and goes out
      // after them: sent now, it would be stored ahead of them, out of the order typed.
      if (open && this.ready) this.ws!.send(JSON.stringify(frame));
      return true;
    }
    if (open) this.ws!.send(JSON.stringify(frame));
    return open;
  }

  private connect(): void {
    const {dispatch, operator, token} = this.options;
    dispatch({type: 'conn', status: 'connecting'});
    const ws = new WebSocket(this.url, {
      headers: {authorization: `Bearer ${token}`, 'x-cac-operator': operator},
      handshakeTimeout: 10_000,
    });
    this.ws = ws;
    this.ready = false;
    let failure: string | undefined;
    ws.on('open', () => {
      this.lastHeard = Date.now();
      this.asked = this.options.lastSeq();
      ws.send(JSON.stringify({t: 'hello', v: PROTOCOL_VERSION, lastSeq: this.asked}));
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => this.heartbeat(), PING_MS);
    });
    ws.on('message', (data) => {
      this.lastHeard = Date.now();
      const parsed = parseFrame(hubToOperator, data.toString());
      if (!parsed.ok) return;
      const frame = parsed.value;
      if (frame.t === 'ev') return this.gather(frame.chatId, frame.e);
      // Anything else comes after the events that came before it (an ack after its event).
      this.flushEvents();
      if (frame.t === 'ack') this.outbox.delete(frame.id);
      // A refused message will never be acked: drop it rather than resend it forever.
      if (frame.t === 'error' && frame.ref) this.outbox.delete(frame.ref);
      if (frame.t === 'ready') {
        this.attempt = 0;
        dispatch({type: 'conn', status: 'connected'});
      }
      dispatch({type: 'hub', frame});
      if (frame.t === 'ready') this.afterReady(frame);
    });
    ws.on('error', (error) => {
      failure = /401/.test(error.message) ? 'the hub refused the operator name or token (401)' : error.message;
    });
    ws.on('close', () => {
      clearInterval(this.pingTimer);
      if (this.ws !== ws || this.stopped) return;
      const delay = this.delay();
      this.attempt++;
      dispatch({type: 'conn', status: 'disconnected', error: failure, retryAt: Date.now() + delay});
      this.retryTimer = setTimeout(() => this.connect(), delay);
    });
  }

  private gather(chatId: string, e: ChatEvent): void {
    if (this.gathered && this.gathered.chatId !== chatId) this.flushEvents();
    if (!this.gathered) {
      this.gathered = {chatId, events: []};
      queueMicrotask(() => this.flushEvents());
    }
    this.gathered.events.push(e);
  }

  /**
   * Dispatches the events gathered: every frame of what the socket read at once (a replay comes
   * hundreds to a read) is parsed before this runs, and they go to the reducer as one action,
   * which copies a pane's history once for all of them.
   */
  private flushEvents(): void {
    const gathered = this.gathered;
    if (!gathered) return;
    this.gathered = undefined;
    const {chatId, events} = gathered;
    this.options.dispatch(events.length === 1 ? {type: 'hub', frame: {t: 'ev', chatId, e: events[0]!}} : {type: 'events', chatId, events});
  }

  /**
   * Runs once the hub answered hello: chats I own that hello did not mention (a client restarted
   * mid-chat) get their whole history; then the unacked messages go again, same ids.
   */
  private afterReady(ready: Extract<HubToOperator, {t: 'ready'}>): void {
    for (const chat of ready.chats) {
      const mine = chat.kind === 'visitor' && chat.state === 'active' && chat.owner === this.options.operator;
      if (mine && !(chat.id in this.asked)) this.send({t: 'chat.sync', chatId: chat.id, after: 0});
    }
    for (const frame of this.outbox.values()) this.ws?.send(JSON.stringify(frame));
    // Only now: a message sent while the ready frame was dispatched went out with the rest, in order.
    this.ready = true;
  }

  private heartbeat(): void {
    if (Date.now() - this.lastHeard > DEAD_MS) {
      this.ws?.terminate();
      return;
    }
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({t: 'ping'}));
  }

  /** Exponential backoff with ±50% jitter, so a restarted hub is not hit by every client at once. */
  private delay(): number {
    const min = this.options.minDelayMs ?? 500;
    const max = this.options.maxDelayMs ?? 5000;
    const base = Math.min(max, min * 2 ** this.attempt);
    return Math.round(base * (0.5 + (this.options.random ?? Math.random)()));
  }
}
