import {randomUUID} from 'node:crypto';
import WebSocket from 'ws';
import {z} from 'zod';

export type Frame = {t: string; [key: string]: any};

/** Where `sent` has a field that `parsed` (what the schema kept of it) lost: one the schema does not name. */
function undeclared(sent: unknown, parsed: unknown, path = ''): string | undefined {
  if (typeof sent !== 'object' || sent === null || typeof parsed !== 'object' || parsed === null) return undefined;
  for (const [key, value] of Object.entries(sent)) {
    const at = path ? `${path}.${key}` : key;
    if (!(key in parsed)) return at;
    const deeper = undeclared(value, (parsed as Record<string, unknown>)[key], at);
    if (deeper) return deeper;
  }
  return undefined;
}

/**
 * One frame the hub sent, checked against the schema of what it sends this kind of peer, fields
 * the schema does not name included (the schemas drop those, so the contract would be
 * incomplete); the error names the frame and what is wrong with it.
 */
export function strictFrame(schema: z.ZodType<{t: string}>, raw: string): {frame: Frame} | {error: string} {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return {error: `the hub sent a frame that is not JSON: ${raw.slice(0, 1000)}`};
  }
  const result = schema.safeParse(json);
  const extra = result.success ? undeclared(json, result.data) : undefined;
  if (result.success && !extra) return {frame: json as Frame};
  const why = result.success ? `${extra}: not in the schema` : z.prettifyError(result.error);
  return {error: `the hub sent a frame that does not match the protocol: ${raw.slice(0, 1000)}\n${why}`};
}

/**
 * A real WebSocket client that records every frame it receives, for assertions. Each frame is
 * checked against the schema of what the hub sends this kind of peer (`hubToOperator` or
 * `hubToVisitor`), fields the schema does not name included: one that does not match makes every later look at this peer (its frames, a
 * wait) throw, naming the frame and what is wrong with it, so the test fails there.
 */
export class Peer {
  private readonly received: Frame[] = [];
  private waiters: Array<() => void> = [];
  private broken?: Error;
  closed?: {code: number; reason: string};

  private constructor(
    readonly ws: WebSocket,
    schema: z.ZodType<{t: string}>,
  ) {
    ws.on('message', (data) => {
      this.receive(schema, data.toString());
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = {code, reason: reason.toString()};
      this.wake();
    });
    ws.on('error', () => {});
  }

  /** Connects to `url`; `schema` is what the hub sends there (`hubToOperator` or `hubToVisitor`). */
  static connect(url: string, schema: z.ZodType<{t: string}>, options: WebSocket.ClientOptions = {}): Promise<Peer> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, options);
      const peer = new Peer(ws, schema);
      ws.once('open', () => resolve(peer));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  /** Every frame received so far, in order; throws if one did not match the protocol. */
  get frames(): Frame[] {
    if (this.broken) throw this.broken;
    return this.received;
  }

  private receive(schema: z.ZodType<{t: string}>, raw: string): void {
    if (this.broken) return;
    const checked = strictFrame(schema, raw);
    if (!('frame' in checked)) this.broken = new Error(checked.error);
    // List updates the hub sent together count as the frames they stand for, in order.
    else if (checked.frame.t === 'visitor.updates') this.received.push(...(checked.frame.updates as Frame[]));
    else this.received.push(checked.frame);
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
      if (this.broken) throw this.broken;
      if (Date.now() > deadline) throw new Error('socket did not close');
      await new Promise((r) => setTimeout(r, 20));
    }
    if (this.broken) throw this.broken;
    return this.closed;
  }

  of(t: string): Frame[] {
    return this.frames.filter((f) => f.t === t);
  }

  close(): void {
    this.ws.close();
  }
}
