import {z} from 'zod';
import {limitNames, type LimitName} from './limits.js';

/** Bumped whenever a frame changes shape; peers with another version are refused at connect. */
export const PROTOCOL_VERSION = 1;

/** Largest WebSocket frame the hub accepts; a bigger one closes that socket. */
export const MAX_FRAME_BYTES = 64 * 1024;
export const MAX_TEXT = 4000;

export const clientId = z.string().min(8).max(64).regex(/^[\w-]+$/, 'id must be word characters');
export const text = z.string().trim().min(1, 'text must not be empty').max(MAX_TEXT);
export const shortText = z.string().max(200);
export const operatorName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'operator names are 1-32 of a-z, 0-9, _ and -');
export const chatId = z.string().min(1).max(100).regex(/^[\w~-]+$/, 'malformed chat id');
export const url = z.string().max(2000);

export const operatorStatus = z.enum(['online', 'away', 'offline']);
export type OperatorStatus = z.infer<typeof operatorStatus>;

export const chatState = z.enum(['waiting', 'active', 'ended']);
export type ChatState = z.infer<typeof chatState>;

/**
 * One numbered event of a chat. `priv` events (an operator leaving, say) are for operators only
 * and never sent to the visitor, so a visitor may see gaps in `seq`.
 */
export const chatEvent = z.object({
  seq: z.number().int().positive(),
  at: z.number(),
  kind: z.enum(['msg', 'join', 'leave', 'left', 'end', 'block', 'link', 'request', 'note']),
  from: z.enum(['visitor', 'operator', 'system']),
  name: z.string(),
  text: z.string(),
  id: z.string().optional(),
  url: z.string().optional(),
  priv: z.boolean().optional(),
});
export type ChatEvent = z.infer<typeof chatEvent>;

export const pageView = z.object({url, title: shortText, at: z.number()});
export type PageView = z.infer<typeof pageView>;

export const visitorSummary = z.object({
  id: z.string(),
  site: z.string(),
  name: z.string().optional(),
  email: z.string().optional(),
  ip: z.string(),
  location: z.string().optional(),
  browser: z.string(),
  os: z.string(),
  referrer: z.string().optional(),
  page: pageView.optional(),
  pages: z.number(),
  since: z.number(),
  online: z.boolean(),
  chatId: z.string().optional(),
  /** Chats this visitor had before (ended ones): the history key shows only when there are some. */
  chatsBefore: z.number().optional(),
});
export type VisitorSummary = z.infer<typeof visitorSummary>;

export const chatSummary = z.object({
  id: z.string(),
  kind: z.enum(['visitor', 'op']),
  site: z.string(),
  visitorId: z.string().optional(),
  visitorName: z.string().optional(),
  state: chatState,
  owner: z.string().optional(),
  members: z.array(z.string()).optional(),
  requestedAt: z.number(),
  firstText: z.string().optional(),
  /** A chat being transferred: offered to this operator alone until accepted or declined. */
  offeredTo: z.string().optional(),
  lastSeq: z.number(),
  preview: z.boolean().optional(),
});
export type ChatSummary = z.infer<typeof chatSummary>;

export const operatorSummary = z.object({
  name: z.string(),
  displayName: z.string(),
  status: operatorStatus,
  connected: z.boolean(),
});
export type OperatorSummary = z.infer<typeof operatorSummary>;

export const offlineMessage = z.object({
  id: z.string(),
  site: z.string(),
  visitorId: z.string(),
  name: z.string().optional(),
  email: z.string().optional(),
  text: z.string(),
  at: z.number(),
});
export type OfflineMessage = z.infer<typeof offlineMessage>;

export const canned = z.object({
  id: z.string(),
  /** The operator it belongs to; none for the team's. */
  owner: z.string().optional(),
  /** Who added it (a team response may be changed by them or an admin). */
  by: z.string().optional(),
  shortcut: z.string(),
  text: z.string(),
});
export type Canned = z.infer<typeof canned>;

/**
 * Canned responses one operator may keep of its own, and the team's together: every change
 * sends the whole list to every operator, so it must stay a list a person would use.
 */
export const MAX_CANNED_OWN = 100;
export const MAX_CANNED_TEAM = 200;

/** Why one more canned response of `owner` (none: the team's) cannot be kept, or undefined. */
export function cannedFull(list: Canned[], owner: string | undefined): string | undefined {
  const max = owner ? MAX_CANNED_OWN : MAX_CANNED_TEAM;
  if (list.filter((c) => c.owner === owner).length < max) return undefined;
  return `${owner ? `${owner} has` : 'the team has'} ${max} canned responses, as many as are kept: remove some first`;
}

/** A chat without its events: small, and rewritten only when the chat itself changes. */
export const chatRecord = z.object({
  id: z.string(),
  kind: z.enum(['visitor', 'op']),
  site: z.string(),
  visitorId: z.string().optional(),
  visitId: z.string().optional(),
  visitorName: z.string().optional(),
  visitorEmail: z.string().optional(),
  /** Operator-to-operator chats: the two operators. */
  members: z.array(z.string()).optional(),
  state: chatState,
  owner: z.string().optional(),
  /** Every operator who ever took part, for history and transcripts. */
  operators: z.array(z.string()),
  requestedAt: z.number(),
  endedAt: z.number().optional(),
  /** The visitor's first message, shown in the request popup and lists. */
  firstText: z.string().optional(),
  /** Being transferred: offered to `to` alone until `until` (ms), by `from`, with a note. */
  offer: z.object({to: z.string(), from: z.string(), note: z.string().optional(), until: z.number()}).optional(),
});
/** The id of the operator-to-operator conversation between two operators (order-free). */
export function opChatId(a: string, b: string): string {
  return ['op', ...[a, b].sort()].join('~');
}

export {limitNames, type LimitName};
export const siteLimits = z.partialRecord(z.enum(limitNames), z.number().int().positive());

/** A site the hub serves (documents and the admin API alike). */
export const siteRecord = z.object({
  domain: z.string(),
  aliases: z.array(z.string()),
  timezone: z.string(),
  /** Base that relative links are resolved against, e.g. https://example.com/. */
  url: z.string(),
  /** Whether the operator sees what the visitor is typing before it is sent. */
  preview: z.boolean(),
  greeting: z.string().optional(),
  /** Page origins (scheme://host[:port], or *://HOST for any) allowed to open the widget; none: https on the domain and aliases, and the url's origin. */
  origins: z.array(z.string()).optional(),
  /** This site's own abuse limits, where they differ from the defaults. */
  limits: siteLimits.optional(),
  /** Ended chats and visits older than this many days are removed (default: the hub's --retain-days, else kept). */
  retainDays: z.number().int().positive().optional(),
});

/** A visitor (or an address) kept from chatting on a site until `until`. */
export const blockRecord = z.object({
  id: z.string(),
  site: z.string(),
  visitorId: z.string(),
  ip: z.string(),
  until: z.number(),
  by: z.string(),
  chatId: z.string().optional(),
  at: z.number(),
});
