import {isTimeZone, wallClock} from './zone-clock.js';

/** The local calendar date (YYYY-MM-DD) of an instant in a time zone. */
export function localDate(at: number, timeZone: string): string {
  return wallClock(at, timeZone).slice(0, 10);
}

export {isTimeZone};

/**
 * The first instant whose local date, in `timeZone`, is after the local date of `now`. Not
 * "now + 24 h" and not "00:00 local": days with a DST change are 23 or 25 hours long, and some
 * zones skip midnight itself (the day then starts at 01:00). Found by bisection over instants,
 * which only relies on the zone's rules as Intl knows them.
 */
export function nextLocalMidnight(now: number, timeZone: string): number {
  const today = localDate(now, timeZone);
  let lo = now; // still today
  let hi = now + 36 * 3600_000; // surely a later date (zone shifts are under 36 h)
  while (localDate(hi, timeZone) <= today) hi += 24 * 3600_000;
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (localDate(mid, timeZone) > today) hi = mid;
    else lo = mid;
  }
  return hi;
}
