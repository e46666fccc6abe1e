import type {FeedEntry} from '../protocol/index.js';
import type {NewFeedEntry} from './feed.js';
import type {Store} from './store.js';
import {globalDefaults, globalNames} from './types.js';

/*
 * Copying every record from one store to another through the Store interface (`cac db import`
 * and `cac db export`): globals, visitors with their visits and pages, chats with their events,
 * and the feed, cursor for cursor. Numbers are not written but handed out again by the target,
 * in the same order, so the copy checks each one comes out as it was.
 */

export interface Copied {
  globals: number;
  visitors: number;
  visits: number;
  pages: number;
  chats: number;
  events: number;
  feed: number;
}

export interface CopyOptions {
  /** Records listed per call (a store that reads every record for each page wants Infinity). */
  pageSize?: number;
  /** Called as the copy goes on, with what is copied so far. */
  progress?(copied: Copied): void;
  /** Called every thousand writes or so, with none in flight: throws to stop the copy there. */
  check?(): void;
}

/** Writes in flight at the most: enough for the target to group them, without holding everything. */
const IN_FLIGHT = 1000;

/** Writes issued in order without waiting for each, waited for a thousand at a time. */
class Pipe {
  private pending: Promise<unknown>[] = [];

  constructor(private readonly check = () => {}) {}

  async add(write: Promise<unknown>): Promise<void> {
    this.pending.push(write);
    if (this.pending.length >= IN_FLIGHT) await this.drain();
  }

  async drain(): Promise<void> {
    const writes = this.pending;
    this.pending = [];
    await Promise.all(writes);
    this.check();
  }
}

/** Whether a store holds nothing: no chat, visitor or feed entry, and every global as it starts. */
export async function isEmpty(store: Store): Promise<boolean> {
  if ((await store.feedEnd()) > 0) return false;
  if ((await store.listChats({}, undefined, 1)).chats.length > 0) return false;
  if ((await store.listVisitors({}, undefined, 1)).visitors.length > 0) return false;
  for (const name of globalNames) {
    if (JSON.stringify(await store.global(name, true)) !== JSON.stringify(globalDefaults[name]())) return false;
  }
  return true;
}

export async function copyStore(from: Store, to: Store, options: CopyOptions = {}): Promise<Copied> {
  if (!(await isEmpty(to))) throw new Error('the target already holds data: copy into an empty one');
  const pageSize = options.pageSize ?? 1000;
  const copied: Copied = {globals: 0, visitors: 0, visits: 0, pages: 0, chats: 0, events: 0, feed: 0};
  const tell = () => options.progress?.({...copied});
  const pipe = new Pipe(options.check);

  for (const name of globalNames) {
    await to.putGlobal(name, await from.global(name, true));
    copied.globals += 1;
  }
  tell();

  let cursor: string | undefined;
  do {
    const page = await from.listVisitors({}, cursor, pageSize);
    for (const visitor of page.visitors) {
      await pipe.add(to.putVisitor(visitor));
      for (const {pages, end: _end, ...start} of (await from.visits(visitor.id)).reverse()) {
        await pipe.add(to.appendVisit(visitor.id, start));
        for (const page of pages) await pipe.add(to.appendPage(visitor.id, start.id, page));
        copied.visits += 1;
        copied.pages += pages.length;
      }
      copied.visitors += 1;
    }
    await pipe.drain();
    tell();
    cursor = page.next;
  } while (cursor);

  do {
    const page = await from.listChats({}, cursor, pageSize);
    for (const chat of page.chats) {
      await pipe.add(to.putChat(chat));
      for (const {seq, ...event} of await from.events(chat.id)) {
        const stored = to.appendEvent(chat.id, event).then((r) => {
          if (r.event.seq !== seq) throw new Error(`chat ${chat.id}: event ${seq} was numbered ${r.event.seq} (the source skips a number)`);
        });
        await pipe.add(stored);
        copied.events += 1;
      }
      copied.chats += 1;
    }
    await pipe.drain();
    tell();
    cursor = page.next;
  } while (cursor);

  copied.feed = await copyFeed(from, to, pipe, tell, (n) => (copied.feed = n));
  tell();
  return copied;
}

/**
 * The feed, cursor for cursor. An entry the source cannot read back (damaged, or of a shape it
 * no longer knows) is copied as a `removed` entry, so that every later cursor stays what it was.
 */
async function copyFeed(from: Store, to: Store, pipe: Pipe, tell: () => void, count: (n: number) => void): Promise<number> {
  const end = await from.feedEnd();
  let written = 0;
  let at = 0;
  const write = async (entry: NewFeedEntry, cursor: number) => {
    written += 1;
    await pipe.add(
      to.appendFeed(entry).then((stored) => {
        if (stored.cursor !== cursor) throw new Error(`feed entry ${cursor} was numbered ${stored.cursor} (the target's feed is not empty)`);
      }),
    );
  };
  let after = 0;
  while (after < end) {
    const page = await from.feed(after, 1000);
    for (const entry of page.entries) {
      while (written + 1 < entry.cursor) await write({type: 'removed', at}, written + 1);
      const {cursor, ...rest} = entry as FeedEntry;
      at = rest.at;
      await write(rest as NewFeedEntry, cursor);
    }
    if (page.last <= after) break;
    after = page.last;
    await pipe.drain();
    count(written);
    tell();
  }
  while (written < end) await write({type: 'removed', at}, written + 1);
  await pipe.drain();
  return written;
}
