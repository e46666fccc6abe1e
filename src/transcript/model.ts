import {clean} from '../lib/sanitize.js';
import type {ChatEvent, Visit} from '../protocol/index.js';
import type {ChatRecord, SiteRecord} from '../store/types.js';
import {dateTimeIn, localDate, zoneOf} from './time.js';

/*
 * The one view of a chat that the text and HTML renderings share. Every string that a visitor
 * (or a page, or a browser) supplied is made visible here, once: control characters become
 * pictures (␛ for ESC), bidi overrides are named, lone surrogates and noncharacters become U+FFFD.
 * A renderer then only lays out (text) or escapes (HTML). The JSON export does not use this
 * view: it keeps the records as they are stored.
 */

/** What a transcript is made of: plain records, as the store and the hub hand them out. */
export interface TranscriptInput {
  chat: ChatRecord;
  events: readonly ChatEvent[];
  /** The chat's site: its time zone is used for every time shown (UTC when absent). */
  site?: SiteRecord;
  /** The visit during which the chat took place: location, browser, pages viewed. */
  visit?: Visit;
  /** What is known of the visitor now; wins over the name and e-mail kept with the chat. */
  visitor?: {name?: string; email?: string};
  /** Operator login name to display name, for the operators list. */
  operators?: Record<string, string>;
  /**
   * Operator-only events (`priv`) are kept, marked as such, unless this is false: transcripts
   * are for operators, but a copy meant for the visitor must leave them out.
   */
  includePrivate?: boolean;
}

/** One event as shown. */
export interface Entry {
  at: number;
  kind: 'message' | 'link' | 'note' | 'system';
  from: ChatEvent['from'];
  who: string;
  /** The message, the link as sent, or what a system event says. */
  text: string;
  /** For a link: the URL, only when it is http(s), so a renderer may make it clickable. */
  href?: string;
  private: boolean;
  /** Set on the first entry of each local day after the one the chat started on. */
  day?: string;
}

export interface PageEntry {
  at: number;
  title: string;
  /** The page's URL, as shown. */
  value: string;
  href?: string;
}

/** One line of the header: "Started: 2026-03-29 00:30 GMT+00:00". */
export interface Field {
  label: string;
  value: string;
  /** When the value is an http(s) URL: the link target. */
  href?: string;
}

export interface Transcript {
  /** "Chat with Eve on example.com" */
  title: string;
  site: string;
  timeZone: string;
  /** The local date the chat started on, YYYY-MM-DD. */
  date: string;
  visitorName: string;
  /** As given, not made visible: it is an address to check, not text to show (fields show it). */
  visitorEmail?: string;
  /** Who, when, where from, with what: in the order shown. */
  fields: Field[];
  pages: PageEntry[];
  entries: Entry[];
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// Noncharacters are parse errors in HTML and mean nothing in text either.
const NONCHARACTER = /[\uFDD0-\uFDEF\uFFFE\uFFFF]|[\uD83F\uD87F\uD8BF\uD8FF\uD93F\uD97F\uD9BF\uD9FF\uDA3F\uDA7F\uDABF\uDAFF\uDB3F\uDB7F\uDBBF\uDBFF][\uDFFE\uDFFF]/g;

// Every character the two patterns above can match is in this range: most text has none.
const SURROGATE_OR_NONCHARACTER = /[\uD800-\uDFFF\uFDD0-\uFDEF\uFFFE\uFFFF]/;

/** A string from outside made safe to show; newlines are kept only when `multiline`. */
export function visible(input: string | undefined, multiline = false): string {
  const whole = input && SURROGATE_OR_NONCHARACTER.test(input) ? input.replace(LONE_SURROGATE, '\uFFFD').replace(NONCHARACTER, '\uFFFD') : input;
  return clean(whole, multiline);
}

// The pages of a visit come again in each of its chats: the last answers are kept (a few).
const hrefs = new Map<string, string | null>();
const HREFS_KEPT = 1000;

/** The URL as a link target when it is http(s); anything else (javascript:, data:) is not one. */
export function httpHref(url: string | undefined): string | undefined {
  if (!url) return undefined;
  let href = hrefs.get(url);
  if (href === undefined) {
    try {
      const parsed = new URL(url);
      href = parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
    } catch {
      href = null;
    }
    if (hrefs.size >= HREFS_KEPT) hrefs.clear();
    hrefs.set(url, href);
  }
  return href ?? undefined;
}

function kindOf(e: ChatEvent): Entry['kind'] {
  if (e.kind === 'msg') return 'message';
  if (e.kind === 'link' || e.kind === 'note') return e.kind;
  return 'system';
}

function entry(e: ChatEvent): Entry {
  const kind = kindOf(e);
  const raw = kind === 'link' ? (e.url ?? e.text) : e.text;
  const href = kind === 'link' ? httpHref(raw) : undefined;
  return {
    at: e.at,
    kind,
    from: e.from,
    who: visible(e.name),
    text: visible(raw, kind !== 'link'),
    ...(href ? {href} : {}),
    private: e.priv === true,
  };
}

/** The events to show, in order of their number whatever order they came in. */
export function eventsOf(input: TranscriptInput): ChatEvent[] {
  return input.events.filter((e) => input.includePrivate !== false || !e.priv).sort((a, b) => a.seq - b.seq);
}

/** The header, as label and value, in the order shown; lines without a value are left out. */
function fieldsOf(
  input: TranscriptInput,
  site: string,
  visitorName: string,
  timeZone: string,
  display: (name: string) => string,
): Field[] {
  const {chat, visit} = input;
  const email = input.visitor?.email ?? chat.visitorEmail;
  const visitor = [visitorName, email ? `<${visible(email)}>` : '', chat.visitorId ? `(id ${visible(chat.visitorId)})` : ''];
  const end =
    chat.endedAt !== undefined
      ? dateTimeIn(chat.endedAt, timeZone)
      : chat.state === 'ended'
        ? 'not recorded'
        : `not yet (the chat is ${chat.state})`;
  const fields: (Field | false)[] = [
    site !== '' && {label: 'Site', value: site},
    chat.kind === 'visitor' && {label: 'Visitor', value: visitor.filter(Boolean).join(' ')},
    {label: 'Operators', value: chat.operators.map(display).join(', ') || 'none'},
    {label: 'Started', value: dateTimeIn(chat.requestedAt, timeZone)},
    {label: 'Ended', value: end},
    {label: 'Time zone', value: timeZone},
    !!visit?.location && {label: 'Location', value: visible(visit.location)},
    !!visit && {label: 'Browser', value: visible(`${visit.browser} on ${visit.os}`)},
    !!visit?.referrer && {label: 'Referrer', ...withHref(visit.referrer)},
  ];
  return fields.filter((f): f is Field => f !== false);
}

/** Builds the view the text and HTML renderings share. */
export function transcriptOf(input: TranscriptInput): Transcript {
  const {chat} = input;
  const timeZone = zoneOf(input.site);
  const site = visible(input.site?.domain ?? chat.site);
  const display = (name: string) => {
    const shown = input.operators?.[name];
    // The login name only when it says more than the display name does.
    return visible(shown && shown.toLowerCase() !== name ? `${shown} (${name})` : (shown ?? name));
  };
  const visitorName = visible(input.visitor?.name?.trim() || chat.visitorName?.trim() || 'Visitor');
  const email = input.visitor?.email ?? chat.visitorEmail;
  const title =
    chat.kind === 'op'
      ? `Chat between ${(chat.members ?? chat.operators).map(display).join(' and ')}`
      : `Chat with ${visitorName} on ${site}`;
  const date = localDate(chat.requestedAt, timeZone);
  let day = date;
  const entries = eventsOf(input).map((e) => {
    const shown = entry(e);
    const today = localDate(e.at, timeZone);
    if (today !== day) shown.day = day = today;
    return shown;
  });
  return {
    title,
    site,
    timeZone,
    date,
    visitorName,
    ...(email ? {visitorEmail: email} : {}),
    fields: fieldsOf(input, site, visitorName, timeZone, display),
    pages: (input.visit?.pages ?? []).map((p) => ({at: p.at, title: visible(p.title), ...withHref(p.url)})),
    entries,
  };
}

/** A URL from outside: shown as it came, made a link target only when it is http(s). */
function withHref(url: string): {value: string; href?: string} {
  const href = httpHref(url);
  return {value: visible(url), ...(href ? {href} : {})};
}
