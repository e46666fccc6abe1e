import {listKey, matches, type Filtered} from './query.js';
import type {ChatQuery} from './store.js';
import type {ChatRecord} from './types.js';

/** Documents read at once while the listing is first filled. */
const READERS = 16;
/** Records held for the listing that caused the fill, at most (as JSON, a few hundred bytes each). */
const MAX_HELD = 20_000;

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
  /**
   * Records the fill read that match the query which caused it, until a page hands them out: a
   * command listing every chat (an export) then reads each document once, not twice. Any record
   * stored or removed meanwhile is let go, so what is held is what the files say. Held as JSON:
   * thousands of records as objects would weigh several times more.
   */
  private readonly held = new Map<string, string>();

  /** Adds the chats not listed yet, read with `read` (null: left out), a few at a time. */
  async fill(ids: Iterable<string>, read: (id: string) => Promise<ChatRecord | null>, hold?: ChatQuery): Promise<void> {
    const queue = ids[Symbol.iterator]();
    const worker = async () => {
      for (let next = queue.next(); !next.done; next = queue.next()) {
        const id = next.value;
        if (this.byId.has(id)) continue;
        const chat = await read(id);
        // Stored while it was being read: what was stored is newer than what was read.
        if (!chat || this.byId.has(id)) continue;
        this.put(chat);
        if (hold && this.held.size < MAX_HELD && matches(chat, hold)) this.held.set(id, JSON.stringify(chat));
      }
    };
    // Reads wait on the disk, not on each other: several in flight keep it busy.
    await Promise.all(Array.from({length: READERS}, worker));
  }

  put(chat: ChatRecord): void {
    this.held.delete(chat.id);
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
    this.held.delete(id);
    if (this.byId.delete(id)) this.ordered = false;
  }

  /**
   * The records the fill read of a page's chats, each handed out once; the chats not held are
   * read by the caller. A page holding none of them is another walk than the one the fill
   * began: what is still held is let go.
   */
  takeHeld(ids: readonly string[]): Map<string, ChatRecord> {
    const taken = new Map<string, ChatRecord>();
    for (const id of ids) {
      const text = this.held.get(id);
      // Written above from a record read and checked: read back, it is that record again.
      if (text !== undefined) taken.set(id, JSON.parse(text) as ChatRecord);
      this.held.delete(id);
    }
    if (taken.size === 0) this.held.clear();
    return taken;
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
