import type {ChatRecord, SiteRecord} from '../store/types.js';
import {localDate, zoneOf} from './time.js';

/*
 * File names for saved transcripts. Every part comes from chat data that a visitor may have
 * chosen (a name like "../../etc/passwd"), so each is reduced to [A-Za-z0-9._-]: no path
 * separator, no ".." (runs of dots become one), no leading dot (nothing hidden, nothing that
 * climbs), nothing a shell or Windows would treat specially, and a bounded length.
 */

const MAX_PART = 40;

/**
 * One part of a file name. Accented letters lose their accents (é → e); anything else outside
 * the set becomes "_" (田中 → "", then the fallback). Empty when nothing usable is left.
 */
export function safeNamePart(input: string | undefined, max = MAX_PART): string {
  return (input ?? '')
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
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
