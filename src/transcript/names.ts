import type {ChatRecord, SiteRecord} from '../store/types.js';
import {localDate, zoneOf} from './time.js';

/*
 * File names for saved transcripts. Every part comes from chat data that a visitor may have
 * chosen (a name like "../../etc/passwd"), so each is reduced to [A-Za-z0-9._-]: no path
 * separator, no ".." (runs of dots become one), no leading dot (nothing hidden, nothing that
 * climbs), nothing a shell or Windows would treat specially, and a bounded length.
 */

const MAX_PART = 40;
/** What every rule below leaves as it is: the set's characters, starting and ending with a letter or digit. */
const SAFE = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;

/**
 * One part of a file name. Accented letters lose their accents (é → e); anything else outside
 * the set becomes "_" (田中 → "", then the fallback). Empty when nothing usable is left.
 */
export function safeNamePart(input: string | undefined, max = MAX_PART): string {
  const text = input ?? '';
  // A part that is already one (a domain, most ids) is kept as it is: an export names thousands.
  if (text.length <= max && SAFE.test(text) && !text.includes('..') && !text.includes('__')) return text;
  // Printable ASCII has no accents to take off.
  return (/^[\x20-\x7e]*$/.test(text) ? text : text.normalize('NFKD').replace(/\p{M}/gu, ''))
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/\.{2,}/g, '.')
    .replace(/_{2,}/g, '_')
    .slice(0, max)
    .replace(/^[._-]+|[._-]+$/g, '');
}

/**
 * `chat-SITE-YYYY-MM-DD-VISITOR.EXT`, the date being the day the chat started in the site's time
 * zone. A part with nothing usable left gets a plain word instead ("site", "visitor", "txt").
 */
export function transcriptFileName(
  chat: ChatRecord,
  site: SiteRecord | undefined,
  visitorName: string | undefined,
  ext: string,
): string {
  const domain = safeNamePart(site?.domain ?? chat.site, 64) || 'site';
  const date = localDate(chat.requestedAt, zoneOf(site));
  const visitor = safeNamePart(visitorName ?? chat.visitorName) || 'visitor';
  const extension = safeNamePart(ext, 10) || 'txt';
  return `chat-${domain}-${date}-${visitor}.${extension}`;
}

/**
 * For an export of many chats: `chat-SITE-YYYY-MM-DD-VISITOR-ID.EXT`. The chat's id makes the
 * name its own (one visitor may chat twice a day) and the same on every export, so an export
 * into a folder that holds an earlier one can tell what is there already.
 */
export function exportFileName(chat: ChatRecord, site: SiteRecord | undefined, ext: string): string {
  const name = transcriptFileName(chat, site, undefined, ext);
  const dot = name.lastIndexOf('.');
  // Ids the hub makes are already safe; anything else is reduced like every other part.
  const id = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/.test(chat.id) ? chat.id : safeNamePart(chat.id, 100) || 'chat';
  return `${name.slice(0, dot)}-${id}${name.slice(dot)}`;
}
