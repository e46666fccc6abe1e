/*
 * Wall-clock dates and times of instants in a time zone, fast. Intl gives them exactly but slowly
 * (formatToParts costs microseconds, making a DateTimeFormat a hundred times more), and a
 * transcript shows a time on every line, an export thousands of transcripts. So Intl is asked for
 * the zone's offset from UTC at the two ends of each quarter of an hour; where both agree the
 * offset holds for the whole quarter (zones never change twice in 15 minutes), and the date and
 * time come from plain arithmetic. A quarter in which the offset changes asks Intl every time.
 */

const QUARTER = 15 * 60_000;
/** Quarters remembered before starting afresh: bounded memory whatever the span of dates seen. */
const MAX_KEPT = 10_000;

const formats = new Map<string, Intl.DateTimeFormat>();
const offsets = new Map<string, number | null>();

/** One formatter per zone (a few hundred zones at most); throws RangeError for an unknown zone. */
function wallFormat(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(timeZone, format);
  }
  return format;
}

/** How en-US writes the wall clock: month/day/year, hour:minute:second. */
const WRITTEN = /^(\d+)\/(\d+)\/(\d+), (\d+):(\d+):(\d+)$/;

/** What Intl says: the zone's wall clock at `at`, read as UTC, minus `at` (whole seconds). */
function measured(at: number, timeZone: string): number {
  const format = wallFormat(timeZone);
  const p: Record<string, number> = {};
  // The string is read when it has the usual shape (a few times cheaper than the parts).
  const m = WRITTEN.exec(format.format(at));
  if (m) ['month', 'day', 'year', 'hour', 'minute', 'second'].forEach((type, i) => (p[type] = Number(m[i + 1])));
  else for (const part of format.formatToParts(at)) p[part.type] = Number(part.value);
  const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return wall - Math.floor(at / 1000) * 1000;
}

// The lines of a transcript mostly fall in one quarter: the last one looked up is kept.
let lastQuarter = {timeZone: '', start: NaN, offset: null as number | null};

/** Milliseconds to add to `at` to get its wall-clock time in `timeZone` as a UTC instant. */
export function zoneOffset(at: number, timeZone: string): number {
  const start = Math.floor(at / QUARTER) * QUARTER;
  if (start !== lastQuarter.start || timeZone !== lastQuarter.timeZone) {
    const key = `${timeZone} ${start}`;
    let offset = offsets.get(key);
    if (offset === undefined) {
      const first = measured(start, timeZone);
      offset = first === measured(start + QUARTER - 1, timeZone) ? first : null;
      if (offsets.size >= MAX_KEPT) offsets.clear();
      offsets.set(key, offset);
    }
    lastQuarter = {timeZone, start, offset};
  }
  return lastQuarter.offset ?? measured(at, timeZone);
}

const DAY = 86_400_000;
// And in one local day: its date is written once, the time of each line from plain arithmetic.
let lastDay = {start: NaN, iso: ''};

const two = (n: number) => (n < 10 ? `0${n}` : String(n));

/** YYYY-MM-DDTHH:MM:SS of the wall clock in `timeZone` at `at`. */
export function wallClock(at: number, timeZone: string): string {
  const local = at + zoneOffset(at, timeZone);
  const start = local - (((local % DAY) + DAY) % DAY);
  if (start !== lastDay.start) lastDay = {start, iso: new Date(start).toISOString()};
  // A year past 9999 (or before 0) is written with six digits and a sign: left to Date.
  if (lastDay.iso.length !== 24) return new Date(local).toISOString().slice(0, 19);
  const s = Math.floor((local - start) / 1000);
  return `${lastDay.iso.slice(0, 11)}${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}`;
}

/** Whether Intl knows the zone. */
export function isTimeZone(timeZone: string): boolean {
  try {
    wallFormat(timeZone);
    return true;
  } catch {
    return false;
  }
}
