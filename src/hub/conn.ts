import type {WebSocket} from 'ws';

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

  /** Sends a frame; `text` is its JSON when the caller made it once for many sockets. */
  send(frame: Out, text?: string): void {
    if (this.held) this.held.push(frame);
    else if (this.ws.readyState === this.ws.OPEN) this.ws.send(text ?? JSON.stringify(frame));
  }

  /** Sends now, ahead of anything held. */
  sendNow(frame: Out): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(frame));
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
