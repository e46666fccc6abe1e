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

/** What Intl says: the zone's wall clock at `at`, read as UTC, minus `at` (whole seconds). */
function measured(at: number, timeZone: string): number {
  const p: Record<string, number> = {};
  for (const part of wallFormat(timeZone).formatToParts(at)) p[part.type] = Number(part.value);
  const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return wall - Math.floor(at / 1000) * 1000;
}

/** Milliseconds to add to `at` to get its wall-clock time in `timeZone` as a UTC instant. */
export function zoneOffset(at: number, timeZone: string): number {
  const start = Math.floor(at / QUARTER) * QUARTER;
  const key = `${timeZone} ${start}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    const first = measured(start, timeZone);
    offset = first === measured(start + QUARTER - 1, timeZone) ? first : null;
    if (offsets.size >= MAX_KEPT) offsets.clear();
    offsets.set(key, offset);
  }
  return offset ?? measured(at, timeZone);
}

// A transcript asks for the date and then the time of each line: the last answer is kept.
let last = {at: NaN, timeZone: '', clock: ''};

/** YYYY-MM-DDTHH:MM:SS of the wall clock in `timeZone` at `at`. */
export function wallClock(at: number, timeZone: string): string {
  if (at !== last.at || timeZone !== last.timeZone) last = {at, timeZone, clock: new Date(at + zoneOffset(at, timeZone)).toISOString().slice(0, 19)};
  return last.clock;
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
