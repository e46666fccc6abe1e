import {isTimeZone, localDate} from '../lib/midnight.js';

/*
 * Every time in a transcript is shown in the site's time zone: the operator and the visitor
 * talk about "this morning" in the site's terms, and a transcript read on another machine must
 * say the same thing. The formats are built from parts, so the machine's locale never shows.
 */

/** The zone a site's times are shown in; a missing or unknown zone falls back to UTC. */
export function zoneOf(site: {timezone: string} | undefined): string {
  return site && isTimeZone(site.timezone) ? site.timezone : 'UTC';
}

function parts(at: number, timeZone: string, options: Intl.DateTimeFormatOptions): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of new Intl.DateTimeFormat('en-US', {timeZone, ...options}).formatToParts(at)) out[p.type] = p.value;
  return out;
}

/** HH:MM on a 24-hour clock. */
export function clockIn(at: number, timeZone: string): string {
  const p = parts(at, timeZone, {hour: '2-digit', minute: '2-digit', hourCycle: 'h23'});
  return `${p.hour}:${p.minute}`;
}

/** YYYY-MM-DD HH:MM GMT+01:00: the offset is given, a reader elsewhere can tell what was meant. */
export function dateTimeIn(at: number, timeZone: string): string {
  const p = parts(at, timeZone, {hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'longOffset'});
  // longOffset names UTC itself "GMT"; the explicit +00:00 keeps every header the same shape.
  const offset = p.timeZoneName === 'GMT' ? 'GMT+00:00' : p.timeZoneName;
  return `${localDate(at, timeZone)} ${p.hour}:${p.minute} ${offset}`;
}

export {localDate};
