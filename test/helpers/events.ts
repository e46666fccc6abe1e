import {eventsSearch, hubToEvents, PROTOCOL_VERSION, type EventsQuery, type FeedEntry} from '../../src/protocol/index.js';
import {Peer} from './peer.js';

/** A follower of a hub's feed (`/ws/events`), its frames checked against `hubToEvents`. */
export function follow(url: string, operator: string, token: string, query: Partial<EventsQuery> = {}): Promise<Peer> {
  const ws = url.replace(/^http/, 'ws');
  return Peer.connect(`${ws}/ws/events?${eventsSearch({v: PROTOCOL_VERSION, ...query})}`, hubToEvents, {
    headers: {authorization: `Bearer ${token}`, 'x-cac-operator': operator},
  });
}

/** The entries a follower has received, in order. */
export function entriesOf(peer: Peer): FeedEntry[] {
  return peer.of('entry').map((f) => f.entry as FeedEntry);
}

/** Waits until the follower has an entry with this cursor (or later). */
export async function reached(peer: Peer, cursor: number, timeoutMs = 15_000): Promise<void> {
  await peer.waitFor((f) => f.t === 'entry' && f.entry.cursor >= cursor, timeoutMs);
}

/** Whether cursors run 1, 2, 3 ... (from `first`) with no gap and none twice. */
export function consecutive(entries: FeedEntry[], first = 1): boolean {
  return entries.every((e, i) => e.cursor === first + i);
}
