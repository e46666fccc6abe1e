import type {HubToVisitor, VisitorToHub} from '../src/protocol/index.js';

/** Close codes after which retrying cannot help (see the hub's CloseCode). */
const FATAL = [4000, 4002];
const MAX_DELAY = 15_000;

/**
 * One WebSocket to the hub that comes back by itself: exponential backoff with jitter, so a
 * restarted hub is not hit by every visitor at the same instant. `up` is true from the hub's
 * welcome until the socket drops.
 */
export class Socket {
  up = false;
  private ws?: WebSocket;
  private tries = 0;
  private timer?: ReturnType<typeof setTimeout>;
  private heard = 0;

  constructor(
    private readonly url: string,
    private readonly hello: () => Extract<VisitorToHub, {t: 'hello'}>,
    private readonly onFrame: (frame: HubToVisitor) => void,
    private readonly onDown: () => void,
  ) {}

  start(): void {
    this.open();
    addEventListener('online', () => this.now());
    document.addEventListener('visibilitychange', () => document.visibilityState === 'visible' && this.now());
    // A socket that went silent (laptop asleep, proxy dropped it) is only found by talking.
    setInterval(() => {
      if (!this.up) return;
      if (Date.now() - this.heard > 120_000) this.ws?.close();
      else this.send({t: 'ping'});
    }, 25_000);
  }

  send(frame: VisitorToHub): boolean {
    if (!this.up || this.ws?.readyState !== 1) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /** Skips the rest of the backoff wait (the network came back, the tab became visible). */
  private now(): void {
    if (this.ws || !this.timer) return;
    this.tries = 0;
    this.open();
  }

  private open(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url);
    } catch {
      this.retry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => ws.send(JSON.stringify(this.hello()));
    ws.onmessage = (m) => {
      let frame: HubToVisitor;
      try {
        frame = JSON.parse(String(m.data)) as HubToVisitor;
      } catch {
        return;
      }
      if (!frame || typeof frame.t !== 'string') return;
      this.heard = Date.now();
      if (frame.t === 'welcome') {
        this.up = true;
        this.tries = 0;
      }
      this.onFrame(frame);
    };
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      const was = this.up;
      this.up = false;
      if (was) this.onDown();
      if (!FATAL.includes(e.code)) this.retry();
    };
  }

  private retry(): void {
    if (this.timer) return;
    const delay = Math.min(MAX_DELAY, 500 * 2 ** this.tries++);
    this.timer = setTimeout(() => this.open(), delay / 2 + (Math.random() * delay) / 2);
  }
}
