import {chatEvent, pageView, visitSchema} from '../protocol/index.js';
import type {ChatEvent, Visit} from '../protocol/index.js';
import {chatRecord} from '../store/types.js';
import type {ChatRecord} from '../store/types.js';
import {eventsOf} from './model.js';
import type {TranscriptInput} from './model.js';
import {zoneOf} from './time.js';

/*
 * The JSON export, for scripts (`--format json`, one object per chat for jsonl). Unlike the text
 * and HTML renderings it keeps the data as stored: strings are not made visible (JSON escapes
 * control characters itself) and times are epoch milliseconds, UTC. Its shape is versioned: a
 * field may be added in a later version 1; renaming or removing one makes it version 2.
 *
 * Records are copied through the keys of their schemas, in schema order: the output holds the
 * documented fields only, in a fixed order, whatever else an object in memory may carry. (A
 * record that already is so, as the store and the hub hand them out, goes in as it is: the
 * output is for JSON, which leaves out what is undefined as the copy would.)
 */

export const TRANSCRIPT_JSON_VERSION = 1;

export interface TranscriptJson {
  format: 'cac-transcript';
  version: typeof TRANSCRIPT_JSON_VERSION;
  /** The site's domain and the time zone the text and HTML renderings use. */
  site: {domain: string; timezone: string};
  chat: ChatRecord;
  /** The visitor as best known: the input's name and e-mail, else the chat's. */
  visitor: {id?: string; name?: string; email?: string};
  /** Every operator who took part, with the name shown for them. */
  operators: {name: string; displayName: string}[];
  visit: Visit | null;
  /** In order of `seq`; operator-only (`priv`) events unless `includePrivate` was false. */
  events: ChatEvent[];
}

/** The keys each record's schema documents, in its order (read once: an export picks millions). */
const KEYS = {
  chat: Object.keys(chatRecord.shape),
  visitor: ['id', 'name', 'email'],
  visit: Object.keys(visitSchema.shape),
  page: Object.keys(pageView.shape),
  event: Object.keys(chatEvent.shape),
};

/** The fields of `record` named in `keys`, in that order; absent ones left out. */
function pick<T extends object>(keys: readonly string[], record: T): T {
  if (holdsOnly(keys, record)) return record;
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const value = (record as Record<string, unknown>)[key];
    if (value !== undefined) out[key] = value;
  }
  return out as T;
}

/** Whether the keys of `record` are some of `keys`, in their order. */
function holdsOnly(keys: readonly string[], record: object): boolean {
  let at = 0;
  for (const key in record) {
    while (at < keys.length && keys[at] !== key) at++;
    if (at++ === keys.length) return false;
  }
  return true;
}

export function transcriptJson(input: TranscriptInput): TranscriptJson {
  const {chat, visit} = input;
  const visitor = {
    id: chat.visitorId,
    name: input.visitor?.name ?? chat.visitorName,
    email: input.visitor?.email ?? chat.visitorEmail,
  };
  return {
    format: 'cac-transcript',
    version: TRANSCRIPT_JSON_VERSION,
    site: {domain: input.site?.domain ?? chat.site, timezone: zoneOf(input.site)},
    chat: pick(KEYS.chat, chat),
    visitor: pick(KEYS.visitor, visitor),
    operators: chat.operators.map((name) => ({name, displayName: input.operators?.[name] ?? name})),
    visit: visit ? {...pick(KEYS.visit, visit), pages: visit.pages.map((p) => pick(KEYS.page, p))} : null,
    events: eventsOf(input).map((e) => pick(KEYS.event, e)),
  };
}
