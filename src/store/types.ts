import {z} from 'zod';
import {blockRecord, canned, chatEvent, siteRecord, chatRecord, offlineMessage, operatorStatus, pageView, visitSchema} from '../protocol/index.js';
import type {Canned, ChatEvent, OfflineMessage, PageView, Visit} from '../protocol/index.js';

/*
 * What the store keeps, as schemas: every document and log line is checked against these when it
 * is read, so a damaged or hand-edited file is named instead of breaking the hub somewhere later.
 * Records are the hub's own terms; how they sit on disk is the store's business.
 */

export const operatorRecord = z.object({
  name: z.string(),
  displayName: z.string(),
  role: z.enum(['admin', 'operator']),
  /** The id part of the login token (`cac_<id>_<secret>`); the token is only ever printed once. */
  tokenId: z.string().optional(),
  /** SHA-256 of the token's secret (or of a whole token from before ids, after its first use). */
  tokenHash: z.string().optional(),
  /** scrypt of a token from before ids: checked once, then replaced by `tokenHash`. */
  salt: z.string().optional(),
  hash: z.string().optional(),
  /** Domains this operator monitors; empty means every site. */
  sites: z.array(z.string()),
  createdAt: z.number(),
});
export type OperatorRecord = z.infer<typeof operatorRecord>;

export {blockRecord, siteRecord};
export type SiteRecord = z.infer<typeof siteRecord>;

export type BlockRecord = z.infer<typeof blockRecord>;

export {chatRecord};
export {limitNames, type LimitName} from '../protocol/index.js';
export type ChatRecord = z.infer<typeof chatRecord>;

/** What a visitor told about themselves, kept in their chat's record. */
export type ChatNames = Pick<ChatRecord, 'visitorName' | 'visitorEmail'>;

/** The names a chat's record holds (none given, none in the result). */
export function namesOf(chat: ChatNames): ChatNames {
  const names: ChatNames = {};
  putNames(names, chat);
  return names;
}

/** Puts `names` in `chat`: a name not given is none (removed). */
export function putNames(chat: ChatNames, names: ChatNames): void {
  for (const key of ['visitorName', 'visitorEmail'] as const) {
    if (names[key] === undefined) delete chat[key];
    else chat[key] = names[key];
  }
}

/** A chat as read back: its record and the number of its last event. */
export interface StoredChat {
  chat: ChatRecord;
  lastSeq: number;
}

/** A visitor without its visits: those are appended to a log, so this stays small forever. */
export const visitorRecord = z.object({
  id: z.string(),
  site: z.string(),
  tokenHash: z.string(),
  firstSeen: z.number(),
  name: z.string().optional(),
  email: z.string().optional(),
  /** The chat this visitor has open, if any. */
  chatId: z.string().optional(),
  chats: z.array(z.string()),
});
export type VisitorRecord = z.infer<typeof visitorRecord>;

/** A visit as it starts: the pages viewed are appended one by one. */
export const visitStart = visitSchema.omit({pages: true, end: true});
export type VisitStart = z.infer<typeof visitStart>;

export const statusRecord = z.object({status: z.record(z.string(), operatorStatus)});
export type StatusRecord = z.infer<typeof statusRecord>;

/** The small documents that hold everything that is not per chat or per visitor. */
export const globalSchemas = {
  operators: z.object({operators: z.array(operatorRecord)}),
  sites: z.object({sites: z.array(siteRecord)}),
  blocks: z.object({blocks: z.array(blockRecord)}),
  canned: z.object({canned: z.array(canned)}),
  messages: z.object({messages: z.array(offlineMessage)}),
  status: statusRecord,
};
export type Globals = {[K in keyof typeof globalSchemas]: z.infer<(typeof globalSchemas)[K]>};
export type GlobalName = keyof Globals;
export const globalNames = Object.keys(globalSchemas) as GlobalName[];

/** What each global document holds before anything was written to it. */
export const globalDefaults: {[K in GlobalName]: () => Globals[K]} = {
  operators: () => ({operators: []}),
  sites: () => ({sites: []}),
  blocks: () => ({blocks: []}),
  canned: () => ({canned: []}),
  messages: () => ({messages: []}),
  status: () => ({status: {}}),
};

/** An event as the hub hands it to the store, which numbers it (and may stamp the time). */
export type NewEvent = Omit<ChatEvent, 'seq'>;

export {chatEvent, pageView};
export type {Canned, ChatEvent, OfflineMessage, PageView, Visit};
