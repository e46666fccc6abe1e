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

  send(frame: Out): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(frame));
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
  shutdown: 1001,
} as const;
