import {randomUUID} from 'node:crypto';
import WebSocket from 'ws';
import {hubToVisitor, PROTOCOL_VERSION, type ChatEvent, type VisitorToHub} from '../../src/protocol/index.js';
import {strictFrame, type Frame} from './peer.js';
import {canonical} from './canonical.js';

type Out = Extract<VisitorToHub, {t: 'chat.request' | 'msg'}>;

export interface ResumingVisitorOptions {
  /** The hub (or a proxy in front of it), ws://host:port. */
  base: string;
  site?: string;
  /** Told of every message frame as it goes out, resends included (a test's clock may follow). */
  onSend?: (frame: Out) => void;
  minDelayMs?: number;
  maxDelayMs?: number;
}

/** Close codes after which the widget stops retrying (a protocol version or junk refusal). */
const FATAL = [4000, 4002];

/**
 * A visitor's page that follows the widget's resume rules (widget/chat.ts, widget/socket.ts),
 * with no browser: it keeps its id and resume secret from the welcome, reconnects by itself
 * with backoff and jitter, says the last seq it was shown on a reconnect of the same page (and
 * none on a new page load, which gets the whole chat again), and keeps each message until the
 * hub confirms it, resending it with the same id, in order, after every welcome. Nothing is sent
 * before the welcome, so a message typed meanwhile waits behind the older ones.
 */
export class ResumingVisitor {
  visitorId?: string;
  private resumeToken?: string;
  chatId?: string;
  /** The chat as this page shows it: each seq once. */
  readonly shown = new Map<number, ChatEvent>();
  /** Seq the hub acknowledged for each message id, as the acks came. */
  readonly acks = new Map<string, number>();
  readonly outbox: Out[] = [];
  /** Every frame received, in order (a frame that breaks the protocol lands in `problems`). */
  readonly frames: Frame[] = [];
  /** Anything wrong seen: a frame off the protocol, an event shown twice with other content. */
  readonly problems: string[] = [];
  /** Welcomes received: 1 for the first connection, one more for each resume. */
  welcomes = 0;
  up = false;
  private ws?: WebSocket;
  private tries = 0;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  /** This page was welcomed once: a reconnect is not a page view and asks only for the gap. */
  private pageWelcomed = false;
  private pages = 0;

  constructor(private readonly options: ResumingVisitorOptions) {}

  get site(): string {
    return this.options.site ?? 'example.com';
  }

  get lastSeq(): number {
    return Math.max(0, ...this.shown.keys());
  }

  start(): void {
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.ws?.terminate();
    this.ws = undefined;
    this.up = false;
  }

  /** Asks for a chat; the request is a message like any other, kept until acknowledged. */
  request(text: string): string {
    return this.queue({t: 'chat.request', id: `v-${randomUUID()}`, text});
  }

  say(text: string): string {
    return this.queue({t: 'msg', id: `v-${randomUUID()}`, text});
  }

  /** The page unloads: its socket is closed, or dropped without a word; nothing reconnects until `openPage`. */
  leavePage(how: 'close' | 'terminate'): void {
    const old = this.ws;
    this.ws = undefined;
    this.up = false;
    clearTimeout(this.timer);
    if (how === 'close') old?.close(1001, 'page unloaded');
    else old?.terminate();
  }

  /** A new page loads: it shows the chat from the start, as the hub replays it. */
  openPage(): void {
    this.pageWelcomed = false;
    this.shown.clear();
    this.open();
  }

  /** The next page loads before this one unloads: both are connected until it is welcomed. */
  async overlapPage(): Promise<void> {
    const old = this.ws;
    const welcomed = this.welcomes;
    this.up = false;
    this.openPage();
    await this.until(() => this.welcomes > welcomed);
    old?.close(1001, 'page unloaded');
  }

  /** Resolves once `check` holds (looked at every 10 ms); throws after `seconds`. */
  async until(check: () => boolean, seconds = 60): Promise<void> {
    const deadline = Date.now() + seconds * 1000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`visitor ${this.visitorId}: condition not met in ${seconds} s; last frames ${JSON.stringify(this.frames.slice(-5)).slice(0, 800)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private queue(out: Out): string {
    this.outbox.push(out);
    if (this.up) this.transmit(out);
    return out.id;
  }

  private transmit(out: Out): void {
    this.options.onSend?.(out);
    this.ws?.send(JSON.stringify(out));
  }

  private hello(): Extract<VisitorToHub, {t: 'hello'}> {
    return {
      t: 'hello',
      v: PROTOCOL_VERSION,
      site: this.site,
      visitorId: this.visitorId,
      resumeToken: this.resumeToken,
      page: this.pageWelcomed ? undefined : {url: `https://${this.site}/page-${++this.pages}`, title: `Page ${this.pages}`},
      lastSeq: this.pageWelcomed && this.lastSeq > 0 ? this.lastSeq : undefined,
    };
  }

  private open(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const ws = new WebSocket(`${this.options.base}/ws/visitor?site=${this.site}`, {origin: `https://${this.site}`});
    this.ws = ws;
    ws.on('open', () => ws.send(JSON.stringify(this.hello())));
    ws.on('message', (data) => {
      // Frames reaching a page that is unloading are not shown.
      if (this.ws === ws) this.receive(data.toString());
    });
    ws.on('error', () => {});
    ws.on('close', (code) => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      this.up = false;
      if (!FATAL.includes(code) && !this.stopped) this.retry();
    });
  }

  private retry(): void {
    const min = this.options.minDelayMs ?? 100;
    const delay = Math.min(this.options.maxDelayMs ?? 1000, min * 2 ** this.tries++);
    this.timer = setTimeout(() => this.open(), delay / 2 + (Math.random() * delay) / 2);
  }

  private receive(raw: string): void {
    const checked = strictFrame(hubToVisitor, raw);
    if ('error' in checked) {
      this.problems.push(checked.error);
      return;
    }
    const f = checked.frame;
    this.frames.push(f);
    switch (f.t) {
      case 'welcome':
        this.visitorId = f.visitorId;
        this.resumeToken = f.resumeToken;
        if (f.chat) this.chatId = f.chat.id;
        this.welcomes++;
        this.tries = 0;
        this.pageWelcomed = true;
        this.up = true;
        for (const out of [...this.outbox]) this.transmit(out);
        return;
      case 'chat.queued':
        this.chatId = f.chatId;
        return;
      case 'ev':
        this.event(f.chatId, f.e);
        return;
      case 'ack':
        this.acks.set(f.id, f.seq);
        this.done(f.id);
        return;
      case 'error':
        // As the widget does: a refused message is dropped rather than resent for ever.
        if (f.ref) this.done(f.ref);
        return;
    }
  }

  private event(chatId: string, e: ChatEvent): void {
    // The first event of a new chat may come before its chat.queued.
    this.chatId ??= chatId;
    if (chatId !== this.chatId) this.problems.push(`an event of chat ${chatId}, not of mine (${this.chatId})`);
    const before = this.shown.get(e.seq);
    if (before && canonical(before) !== canonical(e)) {
      this.problems.push(`seq ${e.seq} came as ${JSON.stringify(before)} and as ${JSON.stringify(e)}`);
    }
    this.shown.set(e.seq, e);
    if (e.id) this.done(e.id);
  }

  private done(id: string): void {
    const i = this.outbox.findIndex((o) => o.id === id);
    if (i >= 0) this.outbox.splice(i, 1);
  }
}
