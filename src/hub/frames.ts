import type {z} from 'zod';
import {parseFrame, type ErrorCode, type ErrorFrame} from '../protocol/index.js';
import {CloseCode, type Conn} from './conn.js';
import {HubError} from './errors.js';
import type {Hub} from './hub.js';

const MAX_JUNK = 20;
/**
 * Flood control, a token bucket per socket: bursts of up to BURST frames, then RATE a second.
 * Far beyond a person typing or a client resending its queue after a reconnect; a peer that
 * keeps going past it has frames dropped (it is told) and, persisting, is disconnected.
 */
const BURST = 400;
const RATE = 200;
const MAX_DROPPED = 1000;

/**
 * Validates every inbound frame and hands valid ones to `handle`, one at a time per socket so a
 * peer's frames take effect in the order it sent them. An invalid frame gets an `error` frame and
 * changes nothing; a socket that keeps sending junk is closed. The only frames sent from here are
 * `error` frames, which operators and visitors take alike.
 */
export function serveFrames<In>(
  hub: Hub,
  conn: Conn<ErrorFrame>,
  schema: z.ZodType<In>,
  handle: (frame: In, next: () => void) => Promise<void>,
): void {
  let queue = Promise.resolve();
  const fail = (code: ErrorCode, message: string, ref?: string) => {
    conn.send({t: 'error', code, message, ...(ref ? {ref} : {})});
  };
  conn.ws.on('error', (error) => hub.log(`socket error from ${conn.ip}: ${error.message}`));
  let tokens = BURST;
  let refilled = Date.now();
  let dropped = 0;
  let warned = 0;
  conn.ws.on('message', (data, isBinary) => {
    const now = Date.now();
    tokens = Math.min(BURST, tokens + ((now - refilled) / 1000) * RATE);
    refilled = now;
    if (tokens < 1) {
      if (++dropped > MAX_DROPPED) conn.close(CloseCode.flood, 'too many frames');
      else if (now - warned > 1000) {
        warned = now;
        fail('flood', 'too many frames: slow down; frames are being dropped');
      }
      return;
    }
    tokens -= 1;
    if (isBinary) {
      fail('binary', 'frames are JSON text');
      return;
    }
    const parsed = parseFrame(schema, data.toString());
    if (!parsed.ok) {
      fail('invalid', parsed.error);
      if (++conn.junk > MAX_JUNK) conn.close(CloseCode.junk, 'too many invalid frames');
      return;
    }
    const frame = parsed.value;
    // Frames take effect in the order sent. A handler that has taken its place in line (a
    // message numbered, waiting for the disk) calls `next` so the following frame may start:
    // several messages of one socket are then stored in one write, and still acked in order.
    queue = queue.then(
      () =>
        new Promise<void>((next) => {
          handle(frame, next)
            .catch((error: unknown) => {
              const ref = (frame as {id?: unknown; chatId?: unknown}).id ?? (frame as {chatId?: unknown}).chatId;
              if (error instanceof HubError) {
                fail(error.code, error.message, typeof ref === 'string' ? ref : undefined);
                // A socket that keeps going over its budgets is closed.
                if (error.code === 'slow_down' && hub.budgets.refused(conn)) conn.close(CloseCode.flood, 'too many refused frames');
              } else {
                hub.log(`error handling ${(frame as {t?: string}).t}: ${error instanceof Error ? error.stack : String(error)}`);
                fail('internal', 'the hub could not do that; nothing was changed');
              }
            })
            .finally(next);
        }),
    );
  });
}
