import {extend} from '../../lib/extend.js';
import type {ChatEvent} from '../../protocol/index.js';
import type {ChatFeedTag} from '../feed.js';
import {encodeCursor, keyAfter} from '../query.js';
import type {Appended, ChatGuard, ChatPage, ChatQuery, Changed} from '../store.js';
import {namesOf, putNames, type ChatNames, type ChatRecord, type NewEvent, type StoredChat} from '../types.js';
import {json, type Db} from './connection.js';
import {Refused, type WriteTx} from './writer.js';

/*
 * Chats and their numbered events. A chat's record is one row (its document, with what queries
 * filter on in columns); its events are rows numbered by `seq`, the chat's `last_seq` counting
 * them. An event's seq is taken in the statement that stores it, with the chat's row locked;
 * a client id is stored once per chat by a unique constraint.
 */

/** A chat's record as the columns of its row. */
function chatRow(chat: ChatRecord) {
  return {
    id: chat.id,
    kind: chat.kind,
    site: chat.site,
    visitor_id: chat.visitorId ?? null,
    state: chat.state,
    owner: chat.owner ?? null,
    offer_to: chat.offer?.to ?? null,
    operators: chat.operators,
    requested_at: chat.requestedAt,
    ended_at: chat.endedAt ?? null,
    doc: json(chat),
  };
}

const columns = ['kind', 'site', 'visitor_id', 'state', 'owner', 'offer_to', 'operators', 'requested_at', 'ended_at', 'doc'] as const;

/**
 * Creates or replaces a chat's record (not its events). The statement is sent at once (not when
 * awaited), so a group's statements go to the server in the order its writes were asked for.
 */
export function putChat(db: Db, chat: ChatRecord): Promise<void> {
  const row = chatRow(chat);
  return db`
    INSERT INTO chats ${db(row, 'id', ...columns)}
    ON CONFLICT (id) DO UPDATE SET ${db(row, ...columns)}`
    .execute()
    .then(() => undefined);
}

/** Stores an event after the chat's last one, with its record first when given: sent at once, pipelined. */
export function appendEvent(w: WriteTx, chatId: string, event: NewEvent, chat?: ChatRecord, tag?: ChatFeedTag): Promise<Appended> {
  if (chat && chat.id !== chatId) return Promise.reject(new Refused(`the record of chat ${chat.id} given with an event of chat ${chatId}`));
  const put = chat && putChat(w.tx, chat);
  const appended = insertEvent(w, chatId, event, tag);
  return put ? Promise.all([put, appended]).then(([, a]) => a) : appended;
}

/**
 * One statement: locks the chat's row, and stores the event numbered after the chat's last seq
 * unless its client id is stored already (then the stored one comes back). Depending on no answer
 * from the server before it is sent, it is pipelined with the rest of its group; a later event of
 * the same chat in the group sees this one, as statements of one transaction do. The document is
 * the event's JSON with its seq put in as the server numbers it (json is text: SQL never parses it).
 */
function insertEvent(w: WriteTx, chatId: string, event: NewEvent, tag?: ChatFeedTag): Promise<Appended> {
  const clientId = event.id ?? null;
  const text = JSON.stringify(event);
  return w.tx`
    WITH c AS (
      SELECT last_seq FROM chats WHERE id = ${chatId} FOR UPDATE
    ), before AS (
      SELECT doc FROM events WHERE chat_id = ${chatId} AND client_id = ${clientId}
    ), stored AS (
      INSERT INTO events (chat_id, seq, client_id, doc)
      SELECT ${chatId}, c.last_seq + 1, ${clientId}, (left(${text}::text, -1) || ',"seq":' || (c.last_seq + 1) || '}')::json
      FROM c WHERE NOT EXISTS (SELECT 1 FROM before)
      ON CONFLICT (chat_id, client_id) DO NOTHING
      RETURNING seq
    ), counted AS (
      UPDATE chats SET last_seq = stored.seq FROM stored WHERE chats.id = ${chatId}
    )
    SELECT (SELECT last_seq FROM c) AS last, (SELECT seq FROM stored) AS seq, (SELECT doc FROM before) AS before`
    .execute()
    .then(async ([row]) => {
      if (row?.last === null || row?.last === undefined) throw new Refused(`no chat ${chatId}`);
      if (row.seq === null) {
        // Stored already: found before, or (another transaction's, just committed) on the insert.
        const before = row.before ?? (await w.tx`SELECT doc FROM events WHERE chat_id = ${chatId} AND client_id = ${clientId}`)[0]?.doc;
        return {event: before as ChatEvent, duplicate: true};
      }
      const stored = extend(event, {seq: row.seq as number}) as ChatEvent;
      const feed = tag && w.feed(extend(tag, {at: stored.at, chatId, seq: stored.seq}), {event: stored});
      return {event: stored, duplicate: false, feed};
    });
}

/**
 * The visitor's names as stored (the write's group has locked the row): a claim or change keeps
 * them. Another hub may have named the chat a moment before and its news not come yet, so the
 * copy the change was made to has older names. Read in JavaScript: the document is `json` and
 * may hold a NUL, which SQL cannot take out of it.
 */
async function storedNames(w: WriteTx, chatId: string): Promise<ChatNames> {
  const [row] = await w.tx`SELECT doc FROM chats WHERE id = ${chatId}`;
  return namesOf((row?.doc ?? {}) as ChatNames);
}

/** `chat` with the names as stored, for a claim or change to write. */
function named(chat: ChatRecord, names: ChatNames): ChatRecord {
  const next = {...chat};
  putNames(next, names);
  return next;
}

/**
 * Stores `chat` (its record once claimed) with `event` only if the stored chat has no owner, is
 * not ended and is offered to nobody else: one conditional UPDATE, so that of several hubs
 * accepting the same chat at once exactly one wins. Undefined: someone else had it first.
 */
export async function claimChat(w: WriteTx, chat: ChatRecord, operator: string, event: NewEvent, tag?: ChatFeedTag): Promise<Changed | undefined> {
  const names = await storedNames(w, chat.id);
  const row = chatRow(named(chat, names));
  const [claimed] = await w.tx`
    UPDATE chats SET ${w.tx(row, ...columns)}
    WHERE id = ${chat.id} AND owner IS NULL AND state <> 'ended' AND (offer_to IS NULL OR offer_to = ${operator})
    RETURNING id`;
  if (!claimed) return undefined;
  return {...(await insertEvent(w, chat.id, event, tag)), names};
}

/**
 * Stores `chat` with `event` only if the stored chat's state, owner and offer are still those of
 * `before` (the record the change was made to): another hub's change to them made meanwhile is
 * never written over. Undefined: the stored record had changed.
 */
export async function changeChat(w: WriteTx, chat: ChatRecord, before: ChatGuard, event: NewEvent, tag?: ChatFeedTag): Promise<Changed | undefined> {
  const names = await storedNames(w, chat.id);
  const row = chatRow(named(chat, names));
  const [changed] = await w.tx`
    UPDATE chats SET ${w.tx(row, ...columns)}
    WHERE id = ${chat.id} AND state = ${before.state}
      AND owner IS NOT DISTINCT FROM ${before.owner ?? null} AND offer_to IS NOT DISTINCT FROM ${before.offer?.to ?? null}
    RETURNING id`;
  if (!changed) return undefined;
  return {...(await insertEvent(w, chat.id, event, tag)), names};
}

/**
 * Sets the visitor's name and email in the stored record (the row is locked by the write's
 * group). Read and written back in JavaScript: the document is `json`, which may hold what
 * `jsonb` cannot (a NUL), so SQL does not patch it.
 */
export async function nameChat(tx: Db, chatId: string, names: ChatNames): Promise<void> {
  const [row] = await tx`SELECT doc FROM chats WHERE id = ${chatId}`;
  if (!row) throw new Refused(`no chat ${chatId}`);
  await tx`UPDATE chats SET doc = ${json(named(row.doc as ChatRecord, names))} WHERE id = ${chatId}`;
}

export async function readChat(db: Db, id: string): Promise<StoredChat | undefined> {
  const [row] = await db`SELECT doc, last_seq FROM chats WHERE id = ${id}`;
  return row && {chat: row.doc as ChatRecord, lastSeq: row.last_seq as number};
}

export async function openChats(db: Db): Promise<StoredChat[]> {
  const rows = await db`SELECT doc, last_seq FROM chats WHERE kind = 'op' OR state <> 'ended' ORDER BY id`;
  return rows.map((r) => ({chat: r.doc as ChatRecord, lastSeq: r.last_seq as number}));
}

export async function events(db: Db, chatId: string, after: number, limit: number): Promise<ChatEvent[]> {
  const rows = await db`
    SELECT doc FROM events WHERE chat_id = ${chatId} AND seq > ${after}
    ORDER BY seq LIMIT ${Number.isFinite(limit) ? limit : null}`;
  return rows.map((r) => r.doc as ChatEvent);
}

/** Chats in the order of src/store/query.ts (request time, then id), after its cursor. */
function chatWhere(db: Db, q: ChatQuery, after?: {n: number; id: string}) {
  return [
    q.site !== undefined && db`site = ${q.site}`,
    q.visitorId !== undefined && db`visitor_id = ${q.visitorId}`,
    q.operator !== undefined && db`operators @> ARRAY[${q.operator}]::text[]`,
    q.kind !== undefined && db`kind = ${q.kind}`,
    q.state === 'ended' && db`state = 'ended'`,
    q.state === 'open' && db`state <> 'ended'`,
    q.since !== undefined && db`requested_at >= ${q.since}`,
    q.until !== undefined && db`requested_at < ${q.until}`,
    after && db`(requested_at, id) > (${after.n}, ${after.id})`,
  ]
    .filter((c) => c !== false && c !== undefined)
    .reduce((all, c) => db`${all} AND ${c}`, db`true`);
}

export async function listChats(db: Db, q: ChatQuery, cursor: string | undefined, limit: number): Promise<ChatPage> {
  const where = chatWhere(db, q, keyAfter(cursor));
  const rows = await db`
    SELECT doc FROM chats WHERE ${where}
    ORDER BY requested_at, id LIMIT ${Number.isFinite(limit) ? limit + 1 : null}`;
  const chats = rows.slice(0, limit).map((r) => r.doc as ChatRecord);
  return rows.length > limit ? {chats, next: encodeCursor(chats.at(-1)!)} : {chats};
}

export async function countChats(db: Db, q: ChatQuery): Promise<number> {
  const [row] = await db`SELECT count(*)::int AS n FROM chats WHERE ${chatWhere(db, q)}`;
  return (row?.n as number) ?? 0;
}
