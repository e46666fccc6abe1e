import {timingSafeEqual} from 'node:crypto';
import type {IncomingMessage, ServerResponse} from 'node:http';
import {ZodError} from 'zod';
import {OpError} from '../admin/error.js';
import {describe, isOpName, runOp} from '../admin/ops.js';
import {authenticateOperator, type AuthResult} from './operator-auth.js';
import {isReadOp, type AdminErrorBody, type ErrorCode} from '../protocol/index.js';
import {DamagedError, NotStoredError} from '../store/store.js';
import {hubContext} from './admin-context.js';
import {clientIp} from './client-ip.js';
import {ReadAhead} from './read-ahead.js';
import type {Hub} from './hub.js';

const MAX_BODY = 64 * 1024;

const statusOf: Partial<Record<ErrorCode, number>> = {
  invalid: 400,
  unauthorized: 401,
  not_found: 404,
  exists: 409,
  not_possible: 409,
  not_stored: 503,
  damaged: 500,
  internal: 500,
};

function answer(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, {'Content-Type': 'application/json', 'Cache-Control': 'no-store'}).end(JSON.stringify(body) + '\n');
}

function fail(res: ServerResponse, code: ErrorCode, message: string, status = statusOf[code] ?? 400): void {
  const body: AdminErrorBody = {error: {code, message}};
  answer(res, status, body);
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Who is asking: the CLI on this machine (the key in api.json), or an admin operator's token. */
async function authorised(hub: Hub, req: IncomingMessage, key: string, trustProxy: boolean): Promise<AuthResult | true> {
  const token = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1] ?? '';
  if (token && sameSecret(token, key)) return true;
  // Failures count per address as on the sockets: behind a proxy, by the forwarded one.
  return authenticateOperator(hub, req.headers, clientIp(req, trustProxy));
}

async function body(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new OpError('invalid', `request body over ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return text ? JSON.parse(text) : {};
  } catch {
    throw new OpError('invalid', 'request body is not JSON');
  }
}

/**
 * The admin API: `POST /api/admin/NAME` with the operation's input as JSON. Changes run one at a
 * time, so two writers never race over the same record (two `cac canned add` at once both land).
 * Reads run at once, beside them: a long export never holds up a change, nor waits for one (and
 * the pages it is about to ask for are worked out ahead: read-ahead.ts).
 */
export class AdminApi {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly ahead = new ReadAhead();

  constructor(
    private hub: Hub,
    private key: string,
    private url: () => string,
    private trustProxy = false,
  ) {}

  async serve(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    // A browser always sends Origin; cac never does: no web page may drive the admin API.
    if (req.headers.origin !== undefined) return fail(res, 'unauthorized', 'browser requests are refused');
    if (req.method !== 'POST') {
      res.writeHead(405, {Allow: 'POST'}).end('method not allowed\n');
      return;
    }
    const who = await authorised(this.hub, req, this.key, this.trustProxy);
    if (who !== true && !who.ok && who.status === 429) {
      res.setHeader('Retry-After', String(who.retryAfterS ?? 1));
      return fail(res, 'unauthorized', 'too many failed attempts: wait and try again', 429);
    }
    if (who !== true && (!who.ok || who.op.role !== 'admin')) return fail(res, 'unauthorized', 'an admin token is needed');
    if (!isOpName(name)) return fail(res, 'not_found', `no admin operation ${name}`);
    try {
      const input = await body(req);
      const op = (asked: unknown = input) => runOp(hubContext(this.hub, {url: this.url()}), name, asked);
      let run: Promise<unknown>;
      if (isReadOp(name)) run = this.ahead.answer(who === true ? '' : who.op.name, name, input, op);
      else {
        run = this.queue.then(() => op()).finally(() => this.ahead.clear());
        this.queue = run.catch(() => {});
      }
      answer(res, 200, await run);
    } catch (error) {
      if (error instanceof OpError) return fail(res, error.code, error.message);
      if (error instanceof ZodError) return fail(res, 'invalid', describe(error));
      if (error instanceof NotStoredError) return fail(res, 'not_stored', error.message);
      if (error instanceof DamagedError) return fail(res, 'damaged', error.message);
      this.hub.log(`admin ${name}: ${String(error)}`);
      fail(res, 'internal', 'the hub failed unexpectedly; nothing was changed');
    }
  }
}
