import {z} from 'zod';
import {feedTypeNames} from './feed-types.js';
import {chatEvent, operatorStatus, pageView} from './common.js';
import {visitSchema} from './operator.js';

/*
 * The hub's event feed: everything that happens on the hub, one entry each, numbered by a
 * hub-wide `cursor` (1, 2, 3 ... with no gap) in the order it was stored. Followers connect to
 * `/ws/events` (authenticated like `/ws/operator`) and get entries after a cursor, then live.
 */

/** Every kind of entry. Entries of a chat carry the chat's `seq` and, when it can be read, its event. */
export const feedType = z.enum(feedTypeNames);
export type FeedType = z.infer<typeof feedType>;

const base = {
  cursor: z.number().int().positive(),
  /** When it happened (ms). */
  at: z.number(),
};

/**
 * An entry about one event of a visitor chat. `event` is read from the chat's log when the
 * entry is replayed; it is missing only when that log no longer holds it.
 */
const inChat = {
  site: z.string(),
  chatId: z.string(),
  visitorId: z.string().optional(),
  seq: z.number().int().positive(),
  event: chatEvent.optional(),
};

/** How a visit began (its pages follow as page.viewed). */
const visitStart = visitSchema.omit({pages: true, end: true});

export const feedEntry = z.discriminatedUnion('type', [
  /** A visit begins (a first page view, or one after a long pause). */
  z.object({...base, type: z.literal('visitor.arrived'), site: z.string(), visitorId: z.string(), visit: visitStart.optional()}),
  z.object({
    ...base,
    type: z.literal('page.viewed'),
    site: z.string(),
    visitorId: z.string(),
    visitId: z.string().optional(),
    page: pageView.optional(),
  }),
  /** The visitor's last tab has been gone longer than the grace period. */
  z.object({...base, type: z.literal('visitor.left'), site: z.string(), visitorId: z.string()}),
  /** A visitor asks to chat: the event is its first message. */
  z.object({...base, type: z.literal('chat.requested'), ...inChat}),
  z.object({...base, type: z.literal('chat.accepted'), ...inChat, operator: z.string()}),
  /** A message of the visitor (no operator) or of the operator named. */
  z.object({...base, type: z.literal('chat.message'), ...inChat, operator: z.string().optional()}),
  z.object({...base, type: z.literal('link.sent'), ...inChat, operator: z.string()}),
  /** The owner stepped out (or lost its connection): the chat waits again. */
  z.object({...base, type: z.literal('chat.left'), ...inChat, operator: z.string()}),
  /** Ended by its operator, closed by the visitor (`left`), or closed by a block. */
  z.object({
    ...base,
    type: z.literal('chat.ended'),
    ...inChat,
    reason: z.enum(['ended', 'left', 'blocked']),
    operator: z.string().optional(),
  }),
  z.object({
    ...base,
    type: z.literal('visitor.blocked'),
    site: z.string(),
    visitorId: z.string(),
    chatId: z.string().optional(),
    operator: z.string(),
    until: z.number(),
  }),
  /** `operator` offered the chat to `to` alone, with a note the visitor never sees. */
  z.object({...base, type: z.literal('transfer.offered'), ...inChat, operator: z.string(), to: z.string(), note: z.string().optional()}),
  /** The chat offered to `operator` by `from` waits for everyone again. */
  z.object({
    ...base,
    type: z.literal('transfer.declined'),
    ...inChat,
    operator: z.string(),
    from: z.string(),
    outcome: z.enum(['declined', 'timeout', 'offline']),
  }),
  z.object({...base, type: z.literal('invitation.sent'), site: z.string(), visitorId: z.string(), operator: z.string(), text: z.string()}),
  /** Accepted: the chat starts owned by `operator` (the event is its first, the join). */
  z.object({
    ...base,
    type: z.literal('invitation.answered'),
    site: z.string(),
    visitorId: z.string(),
    operator: z.string(),
    outcome: z.enum(['accepted', 'dismissed']),
    chatId: z.string().optional(),
    seq: z.number().int().positive().optional(),
    event: chatEvent.optional(),
  }),
  /** An operator's status changed, or its first client connected or its last one went. */
  z.object({...base, type: z.literal('operator.status'), operator: z.string(), status: operatorStatus, connected: z.boolean()}),
  /** An entry taken out of the feed since (a visitor's erasure, or the retention period): its cursor stays taken. */
  z.object({...base, type: z.literal('removed')}),
]);
export type FeedEntry = z.infer<typeof feedEntry>;

/** What the hub sends on `/ws/events`; the follower sends nothing (WebSocket pings aside). */
export const hubToEvents = z.discriminatedUnion('t', [
  z.object({t: z.literal('entry'), entry: feedEntry}),
  /** Every entry up to `cursor` was sent or filtered out: what follows is live. */
  z.object({t: z.literal('live'), cursor: z.number().int().nonnegative()}),
]);
export type HubToEvents = z.infer<typeof hubToEvents>;

/**
 * The query of `/ws/events`: entries after the cursor `since`, or from the instant `from` (ms),
 * else only from now on; of the sites and types named (any, when none is).
 */
export const eventsQuery = z.object({
  v: z.number().int().optional(),
  since: z.number().int().nonnegative().optional(),
  from: z.number().optional(),
  site: z.array(z.string().min(1).max(253)).max(100),
  type: z.array(feedType).max(feedType.options.length),
});
export type EventsQuery = z.infer<typeof eventsQuery>;

/** The query string of an events socket. */
export function eventsSearch(q: Partial<EventsQuery>): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of ['v', 'since', 'from'] as const) if (q[key] !== undefined) params.set(key, String(q[key]));
  for (const site of q.site ?? []) params.append('site', site);
  for (const type of q.type ?? []) params.append('type', type);
  return params;
}

/** Reads an events socket's query string; the error names the first problem. */
export function parseEventsSearch(params: URLSearchParams): {ok: true; value: EventsQuery} | {ok: false; error: string} {
  const number = (key: string) => (params.has(key) ? (/^-?\d+$/.test(params.get(key)!) ? Number(params.get(key)) : NaN) : undefined);
  const parsed = eventsQuery.safeParse({
    v: number('v'),
    since: number('since'),
    from: number('from'),
    site: params.getAll('site'),
    type: params.getAll('type'),
  });
  if (parsed.success) return {ok: true, value: parsed.data};
  const issue = parsed.error.issues[0]!;
  return {ok: false, error: `${issue.path.join('.')}: ${issue.message}`};
}
