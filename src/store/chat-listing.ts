import {listKey, matches, type Filtered} from './query.js';
import type {ChatQuery} from './store.js';
import type {ChatRecord} from './types.js';

/** Documents read at once while the listing is first filled. */
const READERS = 16;

/** What listing needs of a chat: its place in the order and the fields queries filter on. */
type Listed = Filtered & {id: string; key: string};

function listed(chat: ChatRecord): Listed {
  const {id, kind, site, visitorId, operators, state, requestedAt} = chat;
  return {id, kind, site, visitorId, operators, state, requestedAt, key: listKey(chat)};
}

/**
 * Every stored chat in listing order, reduced to what queries filter on (a few hundred bytes a
 * chat). Listing pages through thousands of chats; without this, each page would read every
 * chat's document again to sort them. The store that owns the folder is its only writer, so
 * keeping this up to date as records are stored keeps it exact.
 */
export class ChatListing {
  private readonly byId = new Map<string, Listed>();
  private sorted: Listed[] = [];
  private ordered = true;

  /** Adds the chats not listed yet, read with `read` (null: left out), a few at a time. */
  async fill(ids: Iterable<string>, read: (id: string) => Promise<ChatRecord | null>): Promise<void> {
    const queue = ids[Symbol.iterator]();
    const worker = async () => {
      for (let next = queue.next(); !next.done; next = queue.next()) {
        const id = next.value;
        if (this.byId.has(id)) continue;
        const chat = await read(id);
        // Stored while it was being read: what was stored is newer than what was read.
        if (chat && !this.byId.has(id)) this.put(chat);
      }
    };
    // Reads wait on the disk, not on each other: several in flight keep it busy.
    await Promise.all(Array.from({length: READERS}, worker));
  }

  put(chat: ChatRecord): void {
    const entry = listed(chat);
    const old = this.byId.get(chat.id);
    this.byId.set(chat.id, entry);
    if (old?.key === entry.key) {
      if (this.ordered) this.sorted[this.find(old.key)] = entry;
      return;
    }
    // New chats come last almost always: appending keeps the order without sorting.
    if (!old && this.ordered && (this.sorted.length === 0 || this.sorted.at(-1)!.key < entry.key)) this.sorted.push(entry);
    else this.ordered = false;
  }

  /** A chat taken out of the store (erased, or past its retention period). */
  remove(id: string): void {
    if (this.byId.delete(id)) this.ordered = false;
  }

  /** The position of the first entry whose key is not below `key`. */
  private find(key: string): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[mid]!.key < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private inOrder(): Listed[] {
    if (!this.ordered) {
      this.sorted = [...this.byId.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
      this.ordered = true;
    }
    return this.sorted;
  }

  /**
   * The ids of at most `limit` matching chats listed after `after` (a key); `next` is the key of
   * the last of them when more match.
   */
  page(query: ChatQuery, after: string, limit: number): {ids: string[]; next?: string} {
    const all = this.inOrder();
    const ids: string[] = [];
    let i = this.find(after);
    if (all[i]?.key === after) i++;
    let last = '';
    for (; i < all.length; i++) {
      const entry = all[i]!;
      if (!matches(entry, query)) continue;
      if (ids.length === limit) return {ids, next: last};
      ids.push(entry.id);
      last = entry.key;
    }
    return {ids};
  }

  count(query: ChatQuery): number {
    let n = 0;
    for (const entry of this.byId.values()) if (matches(entry, query)) n++;
    return n;
  }
}
