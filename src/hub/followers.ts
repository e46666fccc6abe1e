import type {WebSocket} from 'ws';
import type {EventsQuery, FeedEntry, HubToEvents} from '../protocol/index.js';
import {feedMatches, type FeedFilter} from '../store/feed.js';
import {CloseCode} from './conn.js';
import type {Hub} from './hub.js';

/** Entries read from the store and sent at a time while a follower catches up. */
const PAGE = 500;

export interface FollowerLimits {
  /** A live follower whose socket holds more than this, unsent, is too slow: it is closed. */
  bufferBytes?: number;
  /**
   * Live entries kept for a follower still catching up. Past this many they are dropped and read
   * from the store instead (they are all there): a follower far behind costs bounded memory.
   */
  queued?: number;
}

interface Follower {
  ws: WebSocket;
  operator: string;
  filter: FeedFilter;
  /** The last cursor sent or passed over (filtered out): nothing at or below it is sent again. */
  sent: number;
  /** Live entries that arrived while catching up; undefined once live. */
  queue: FeedEntry[] | undefined;
  /** The queue overflowed since the last page was asked for: read the store once more. */
  overflowed: boolean;
}

/** What a follower may see of the feed: its operator's sites, narrowed by what it asked for. */
export function followerFilter(hub: Hub, operator: string, query: EventsQuery): FeedFilter {
  const allowed = hub.sessions.operators.get(operator)?.sites ?? [];
  const asked = query.site.map((s) => hub.sessions.findSite(s)?.domain ?? s.toLowerCase());
  const sites = asked.length > 0 ? asked.filter((s) => allowed.length === 0 || allowed.includes(s)) : allowed.length > 0 ? allowed : undefined;
  // Entries of no site (operators' status) are everyone's, unless sites were asked for.
  return {sites, siteless: asked.length === 0, types: query.type.length > 0 ? query.type : undefined};
}

/**
 * The followers of the feed. Each one first catches up from the store, page by page (a page goes
 * out only once the previous one has left the hub), while entries that become durable meanwhile
 * wait in its queue; then it goes live. Whatever the order, a cursor is sent once and none is
 * skipped: the queue keeps what the replay may not have read, and nothing at or below the last
 * cursor sent goes out again. The store tells the hub of entries in cursor order.
 */
export class Followers {
  private readonly all = new Set<Follower>();
  private readonly maxBuffered: number;
  private readonly maxQueued: number;

  constructor(
    private readonly hub: Hub,
    limits: FollowerLimits = {},
  ) {
    this.maxBuffered = limits.bufferBytes ?? 1024 * 1024;
    this.maxQueued = limits.queued ?? 10_000;
  }

  get size(): number {
    return this.all.size;
  }

  /** Serves one events socket: from `since` (or the instant `from`, or now), then live. */
  async follow(ws: WebSocket, operator: string, query: EventsQuery): Promise<void> {
    const f: Follower = {ws, operator, filter: followerFilter(this.hub, operator, query), sent: 0, queue: [], overflowed: false};
    // Listening before anything is read: an entry stored from now on is queued, or was read.
    this.all.add(f);
    ws.on('close', () => this.all.delete(f));
    ws.on('error', (error) => this.hub.log(`events socket of ${operator}: ${error.message}`));
    ws.on('message', () => ws.close(CloseCode.junk, 'the events socket takes no frames'));
    const store = this.hub.store;
    try {
      const end = await store.feedEnd();
      const start = query.since ?? (query.from !== undefined ? await store.feedCursorAt(query.from) : end);
      f.sent = Math.min(start, end);
      await this.catchUp(f);
    } catch (error) {
      this.hub.log(`events of ${operator}: ${error instanceof Error ? error.message : String(error)}`);
      ws.close(1011, 'the hub could not read its feed');
    }
  }

  private async catchUp(f: Follower): Promise<void> {
    for (;;) {
      if (f.ws.readyState !== f.ws.OPEN) return;
      f.overflowed = false;
      const page = await this.hub.store.feed(f.sent, PAGE, f.filter);
      await this.sendPage(f.ws, page.entries);
      f.sent = Math.max(f.sent, page.last);
      if (!page.more && !f.overflowed) break;
    }
    const queued = f.queue ?? [];
    f.queue = undefined;
    for (const entry of queued) this.deliver(f, entry);
    this.send(f, {t: 'live', cursor: f.sent});
  }

  /** Sends entries; resolves once they have left for the network (or the socket is gone). */
  private sendPage(ws: WebSocket, entries: FeedEntry[]): Promise<void> {
    if (entries.length === 0 || ws.readyState !== ws.OPEN) return Promise.resolve();
    return new Promise((resolve) => {
      entries.forEach((entry, i) => {
        const frame: HubToEvents = {t: 'entry', entry};
        ws.send(JSON.stringify(frame), i === entries.length - 1 ? () => resolve() : undefined);
      });
    });
  }

  private send(f: Follower, frame: HubToEvents): void {
    if (f.ws.readyState === f.ws.OPEN) f.ws.send(JSON.stringify(frame));
  }

  /** An entry is durable: live followers get it at once, the others queue it. */
  publish(entry: FeedEntry): void {
    for (const f of this.all) {
      if (!f.queue) this.deliver(f, entry);
      else if (f.queue.length < this.maxQueued) f.queue.push(entry);
      else {
        f.queue = [];
        f.overflowed = true;
      }
    }
  }

  private deliver(f: Follower, entry: FeedEntry): void {
    if (entry.cursor <= f.sent) return;
    f.sent = entry.cursor;
    if (!feedMatches(entry, f.filter)) return;
    this.send(f, {t: 'entry', entry});
    // A follower that does not read would have the hub hold everything for it: it goes, and
    // resumes from its last cursor when it comes back.
    if (f.ws.bufferedAmount > this.maxBuffered) {
      this.all.delete(f);
      f.ws.close(CloseCode.slow, 'too slow: reconnect and resume from the last cursor received');
    }
  }

  /** Closes the followers of an operator removed, given a new token or other sites. */
  revoke(operator: string): void {
    for (const f of this.all) if (f.operator === operator) f.ws.close(CloseCode.revoked, 'operator removed or changed');
  }
}
