import type postgres from 'postgres';
import type {FeedEntry, PageView, Visit} from '../../protocol/index.js';
import type {VisitorFeedTag} from '../feed.js';
import type {VisitorLine} from '../log-file.js';
import {visitsFrom} from '../log-reader.js';
import {encodeVisitorCursor, visitorAfter} from '../query.js';
import type {VisitorPage} from '../store.js';
import type {VisitStart, VisitorRecord} from '../types.js';
import {json, type Db} from './connection.js';
import {Refused, type WriteTx} from './writer.js';

/*
 * Visitors: a record per visitor (its chat ids in a column, to be pruned in SQL), and its visits
 * and page views as numbered lines, as the data folder's visitor log has them. Feed entries of a
 * visit or a page view hold it whole: they are small, and read back without a join.
 */

/** Creates or replaces a visitor's record: sent at once, pipelined with its group. */
export function putVisitor(db: Db, visitor: VisitorRecord): Promise<void> {
  const {chats, ...rest} = visitor;
  const row = {id: visitor.id, site: visitor.site, first_seen: visitor.firstSeen, chats, doc: json(rest)};
  return db`
    INSERT INTO visitors ${db(row, 'id', 'site', 'first_seen', 'chats', 'doc')}
    ON CONFLICT (id) DO UPDATE SET ${db(row, 'site', 'first_seen', 'chats', 'doc')}`
    .execute()
    .then(() => undefined);
}

const visitorOf = (row: postgres.Row): VisitorRecord => ({...(row.doc as Omit<VisitorRecord, 'chats'>), chats: row.chats as string[]});

export async function readVisitor(db: Db, id: string): Promise<VisitorRecord | undefined> {
  const [row] = await db`SELECT doc, chats FROM visitors WHERE id = ${id}`;
  return row && visitorOf(row);
}

/** Appends a line to a visitor's visits, numbered by the statement that stores it: sent at once, pipelined. */
function appendLine(w: WriteTx, visitorId: string, visitId: string, start: boolean, at: number, doc: object): Promise<void> {
  return w.tx`
    WITH v AS (UPDATE visitors SET last_line = last_line + 1 WHERE id = ${visitorId} RETURNING last_line)
    INSERT INTO visitor_lines (visitor_id, n, visit_id, start, at, doc)
    SELECT ${visitorId}, v.last_line, ${visitId}, ${start}::boolean, ${at}::double precision, ${json(doc)}::json FROM v
    RETURNING n`
    .execute()
    .then(([row]) => {
      if (!row) throw new Refused(`no visitor ${visitorId}`);
    });
}

export function appendVisit(w: WriteTx, visitorId: string, visit: VisitStart, tag?: VisitorFeedTag): Promise<FeedEntry | undefined> {
  return appendLine(w, visitorId, visit.id, true, visit.start, visit).then(() => tag && w.feed({type: 'visitor.arrived', at: visit.start, site: tag.site, visitorId, visit}));
}

export function appendPage(w: WriteTx, visitorId: string, visitId: string, page: PageView, tag?: VisitorFeedTag): Promise<FeedEntry | undefined> {
  return appendLine(w, visitorId, visitId, false, page.at, {...page, v: visitId}).then(
    () => tag && w.feed({type: 'page.viewed', at: page.at, site: tag.site, visitorId, visitId, page}),
  );
}

/** The visitor's newest visits with their pages, newest first. */
export async function visits(db: Db, visitorId: string, limit: number): Promise<Visit[]> {
  const rows = await db`
    SELECT n, start, doc FROM visitor_lines
    WHERE visitor_id = ${visitorId} AND visit_id IN (
      SELECT visit_id FROM visitor_lines WHERE visitor_id = ${visitorId} AND start
      ORDER BY n DESC LIMIT ${Number.isFinite(limit) ? limit : null})
    ORDER BY n DESC`;
  const lines = rows.map((r) => (r.start ? {n: r.n, visit: r.doc} : {n: r.n, page: r.doc}) as VisitorLine);
  return visitsFrom(lines, limit);
}

/** Visitors in the order of src/store/query.ts (newest first seen first, then id), after its cursor. */
export async function listVisitors(db: Db, query: {site?: string}, cursor: string | undefined, limit: number): Promise<VisitorPage> {
  const after = visitorAfter(cursor);
  const rows = await db`
    SELECT doc, chats FROM visitors
    WHERE true
      ${query.site !== undefined ? db`AND site = ${query.site}` : db``}
      ${after ? db`AND (first_seen < ${after.firstSeen} OR (first_seen = ${after.firstSeen} AND id > ${after.id}))` : db``}
    ORDER BY first_seen DESC, id LIMIT ${Number.isFinite(limit) ? limit + 1 : null}`;
  const visitors = rows.slice(0, limit).map(visitorOf);
  return rows.length > limit ? {visitors, next: encodeVisitorCursor(visitors.at(-1)!)} : {visitors};
}
