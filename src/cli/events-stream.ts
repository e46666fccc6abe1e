import WebSocket from 'ws';
import {operatorSocketUrl} from '../client/connection.js';
import {eventsSearch, hubToEvents, parseFrame, PROTOCOL_VERSION, type EventsQuery, type FeedType} from '../protocol/index.js';

/** Where to start: after a cursor, or from an instant (ms). */
export type Since = {cursor: number} | {from: number};

export interface StreamOptions {
  hub: string;
  operator: string;
  token: string;
  /** Keep going live (reconnecting as needed); else print the history and stop. */
  follow: boolean;
  sites: string[];
  types: FeedType[];
  since?: Since;
  /** One JSON object a line. */
  out: NodeJS.WritableStream;
  /** A message for the user (stderr). */
  say: (line: string) => void;
  minDelayMs?: number;
  maxDelayMs?: number;
  pingMs?: number;
}

/** The events socket URL for whatever form of hub address the user typed. */
export function eventsUrl(hub: string, query: Partial<EventsQuery>): string {
  const url = new URL(operatorSocketUrl(hub));
  url.pathname = url.pathname.replace(/\/ws\/operator$/, '/ws/events');
  url.search = eventsSearch(query).toString();
  return url.toString();
}

/**
 * Prints the feed. Without `follow`, resolves once the history is out (rejects if the hub
 * cannot be reached). With it, never resolves: a lost connection is said on stderr and made
 * again after a growing pause, resuming after the last cursor received, so nothing is printed
 * twice and nothing is skipped. A refusal (wrong token, bad query) rejects either way.
 */
export function streamEvents(o: StreamOptions): Promise<void> {
  const minDelay = o.minDelayMs ?? 250;
  const maxDelay = o.maxDelayMs ?? 10_000;
  let last = o.since && 'cursor' in o.since ? o.since.cursor : undefined;
  let delay = minDelay;
  return new Promise((resolve, reject) => {
    const connect = () => {
      const from = last === undefined && o.since && 'from' in o.since ? o.since.from : undefined;
      // Without --follow and --since: the whole history.
      const since = last ?? (o.follow || from !== undefined ? undefined : 0);
      const url = eventsUrl(o.hub, {v: PROTOCOL_VERSION, since, from, site: o.sites, type: o.types});
      const ws = new WebSocket(url, {headers: {authorization: `Bearer ${o.token}`, 'x-cac-operator': o.operator}});
      let failure = '';
      let done = false;
      /** Waiting for stdout to drain (frames already read still come meanwhile). */
      let waiting = false;
      // A hub whose network vanished never closes the socket: ping it, and give up on silence.
      let alive = true;
      const pinger = setInterval(() => {
        if (!alive) ws.terminate();
        alive = false;
        if (ws.readyState === ws.OPEN) ws.ping();
      }, o.pingMs ?? 15_000);
      ws.on('pong', () => (alive = true));
      ws.on('message', (data) => {
        alive = true;
        const parsed = parseFrame(hubToEvents, data.toString());
        if (!parsed.ok) {
          o.say(`cac events: the hub sent a frame this version does not know (${parsed.error}); skipped`);
          return;
        }
        const frame = parsed.value;
        if (frame.t === 'live') {
          last = Math.max(last ?? 0, frame.cursor);
          delay = minDelay;
          if (!o.follow) {
            done = true;
            ws.close(1000, 'done');
            resolve();
          }
          return;
        }
        if (last !== undefined && frame.entry.cursor <= last) return;
        last = frame.entry.cursor;
        // A reader that falls behind (a slow pipe) slows the socket down rather than this
        // process's memory; the hub lets go of a follower that stops reading altogether.
        if (!o.out.write(JSON.stringify(frame.entry) + '\n') && !waiting) {
          waiting = true;
          ws.pause();
          o.out.once('drain', () => {
            waiting = false;
            ws.resume();
          });
        }
      });
      ws.on('error', (error) => (failure = error.message));
      ws.on('close', (code, reason) => {
        clearInterval(pinger);
        if (done) return;
        const status = /Unexpected server response: (\d+)/.exec(failure)?.[1];
        if (status === '401') return reject(new Error('the hub refused this operator name and token'));
        if (status?.startsWith('4')) return reject(new Error(`the hub refused the request (HTTP ${status}): check --site, --type and --since`));
        const why = failure || `closed (${code}${reason.length > 0 ? `: ${reason.toString()}` : ''})`;
        if (!o.follow) return reject(new Error(`lost the hub at ${o.hub}: ${why}`));
        o.say(`cac events: lost the hub (${why}); reconnecting in ${(delay / 1000).toFixed(1)} s${last === undefined ? '' : ` from cursor ${last}`}`);
        setTimeout(connect, delay);
        delay = Math.min(maxDelay, delay * 2);
      });
    };
    connect();
  });
}
