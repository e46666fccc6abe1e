import type {ZodType} from 'zod';
import {listChatIds} from './chat-files.js';
import {ChatListing} from './chat-listing.js';
import type {OpenIndex} from './open-index.js';
import type {Pending} from './pending.js';
import {decodeCursor, encodeCursor} from './query.js';
import type {ChatPage, ChatQuery} from './store.js';
import {chatRecord, type ChatRecord} from './types.js';

/** What the listing reads the data folder with. */
export interface ListingParts {
  dir: string;
  pending: Pending;
  index: OpenIndex;
  indexReady: () => Promise<void>;
  /** A document as it stands: the journal's version, or the file's. */
  readDoc: <T>(f: string, schema: ZodType<T>) => Promise<T | null>;
}

/**
 * The data folder's chats listed a page at a time: every chat's entry is read once (on the
 * first listing), then kept as records are stored. A hub that never lists keeps none.
 */
export class FolderListing {
  private readonly listing = new ChatListing();
  private load: Promise<ChatListing> | undefined;

  constructor(private readonly parts: ListingParts) {}

  async page(query: ChatQuery, cursor: string | undefined, limit: number): Promise<ChatPage> {
    const listing = await this.ready(query);
    const {ids, next} = listing.page(query, decodeCursor(cursor), limit);
    const held = listing.takeHeld(ids);
    const chats = (await Promise.all(ids.map((id) => held.get(id) ?? this.chat(id)))).filter((c): c is ChatRecord => c !== null);
    return next === undefined ? {chats} : {chats, next: encodeCursor(next)};
  }

  async count(query: ChatQuery): Promise<number> {
    return (await this.ready()).count(query);
  }

  /** A stored record goes into the listing once there is one. */
  put(chat: ChatRecord): void {
    if (this.load) this.listing.put(chat);
  }

  remove(id: string): void {
    this.listing.remove(id);
  }

  /** A chat's record as stored; a damaged one is left out of listings (reading it names the file). */
  private async chat(id: string): Promise<ChatRecord | null> {
    return this.parts.index.get(id)?.chat ?? (await this.parts.readDoc(`chats/${id}.json`, chatRecord).catch(() => null));
  }

  /** The records of the chats a first listing asks for are held for its pages. */
  private ready(query?: ChatQuery): Promise<ChatListing> {
    this.load ??= (async () => {
      // From here on every record stored goes into the listing. Chats the journal holds are not
      // in their files yet; they are taken before the folder is read, so one the checkpoint
      // moves from the journal to its file meanwhile is seen in one place or the other.
      const ids = new Set<string>();
      for (const f of this.parts.pending.docFiles()) if (/^chats\/[\w~-]+\.json$/.test(f)) ids.add(f.slice(6, -5));
      await this.parts.indexReady();
      for (const id of await listChatIds(this.parts.dir)) ids.add(id);
      await this.listing.fill(ids, (id) => this.chat(id), query);
      return this.listing;
    })();
    return this.load;
  }
}
