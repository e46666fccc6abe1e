import type {Duplex} from 'node:stream';
import type {WebSocket} from 'ws';

/** The connection under each WebSocket the hub accepted (the server records it at the upgrade). */
export const socketOf = new WeakMap<WebSocket, Duplex>();

/**
 * Frames that only refresh what an operator's list shows, and how long they may wait. After a
 * restart, every returning visitor is told to every operator: ten thousand visitors and a hundred
 * operators made a million frames, and one write (a system call) each was most of the hub's work.
 * Held this briefly, what gathered for an operator goes out as one frame (`visitor.updates`).
 */
const LIST_UPDATE = 'visitor.update';
export const LIST_DELAY_MS = 100;

/**
 * The sockets with list updates waiting, sent together by one timer: a hundred operators would
 * otherwise arm a hundred timers for each window.
 */
const waiting = new Set<{flushSoon(): void}>();
let waitingTimer: NodeJS.Timeout | undefined;

function flushWaiting(): void {
  waitingTimer = undefined;
  // Each one leaves the set as it sends.
  for (const conn of waiting) conn.flushSoon();
}

/** The frame's bytes, made once for the many sockets a fan-out sends the same text to. */
let lastText = '';
let lastBytes = Buffer.alloc(0);
function bytesOf(text: string): Buffer {
  if (text !== lastText) {
    lastText = text;
    lastBytes = Buffer.from(text);
  }
  return lastBytes;
}

/**
 * The frame for list updates that gathered, made once for every socket that gathered the same
 * ones (operators watching the same sites gather the very same texts, in the same order).
 */
let lastBatch: string[] = [];
let lastBatchBytes = Buffer.alloc(0);
function batchBytes(texts: string[]): Buffer {
  if (texts.length === 1) return bytesOf(texts[0]!);
  if (texts.length !== lastBatch.length || texts.some((text, i) => text !== lastBatch[i])) {
    lastBatch = texts;
    lastBatchBytes = Buffer.from(`{"t":"visitor.updates","updates":[${texts.join(',')}]}`);
  }
  return lastBatchBytes;
}

/** One live socket of a visitor tab or an operator client. */
export class Conn<Out extends {t: string}> {
  /** Invalid frames seen; repeated junk closes the socket. */
  junk = 0;

  constructor(
    readonly ws: WebSocket,
    readonly ip: string,
    readonly userAgent: string,
  ) {}

  /** Frames sent while held, to go out after the ones a handler must send first. */
  private held: unknown[] | undefined;
  /** List updates waiting to go out together, as JSON (any other frame sends them first). */
  private soon: string[] | undefined;

  /**
   * Sends a frame; `text` is its JSON when the caller made it already, or its bytes in parts
   * (sent as the fragments of one message, so a part shared by many sockets is not copied).
   */
  send(frame: Out, text?: string | Buffer[]): void {
    if (this.held) this.held.push(frame);
    else if (frame.t === LIST_UPDATE) this.sendSoon(typeof text === 'string' ? text : JSON.stringify(frame));
    else this.sendNow(frame, text);
  }

  /** Sends now, ahead of anything held. */
  sendNow(frame: Out, text?: string | Buffer[]): void {
    this.flushSoon();
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.corkForTurn();
    if (Array.isArray(text)) {
      // Nothing else is sent between them: they make one message, in one write with the turn's.
      text.forEach((part, i) => this.ws.send(part, {binary: false, fin: i === text.length - 1}));
    } else this.ws.send(bytesOf(text ?? JSON.stringify(frame)), {binary: false});
  }

  /** Whether the connection is corked until the end of this turn. */
  private corked = false;

  /**
   * What one turn of the event loop sends to a socket goes out in one write: a message's sender
   * gets its ack and the event together, and an operator the events of a whole group commit,
   * one system call for all of them instead of one each.
   */
  private corkForTurn(): void {
    if (this.corked) return;
    const socket = socketOf.get(this.ws);
    if (!socket) return;
    this.corked = true;
    socket.cork();
    process.nextTick(() => {
      this.corked = false;
      socket.uncork();
    });
  }

  private sendSoon(text: string): void {
    if (!this.soon) {
      this.soon = [];
      waiting.add(this);
      waitingTimer ??= setTimeout(flushWaiting, LIST_DELAY_MS).unref();
    }
    this.soon.push(text);
  }

  /** Sends the list updates waiting (before any other frame, or when their time is up). */
  flushSoon(): void {
    const soon = this.soon;
    if (!soon) return;
    this.soon = undefined;
    waiting.delete(this);
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.corkForTurn();
    this.ws.send(batchBytes(soon), {binary: false});
  }

  /** Holds back other frames (a greeting and its replay must come first). */
  hold(): void {
    this.held ??= [];
  }

  /** Sends what was held, but for frames `sent` says already went out (a replayed event). */
  release(sent: (frame: unknown) => boolean = () => false): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const frame of held) if (!sent(frame)) this.send(frame as Out);
  }

  close(code: number, reason: string): void {
    this.flushSoon();
    this.ws.close(code, reason);
  }
}

/** Close codes cac uses (4000-4999 is the application range). */
export const CloseCode = {
  badVersion: 4000,
  revoked: 4001,
  junk: 4002,
  flood: 4003,
  /** A follower of the feed that does not keep up (it resumes from its last cursor). */
  slow: 4004,
  /** The visitor's records were erased (cac privacy erase). */
  erased: 4005,
  shutdown: 1001,
} as const;
