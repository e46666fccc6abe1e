import {z} from 'zod';
import {blockRecord, canned, chatEvent, chatId, chatRecord, limitNames, offlineMessage, shortText, siteRecord, text} from './common.js';
import {visitSchema} from './operator.js';
import {errorCode} from './errors.js';

/*
 * The admin API: what `cac` asks a running hub to do (HTTP, `POST /api/admin/NAME`, JSON in and
 * out, `Authorization: Bearer`). When no hub runs, the CLI runs the very same operations on the
 * data folder itself, so each is defined once here: its name, what it takes and what it answers.
 * Streamed operations answer JSON lines, one item each (schema `item`).
 */

const domain = z.string().min(1).max(253);
const role = z.enum(['admin', 'operator']);

export const operatorView = z.object({name: z.string(), displayName: z.string(), role, sites: z.array(z.string()), createdAt: z.number()});
/** A site as the admin API shows it: the record without its widget greeting. */
export const siteView = siteRecord.omit({greeting: true});
export const blockView = blockRecord;

/** A visitor as the command line shows it: never its resume token's hash. */
export const visitorView = z.object({
  id: z.string(),
  site: z.string(),
  firstSeen: z.number(),
  name: z.string().optional(),
  email: z.string().optional(),
  chats: z.number(),
  online: z.boolean(),
  /** The page an on-line visitor is on. */
  page: z.object({url: z.string(), title: z.string()}).optional(),
});

export const erasedView = z.object({visitorId: z.string(), chats: z.array(z.string()), visits: z.number(), blocks: z.number(), messages: z.number()});

export const statusView = z.object({
  hub: z.object({up: z.boolean(), version: z.string(), url: z.string().optional(), pid: z.number().optional()}),
  visitorsOnline: z.number().optional(),
  operatorsOnline: z.array(z.object({name: z.string(), status: z.string()})).optional(),
  openChats: z.number(),
  dataBytes: z.number(),
  dataDir: z.string(),
});

const ok = z.object({ok: z.literal(true)});

/**
 * Which chats a transcripts operation covers: visitor chats (operator-to-operator chats are not
 * transcripts), requested at or after `since` and before `until` (ms), each filter narrowing.
 */
const chatFilter = {
  site: z.string().optional(),
  since: z.number().optional(),
  until: z.number().optional(),
  operator: z.string().optional(),
  visitorId: z.string().optional(),
};

/** A page of a listing: `cursor` is the `next` of the page before (none for the first). */
const paged = (max: number) => ({cursor: z.string().max(200).optional(), limit: z.number().int().min(1).max(max).optional()});

/** Everything a transcript of a chat is made of: rendered by the caller, with src/transcript. */
export const transcriptData = z.object({
  chat: chatRecord,
  /** Every event up to the one the record was stored with: a live chat is read as of one moment. */
  events: z.array(chatEvent),
  site: z.object({domain: z.string(), timezone: z.string()}),
  /** The visit the chat took place in (its latest pages, at most 500). */
  visit: visitSchema.optional(),
  /** Operator login name to display name. */
  operators: z.record(z.string(), z.string()),
});
export type TranscriptData = z.infer<typeof transcriptData>;

/** One line of a message that holds the text searched for. */
export const searchMatch = z.object({
  chatId: z.string(),
  site: z.string(),
  seq: z.number(),
  at: z.number(),
  from: chatEvent.shape.from,
  name: z.string(),
  /** The line as stored (not made visible: a terminal must be shown it through `clean`). */
  line: z.string(),
});
export type SearchMatch = z.infer<typeof searchMatch>;

export const adminOps = {
  'operators.list': {input: z.object({}), output: z.array(operatorView), read: true},
  'operators.add': {
    input: z.object({name: z.string(), admin: z.boolean().optional(), displayName: z.string().optional(), sites: z.array(domain).optional()}),
    output: z.object({operator: operatorView, token: z.string()}),
  },
  'operators.remove': {input: z.object({name: z.string()}), output: ok},
  'operators.set': {
    input: z.object({name: z.string(), displayName: z.string().optional(), admin: z.boolean().optional(), sites: z.array(domain).optional()}),
    output: operatorView,
  },
  'operators.resetToken': {input: z.object({name: z.string()}), output: z.object({name: z.string(), token: z.string()})},

  'sites.list': {input: z.object({}), output: z.array(siteView), read: true},
  'sites.add': {
    input: z.object({
      domain: z.string(),
      aliases: z.array(z.string()).optional(),
      timezone: z.string().optional(),
      url: z.string().optional(),
      preview: z.boolean().optional(),
      retainDays: z.number().int().positive().optional(),
      origins: z.array(z.string()).optional(),
    }),
    output: siteView,
  },
  'sites.set': {
    input: z.object({
      domain: z.string(),
      retainDays: z.number().int().positive().nullable().optional(),
      preview: z.boolean().optional(),
      origins: z.array(z.string()).nullable().optional(),
      /** Limits to set; a limit given as null goes back to the default. */
      limits: z.partialRecord(z.enum(limitNames), z.number().int().positive().nullable()).optional(),
    }),
    output: siteView,
  },
  'sites.remove': {input: z.object({domain: z.string()}), output: ok},

  'blocks.list': {input: z.object({site: z.string().optional(), all: z.boolean().optional()}), output: z.array(blockView), read: true},
  'blocks.add': {
    input: z.object({
      site: z.string(),
      visitorId: z.string().optional(),
      ip: z.string().optional(),
      /** When the block ends (ms); default: the next midnight in the site's time zone. */
      until: z.number().optional(),
      by: z.string().optional(),
    }),
    output: blockView,
  },
  'blocks.remove': {input: z.object({id: z.string()}), output: blockView},

  'canned.list': {input: z.object({operator: z.string().optional()}), output: z.array(canned), read: true},
  'canned.add': {
    input: z.object({shortcut: shortText.trim().min(1).regex(/^[^\s#]+$/, 'a shortcut is one word, without #'), text, operator: z.string().optional()}),
    output: canned,
  },
  'canned.remove': {input: z.object({id: z.string()}), output: canned},

  'messages.list': {input: z.object({site: z.string().optional()}), output: z.array(offlineMessage), read: true},
  'messages.done': {input: z.object({id: z.string()}), output: offlineMessage},

  'visitors.list': {
    input: z.object({site: z.string().optional(), online: z.boolean().optional(), cursor: z.string().optional(), limit: z.number().int().min(1).max(1000).optional()}),
    output: z.object({visitors: z.array(visitorView), next: z.string().optional()}),
    read: true,
  },
  'visitors.show': {
    input: z.object({id: z.string()}),
    output: z.object({visitor: visitorView, visits: z.array(visitSchema), chats: z.array(chatRecord)}),
    read: true,
  },

  'privacy.export': {
    input: z.object({visitorId: z.string()}),
    output: z.object({
      exportedAt: z.number(),
      visitor: visitorView.omit({online: true, page: true, chats: true}),
      visits: z.array(visitSchema),
      chats: z.array(z.object({chat: chatRecord, events: z.array(chatEvent)})),
      blocks: z.array(blockView),
      messages: z.array(offlineMessage),
    }),
    read: true,
  },
  'privacy.erase': {input: z.object({visitorId: z.string()}), output: erasedView},

  status: {input: z.object({}), output: statusView, read: true},

  /** Chat records, oldest request first, a page at a time. */
  'transcripts.list': {
    input: z.object({...chatFilter, ...paged(1000)}),
    output: z.object({chats: z.array(chatRecord), next: z.string().optional()}),
    read: true,
  },
  'transcripts.count': {input: z.object(chatFilter), output: z.object({count: z.number()}), read: true},
  /** Chats by id, any kind; an unknown id fails the whole call (not_found). */
  'transcripts.get': {input: z.object({ids: z.array(chatId).min(1).max(100)}), output: z.array(transcriptData), read: true},
  /** The transcripts of a page of the listing: what `cac transcripts export` renders. */
  'transcripts.export': {
    input: z.object({...chatFilter, ...paged(100)}),
    output: z.object({transcripts: z.array(transcriptData), next: z.string().optional()}),
    read: true,
  },
  /**
   * Lines of messages, links and notes holding `text` (case-insensitive), in the chats of a page
   * of the listing (`limit` chats are searched, not `limit` matches).
   */
  'transcripts.search': {
    input: z.object({...chatFilter, text: z.string().min(1).max(1000).regex(/^[^\n]*$/, 'the text searched for is one line'), ...paged(1000)}),
    output: z.object({matches: z.array(searchMatch), next: z.string().optional()}),
    read: true,
  },
} as const;

export type AdminOpName = keyof typeof adminOps;

/** Operations that only read: a hub runs them at once, never queued behind (or holding up) a change. */
export function isReadOp(name: AdminOpName): boolean {
  return 'read' in adminOps[name];
}
export type AdminInput<N extends AdminOpName> = z.infer<(typeof adminOps)[N]['input']>;
export type AdminOutput<N extends AdminOpName> = z.infer<(typeof adminOps)[N]['output']>;

/** What the hub answers when an operation fails (HTTP 4xx/5xx). */
export const adminError = z.object({error: z.object({code: errorCode, message: z.string()})});
export type AdminErrorBody = z.infer<typeof adminError>;

/** Where a running hub tells the CLI on the same machine how to reach it (mode 0600). */
export const hubApiFile = z.object({pid: z.number(), url: z.string(), key: z.string(), version: z.string()});
export type HubApiFile = z.infer<typeof hubApiFile>;
