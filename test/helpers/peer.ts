import {randomUUID} from 'node:crypto';
import WebSocket from 'ws';

type Frame = {t: string; [key: string]: any};

/** A real WebSocket client that records every frame it receives, for assertions. */
export class Peer {
  readonly frames: Frame[] = [];
  private waiters: Array<() => void> = [];
  closed?: {code: number; reason: string};

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as Frame);
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = {code, reason: reason.toString()};
      this.wake();
    });
    ws.on('error', () => {});
  }

  static connect(url: string, options: WebSocket.ClientOptions = {}): Promise<Peer> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, options);
      const peer = new Peer(ws);
      ws.once('open', () => resolve(peer));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  /** Random, as real clients make them: two peers must never share a message id. */
  nextId(): string {
    return `m-${randomUUID()}`;
  }

  send(frame: Frame): void {
    this.ws.send(JSON.stringify(frame));
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Waits for a frame matching `match` at index >= `from`; resolves with it. */
  async waitFor(match: (f: Frame) => boolean, timeoutMs = 10_000, from = 0): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.slice(from).find(match);
      if (found) return found;
      if (Date.now() > deadline) {
        throw new Error(`timed out; frames: ${JSON.stringify(this.frames.slice(-8)).slice(0, 1500)}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  waitType(t: string, extra: (f: Frame) => boolean = () => true, from = 0): Promise<Frame> {
    return this.waitFor((f) => f.t === t && extra(f), 10_000, from);
  }

  async waitClosed(timeoutMs = 10_000): Promise<{code: number; reason: string}> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('socket did not close');
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.closed;
  }

  of(t: string): Frame[] {
    return this.frames.filter((f) => f.t === t);
  }

  close(): void {
    this.ws.close();
  }
}
