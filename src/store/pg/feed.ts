import {feedEntry, type ChatEvent, type FeedEntry} from '../../protocol/index.js';
import {entryOf, type FeedFilter, type FeedPage, type FeedRecord, type NewFeedEntry} from '../feed.js';
import type {Report} from '../log-file.js';
import type {Db} from './connection.js';
import type {WriteTx} from './writer.js';

/*
 * The feed on PostgreSQL: one row per entry, numbered by `cursor` (see writer.ts for how it is
 * handed out without a gap). An entry about a chat event keeps the chat id and seq and is read
 * back with the event joined in, so a long message is stored once; anything else is kept whole.
 */

/** Rows looked at for one page at the most, however few of them a filter keeps (as the data folder). */
const SCAN_MAX = 5000;

/** Stores an entry given whole; one about a chat event keeps a reference to the event instead. */
export function appendFeed(w: WriteTx, entry: NewFeedEntry): FeedEntry {
  const whole = entry as FeedRecord & {event?: ChatEvent};
  if (typeof whole.chatId === 'string' && typeof whole.seq === 'number' && whole.event) {
    const {event, ...record} = whole;
    return w.feed(record, {event});
  }
  return w.feed(whole);
}

/** The last committed cursor. */
export async function feedEnd(db: Db): Promise<number> {
  const [row] = await db`SELECT last FROM feed_end`;
  return Number(row!.last);
}

export async function feedPage(db: Db, after: number, limit: number, filter: FeedFilter = {}, report: Report): Promise<FeedPage> {
  // Entries commit in cursor order, so every one up to the end read first is in the next read.
  const end = await feedEnd(db);
  const from = Math.max(0, after);
  if (limit <= 0) return {entries: [], last: from, more: from < end};
  const upTo = Math.min(end, from + SCAN_MAX);
  const rows = await db`
    SELECT f.cursor, f.doc, e.doc AS event
    FROM feed f LEFT JOIN events e ON e.chat_id = f.chat_id AND e.seq = f.seq
    WHERE f.cursor > ${from} AND f.cursor <= ${upTo}
      ${filter.types ? db`AND f.type = ANY(${filter.types}::text[])` : db``}
      ${filter.sites ? db`AND (f.site = ANY(${filter.sites}::text[]) OR (f.site IS NULL AND ${filter.siteless === true}))` : db``}
    ORDER BY f.cursor LIMIT ${limit}`;
  const entries: FeedEntry[] = [];
  for (const row of rows) {
    const cursor = Number(row.cursor);
    const parsed = feedEntry.safeParse(entryOf(cursor, row.doc as FeedRecord, {event: (row.event as ChatEvent | null) ?? undefined}));
    if (parsed.success) entries.push(parsed.data);
    else report(`feed entry ${cursor} has the wrong shape (${parsed.error.issues[0]?.message}); skipped`);
  }
  const last = rows.length >= limit ? Number(rows.at(-1)!.cursor) : upTo;
  return {entries, last: Math.max(last, from), more: last < end};
}

/** The cursor after which entries are at or after `at` (entries are stored in time order). */
export async function feedCursorAt(db: Db, at: number): Promise<number> {
  const end = await feedEnd(db);
  const [first] = await db`SELECT cursor FROM feed WHERE at >= ${at} AND cursor <= ${end} ORDER BY at, cursor LIMIT 1`;
  return first ? Number(first.cursor) - 1 : end;
}
