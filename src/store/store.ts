import type {ChatEvent, FeedEntry, PageView, Visit} from '../protocol/index.js';
import type {ChatFeedTag, FeedFilter, FeedPage, NewFeedEntry, VisitorFeedTag} from './feed.js';
import type {ChatNames, ChatRecord, GlobalName, Globals, NewEvent, StoredChat, VisitStart, VisitorRecord} from './types.js';

/** What `appendEvent` did: stored the event, or found the client id already stored. */
export interface Appended {
  event: ChatEvent;
  duplicate: boolean;
  /** The feed entry stored with it (none for a duplicate, or an event appended without a tag). */
  feed?: FeedEntry;
}

/**
 * What a claim or change stored with hubs sharing the store: its event, and the visitor's names
 * as the store holds them (kept there: the copy the change was made to may not have them yet).
 */
export interface Changed extends Appended {
  names: ChatNames;
}

/** What a change to a chat's record was made to, and must still be stored for it to go in. */
export type ChatGuard = Pick<ChatRecord, 'state' | 'owner' | 'offer'>;

export interface ChatQuery {
  site?: string;
  visitorId?: string;
  /** Chats this operator took part in. */
  operator?: string;
  /** 'open' is anything not ended. */
  state?: 'open' | 'ended';
  kind?: 'visitor' | 'op';
  /** Requested at or after / before these instants (ms). */
  since?: number;
  until?: number;
}

export interface VisitorPage {
  visitors: VisitorRecord[];
  next?: string;
}

/** What `eraseVisitor` removed. */
export interface Erased {
  visitor: boolean;
  chats: string[];
  visits: number;
}

/** What `prune` removed. */
export interface Pruned {
  chats: number;
  visits: number;
}

export interface ChatPage {
  chats: ChatRecord[];
  /** Pass back as `cursor` for the next page; absent on the last one. */
  next?: string;
}

/**
 * A write the store could not make durable: nothing of it was kept, the caller may retry. (On
 * PostgreSQL, a commit whose connection was lost on its way back may have been kept: a retry
 * with the same client id is stored once.)
 */
export class NotStoredError extends Error {
  constructor(cause: unknown) {
    super(`not stored: ${cause instanceof Error ? cause.message : String(cause)}`, {cause});
    this.name = 'NotStoredError';
  }
}

/** A stored file that cannot be read back as what it should hold. Nothing overwrites it. */
export class DamagedError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file} is damaged: ${reason}`);
    this.name = 'DamagedError';
  }
}

/**
 * Everything the hub and the CLI keep, in their own terms: chats and their numbered events,
 * visitors and their visits, and a few small global records. Each write resolves once it is
 * durable (or rejects with NotStoredError, having changed nothing). Implementations: the embedded
 * data folder (default), memory (tests); PostgreSQL for several hubs.
 */
export interface Store {
  open(): Promise<void>;
  /** Makes everything durable and lets go of files (graceful shutdown). */
  close(): Promise<void>;
  /** Resolves once every write asked for so far is durable. */
  flush(): Promise<void>;
  /** Resolves when the store answers (a database server), rejects when it does not. */
  ping?(): Promise<void>;

  /** Chats not ended, and every operator-to-operator chat: what a hub serves from the start. */
  openChats(): Promise<StoredChat[]>;
  chat(id: string): Promise<StoredChat | undefined>;
  /** Creates or replaces a chat's record (not its events). */
  putChat(chat: ChatRecord): Promise<void>;
  /**
   * Numbers and stores an event; with `chat`, the record is stored in the same write, and with
   * `feed`, an entry of the feed that refers to it (never one without the other). An event
   * whose client `id` is among the chat's latest 1,000 (in PostgreSQL and in memory, any of its
   * ids) is not stored again: the stored one comes back. Events of one chat are numbered in the
   * order of the calls.
   */
  appendEvent(chatId: string, event: NewEvent, chat?: ChatRecord, feed?: ChatFeedTag): Promise<Appended>;
  /**
   * Stores `chat` (now owned by `operator`) with `event` only if nobody owns it yet and it is
   * not offered to someone else: one conditional write, so hubs sharing the store cannot both
   * win. Undefined when the chat was taken. The visitor's names stay as stored (see `Changed`).
   * (A single hub decides in memory and needs none.)
   */
  claimChat?(chat: ChatRecord, operator: string, event: NewEvent, feed?: ChatFeedTag): Promise<Changed | undefined>;
  /**
   * Stores `chat` with `event` only if the stored record's state, owner and offer are still those
   * of `before`, the copy the change was made to: hubs sharing the store then never write over a
   * change another hub made a moment before. Undefined when they had changed. The visitor's
   * names stay as stored (see `Changed`). (A single hub's copy is the record and needs none.)
   */
  changeChat?(chat: ChatRecord, before: ChatGuard, event: NewEvent, feed?: ChatFeedTag): Promise<Changed | undefined>;
  /**
   * Puts the visitor's name and email in a chat's record as stored, the rest left as it is there:
   * a hub sharing the store may not have heard yet of another hub's change to the rest, and must
   * not write its older copy back. (A single hub's copy is the record: it puts it whole.)
   */
  nameChat?(chatId: string, names: ChatNames): Promise<void>;
  /** Events after `after`, in order, at most `limit`. */
  events(chatId: string, after?: number, limit?: number): Promise<ChatEvent[]>;
  /** Chats matching `query`, oldest request first, a page at a time. */
  listChats(query?: ChatQuery, cursor?: string, limit?: number): Promise<ChatPage>;
  /** How many chats match `query` (what a progress bar over a listing needs). */
  countChats(query?: ChatQuery): Promise<number>;

  visitor(id: string): Promise<VisitorRecord | undefined>;
  putVisitor(visitor: VisitorRecord): Promise<void>;
  /** Appends a visit's start (with `feed`, and a visitor.arrived entry in the same write). */
  appendVisit(visitorId: string, visit: VisitStart, feed?: VisitorFeedTag): Promise<FeedEntry | undefined>;
  /** Appends a page view (with `feed`, and a page.viewed entry in the same write). */
  appendPage(visitorId: string, visitId: string, page: PageView, feed?: VisitorFeedTag): Promise<FeedEntry | undefined>;
  /** The visitor's visits with their pages, newest first, at most `limit`. */
  visits(visitorId: string, limit?: number): Promise<Visit[]>;
  /**
   * Runs `read`, reads wanted for throughput: many reads of stored chats in a row (a page of an
   * export or a search), or a returning visitor's record and last visit. The data folder then
   * reads each small file at once instead of through the file thread pool, holding the hub a
   * few microseconds per file (milliseconds per page) but costing a third of the processor time.
   * Stores without such a choice just run it.
   */
  bulk?<T>(read: () => Promise<T>): Promise<T>;
  /** Visitors, most recently first seen first, a page at a time. */
  listVisitors(query?: {site?: string}, cursor?: string, limit?: number): Promise<VisitorPage>;
  /**
   * Removes a visitor and everything kept about them here: their record, visits and pages, and
   * their chats with every event. (Global records, such as blocks and left messages, are the
   * caller's.) Resolves once nothing of it is left on disk.
   */
  eraseVisitor(id: string): Promise<Erased>;
  /**
   * Removes ended visitor chats and visits that ended before the cutoff of their site
   * (`cutoff(site)` in ms, or undefined to keep that site's), for a retention period.
   */
  prune(cutoff: (site: string) => number | undefined): Promise<Pruned>;

  /**
   * The feed: every entry numbered by a hub-wide cursor, 1, 2, 3 ... in the order its write
   * goes to disk, with no gap (a cursor whose write failed is handed out again).
   * `appendFeed` stores an entry about something not stored otherwise.
   */
  appendFeed(entry: NewFeedEntry): Promise<FeedEntry>;
  /** Entries after `after` matching `filter`, oldest first, with what they refer to read back. */
  feed(after: number, limit: number, filter?: FeedFilter): Promise<FeedPage>;
  /** The last durable cursor (0 for an empty feed). */
  feedEnd(): Promise<number>;
  /** The cursor after which entries are at or after the instant `at`. */
  feedCursorAt(at: number): Promise<number>;
  /** Calls `listener` with each entry once it is durable, in cursor order. */
  onFeed(listener: (entry: FeedEntry) => void): void;

  /** A global record; the hub's copy is kept in memory, `fresh` reads it again. */
  global<K extends GlobalName>(name: K, fresh?: boolean): Promise<Globals[K]>;
  putGlobal<K extends GlobalName>(name: K, value: Globals[K]): Promise<void>;
}

/**
 * The visit a visit-start and its pages make, `end` being the last page's time. Its keys come in
 * the schema's order (`end` after `start`): an answer holding it is then checked, not copied.
 */
export function buildVisit(start: VisitStart, pages: PageView[]): Visit {
  const {id, start: at, ...rest} = start;
  return {id, start: at, end: pages.at(-1)?.at ?? at, ...rest, pages};
}
