import {isTimeZone, localDate} from '../lib/midnight.js';
import {isoUtc, wallClock, zoneOffset} from '../lib/zone-clock.js';

/*
 * Every time in a transcript is shown in the site's time zone: the operator and the visitor
 * talk about "this morning" in the site's terms, and a transcript read on another machine must
 * say the same thing. The formats are built from parts, so the machine's locale never shows.
 */

/** The zone a site's times are shown in; a missing or unknown zone falls back to UTC. */
export function zoneOf(site: {timezone: string} | undefined): string {
  return site && isTimeZone(site.timezone) ? site.timezone : 'UTC';
}

// Only the header's offset still asks Intl, once per zone and offset: the name says nothing else.
const offsetFormats = new Map<string, Intl.DateTimeFormat>();
const offsetNames = new Map<string, string>();

/** "GMT+01:00": the zone's offset at `at`, as Intl names it. */
function offsetName(at: number, timeZone: string): string {
  const key = `${timeZone} ${zoneOffset(at, timeZone)}`;
  let name = offsetNames.get(key);
  if (name === undefined) {
    let format = offsetFormats.get(timeZone);
    if (!format) {
      format = new Intl.DateTimeFormat('en-US', {timeZone, timeZoneName: 'longOffset'});
      offsetFormats.set(timeZone, format);
    }
    name = format.formatToParts(at).find((p) => p.type === 'timeZoneName')!.value;
    // longOffset names UTC itself "GMT"; the explicit +00:00 keeps every header the same shape.
    if (name === 'GMT') name = 'GMT+00:00';
    offsetNames.set(key, name);
  }
  return name;
}

/** HH:MM on a 24-hour clock. */
export function clockIn(at: number, timeZone: string): string {
  return wallClock(at, timeZone).slice(11, 16);
}

/** YYYY-MM-DD HH:MM GMT+01:00: the offset is given, a reader elsewhere can tell what was meant. */
export function dateTimeIn(at: number, timeZone: string): string {
  const clock = wallClock(at, timeZone);
  return `${clock.slice(0, 10)} ${clock.slice(11, 16)} ${offsetName(at, timeZone)}`;
}

export {isoUtc, localDate};
