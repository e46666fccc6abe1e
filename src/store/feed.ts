import {z} from 'zod';
import {extend} from '../lib/extend.js';
import {feedEntry, feedType, type ChatEvent, type FeedEntry, type FeedType} from '../protocol/index.js';
import type {Report, VisitorLine} from './log-file.js';

/*
 * The feed as the store keeps it. An entry about something stored elsewhere (a chat's event, a
 * visit, a page view) is kept as a small reference to it (chat id and seq, or the visitor log
 * line) beside its type, site and time, so a message costs the feed a hundred-odd bytes whatever
 * its length; replaying the feed reads what it refers to. Anything else is kept whole.
 */

export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** An entry as given to `appendFeed`: the store numbers it. */
export type NewFeedEntry = DistributiveOmit<FeedEntry, 'cursor'>;

/** The entries that are about one event of a chat: the hub tags an event with one of these. */
export type ChatFeedType =
  | 'chat.requested'
  | 'chat.accepted'
  | 'chat.message'
  | 'link.sent'
  | 'chat.left'
  | 'chat.ended'
  | 'transfer.offered'
  | 'transfer.declined'
  | 'invitation.answered';

/** What the hub says about a chat event it appends; the store adds its time, chat, seq and event. */
export type ChatFeedTag = DistributiveOmit<Extract<FeedEntry, {type: ChatFeedType}>, 'cursor' | 'at' | 'chatId' | 'seq' | 'event'>;

/** What the hub says about a visit or page view it appends (the store knows the rest). */
export interface VisitorFeedTag {
  site: string;
}

/** A feed entry as stored: the entry without its cursor and without what it refers to. */
export type FeedRecord = {type: FeedType; at: number; site?: string; chatId?: string; seq?: number; visitorId?: string; line?: number} & Record<
  string,
  unknown
>;

/** One line of a feed file. */
export const feedLine = z.object({n: z.number().int().positive(), e: z.object({type: feedType, at: z.number()}).loose()});
export type FeedLine = {n: number; e: FeedRecord};

/** What the store has read (or has in hand) of what a record refers to. */
export interface Referred {
  event?: ChatEvent;
  line?: VisitorLine;
}

/** The entry a record makes, with what it refers to filled in (left out where it is missing). */
export function entryOf(cursor: number, record: FeedRecord, referred: Referred = {}): FeedEntry {
  // A chat's entries (one a message) have no line to leave out: copied as they are (see extend).
  let entry: Record<string, unknown>;
  if ('line' in record) {
    const {line: _line, ...rest} = record;
    entry = {...rest, cursor};
  } else entry = extend(record, {cursor});
  if (referred.event) entry.event = referred.event;
  const line = referred.line;
  if (line && 'visit' in line) entry.visit = line.visit;
  if (line && 'page' in line) {
    const {v, ...page} = line.page;
    entry.visitId = v;
    entry.page = page;
  }
  return entry as FeedEntry;
}

/** Which entries a reader wants. */
export interface FeedFilter {
  /** Only entries of these sites (and, with `siteless`, entries of no site: operators' status). */
  sites?: string[];
  siteless?: boolean;
  types?: FeedType[];
}

export function feedMatches(e: {type: string; site?: unknown}, filter: FeedFilter = {}): boolean {
  if (filter.types && !filter.types.includes(e.type as FeedType)) return false;
  if (!filter.sites) return true;
  return typeof e.site === 'string' ? filter.sites.includes(e.site) : filter.siteless === true;
}

/** One page of the feed. */
export interface FeedPage {
  entries: FeedEntry[];
  /** Every cursor up to this one was looked at: the `after` of the next page. */
  last: number;
  /** Whether durable entries follow `last`. */
  more: boolean;
}

/** Where a store finds what records refer to. */
export interface FeedSource {
  /** A chat's events after `after`. */
  events(chatId: string, after: number): Promise<ChatEvent[]>;
  /** A visitor log's lines after `after`. */
  visitorLines(visitorId: string, after: number): Promise<VisitorLine[]>;
}

/**
 * The entries of some feed lines, each chat's and visitor's log read once for all of them. A
 * line whose entry does not have the shape of one is reported and skipped; one whose referred
 * event or line cannot be read comes without it.
 */
export async function resolve(lines: FeedLine[], source: FeedSource, report: Report): Promise<FeedEntry[]> {
  const chats = new Map<string, number>();
  const visitors = new Map<string, number>();
  const lowest = (map: Map<string, number>, key: string, n: number) => map.set(key, Math.min(n, map.get(key) ?? n));
  for (const {e} of lines) {
    if (e.chatId !== undefined && e.seq !== undefined) lowest(chats, e.chatId, e.seq);
    if (e.visitorId !== undefined && e.line !== undefined) lowest(visitors, e.visitorId, e.line);
  }
  const events = new Map<string, Map<number, ChatEvent>>();
  const visits = new Map<string, Map<number, VisitorLine>>();
  for (const [chatId, seq] of chats) {
    const read = await source.events(chatId, seq - 1).catch(() => []);
    events.set(chatId, new Map(read.map((e) => [e.seq, e])));
  }
  for (const [visitorId, n] of visitors) {
    const read = await source.visitorLines(visitorId, n - 1).catch(() => []);
    visits.set(visitorId, new Map(read.map((l) => [l.n, l])));
  }
  const entries: FeedEntry[] = [];
  for (const {n, e} of lines) {
    const referred: Referred = {
      event: e.chatId !== undefined && e.seq !== undefined ? events.get(e.chatId)?.get(e.seq) : undefined,
      line: e.visitorId !== undefined && e.line !== undefined ? visits.get(e.visitorId)?.get(e.line) : undefined,
    };
    const parsed = feedEntry.safeParse(entryOf(n, e, referred));
    if (parsed.success) entries.push(parsed.data);
    else report(`feed entry ${n} has the wrong shape (${parsed.error.issues[0]?.message}); skipped`);
  }
  return entries;
}
