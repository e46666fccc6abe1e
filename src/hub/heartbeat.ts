import type {WebSocket, WebSocketServer} from 'ws';

/** How often one slice of the sockets is pinged. */
const SLICE_MS = 100;

/**
 * Pings every socket once a `periodMs` and closes one that did not answer the ping before: a
 * peer whose network vanished never closes its socket, and without this its operator would keep
 * its chats and its visitor would never "leave".
 *
 * The sockets are pinged a slice at a time, spread over the period: pinged all at once, ten
 * thousand of them held the hub 250-600 ms every 30 s (a write each), and every message in
 * those moments waited. Sockets go to the slices in turn, so a burst of arrivals spreads too.
 * Returns a stop function.
 */
export function startHeartbeat(wss: WebSocketServer, periodMs: number): () => void {
  const slices = Math.max(1, Math.round(periodMs / SLICE_MS));
  const wheel: Array<Set<WebSocket>> = Array.from({length: slices}, () => new Set());
  const sliceOf = new WeakMap<WebSocket, Set<WebSocket>>();
  const alive = new WeakMap<WebSocket, boolean>();
  // One pair of listeners for every socket (an emitter calls them with the socket as `this`):
  // a closure each, and `once`'s wrapper, were five objects a socket, ten thousand times over.
  function answered(this: WebSocket): void {
    alive.set(this, true);
  }
  function gone(this: WebSocket): void {
    sliceOf.get(this)?.delete(this);
  }
  let added = 0;
  let turn = 0;
  wss.on('connection', (ws) => {
    const slice = wheel[added++ % slices]!;
    slice.add(ws);
    sliceOf.set(ws, slice);
    alive.set(ws, true);
    ws.on('pong', answered);
    ws.on('close', gone);
  });
  const timer = setInterval(() => {
    for (const ws of wheel[turn]!) {
      if (!alive.get(ws)) ws.terminate();
      else {
        alive.set(ws, false);
        ws.ping();
      }
    }
    turn = (turn + 1) % slices;
  }, periodMs / slices);
  timer.unref();
  return () => clearInterval(timer);
}
