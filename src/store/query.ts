import type {ChatPage, ChatQuery, VisitorPage} from './store.js';
import type {ChatRecord, VisitorRecord} from './types.js';

/** The fields of a chat that queries filter on. */
export type Filtered = Pick<ChatRecord, 'kind' | 'site' | 'visitorId' | 'operators' | 'state' | 'requestedAt'>;

/** Whether a chat matches every filter of a query. */
export function matches(chat: Filtered, q: ChatQuery): boolean {
  if (q.site !== undefined && chat.site !== q.site) return false;
  if (q.visitorId !== undefined && chat.visitorId !== q.visitorId) return false;
  if (q.operator !== undefined && !chat.operators.includes(q.operator)) return false;
  if (q.kind !== undefined && chat.kind !== q.kind) return false;
  if (q.state === 'ended' && chat.state !== 'ended') return false;
  if (q.state === 'open' && chat.state === 'ended') return false;
  if (q.since !== undefined && chat.requestedAt < q.since) return false;
  if (q.until !== undefined && chat.requestedAt >= q.until) return false;
  return true;
}

/** Chats are listed by request time, then id; a cursor is the position of the last one given. */
export function listKey(chat: Pick<ChatRecord, 'id' | 'requestedAt'>): string {
  return `${String(chat.requestedAt).padStart(16, '0')}:${chat.id}`;
}

/** The cursor of a position in the listing (a key), or of the chat at it. */
export function encodeCursor(at: string | ChatRecord): string {
  return Buffer.from(typeof at === 'string' ? at : listKey(at)).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): string {
  return cursor === undefined ? '' : Buffer.from(cursor, 'base64url').toString();
}

/**
 * A cursor as its parts, for a store that orders in its own queries: the number before the
 * colon (a chat's request time, or what a visitor's first-seen time is listed by) and the id.
 */
export function keyAfter(cursor: string | undefined): {n: number; id: string} | undefined {
  const key = decodeCursor(cursor);
  const colon = key.indexOf(':');
  if (colon < 0) return undefined;
  const n = Number(key.slice(0, colon));
  return Number.isFinite(n) ? {n, id: key.slice(colon + 1)} : undefined;
}

/** One page of the matching chats after the cursor, for stores that can hold every record. */
export function pageOf(chats: Iterable<ChatRecord>, query: ChatQuery, cursor: string | undefined, limit: number): ChatPage {
  const after = decodeCursor(cursor);
  const sorted = [...chats]
    .filter((c) => matches(c, query) && listKey(c) > after)
    .sort((a, b) => (listKey(a) < listKey(b) ? -1 : 1));
  const page = sorted.slice(0, limit).map((c) => structuredClone(c));
  return sorted.length > limit ? {chats: page, next: encodeCursor(page.at(-1)!)} : {chats: page};
}

/** Visitors are listed newest first; a cursor is the position of the last one given. */
function visitorKey(v: VisitorRecord): string {
  return `${String(Number.MAX_SAFE_INTEGER - v.firstSeen).padStart(16, '0')}:${v.id}`;
}

export function encodeVisitorCursor(v: VisitorRecord): string {
  return Buffer.from(visitorKey(v)).toString('base64url');
}

/** A visitor cursor as the first-seen time and id of the last visitor given. */
export function visitorAfter(cursor: string | undefined): {firstSeen: number; id: string} | undefined {
  const after = keyAfter(cursor);
  return after && {firstSeen: Number.MAX_SAFE_INTEGER - after.n, id: after.id};
}

/** One page of the visitors (of a site) after the cursor. */
export function visitorPageOf(visitors: Iterable<VisitorRecord>, query: {site?: string}, cursor: string | undefined, limit: number): VisitorPage {
  const after = decodeCursor(cursor);
  const sorted = [...visitors]
    .filter((v) => (query.site === undefined || v.site === query.site) && visitorKey(v) > after)
    .sort((a, b) => (visitorKey(a) < visitorKey(b) ? -1 : 1));
  const page = sorted.slice(0, limit).map((v) => structuredClone(v));
  return sorted.length > limit ? {visitors: page, next: encodeVisitorCursor(page.at(-1)!)} : {visitors: page};
}
