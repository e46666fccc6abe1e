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

/**
 * The offset at the start of a quarter. A quarter's end is the next one's start: measured once,
 * it serves both (a quarter whose end holds a change is then one in which the offset changes).
 */
function atQuarter(start: number, timeZone: string): number {
  const key = `${timeZone} ${start}`;
  let offset = starts.get(key);
  if (offset === undefined) {
    offset = measured(start, timeZone);
    if (starts.size >= MAX_KEPT) starts.clear();
    starts.set(key, offset);
  }
  return offset;
}
const starts = new Map<string, number>();

// The lines of a transcript mostly fall in one quarter: the last one looked up is kept.
let lastQuarter = {timeZone: '', start: NaN, offset: null as number | null};

/** Milliseconds to add to `at` to get its wall-clock time in `timeZone` as a UTC instant. */
export function zoneOffset(at: number, timeZone: string): number {
  const start = Math.floor(at / QUARTER) * QUARTER;
  if (start !== lastQuarter.start || timeZone !== lastQuarter.timeZone) {
    const key = `${timeZone} ${start}`;
    let offset = offsets.get(key);
    if (offset === undefined) {
      const first = atQuarter(start, timeZone);
      offset = first === atQuarter(start + QUARTER, timeZone) ? first : null;
      if (offsets.size >= MAX_KEPT) offsets.clear();
      offsets.set(key, offset);
    }
    lastQuarter = {timeZone, start, offset};
  }
  return lastQuarter.offset ?? measured(at, timeZone);
}

const DAY = 86_400_000;
const two = (n: number) => (n < 10 ? `0${n}` : String(n));

/** Instants written as YYYY-MM-DDTHH:MM:SS: a day's date once, the time of each from plain arithmetic. */
class Days {
  private start = NaN;
  /** YYYY-MM-DDT of the day at `start`; empty for a year Date writes with six digits and a sign. */
  private date = '';

  /** `time` read as UTC (whole milliseconds, as Date takes it); undefined past the year 9999 (or before 0). */
  write(time: number): string | undefined {
    const ms = Math.trunc(time);
    const start = ms - (((ms % DAY) + DAY) % DAY);
    if (start !== this.start) {
      const iso = new Date(start).toISOString();
      this.start = start;
      this.date = iso.length === 24 ? iso.slice(0, 11) : '';
    }
    if (this.date === '') return undefined;
    const s = Math.floor((ms - start) / 1000);
    return `${this.date}${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}`;
  }
}
// The lines of a transcript mostly fall in one day, local and UTC alike.
const localDays = new Days();
const utcDays = new Days();

/** YYYY-MM-DDTHH:MM:SS of the wall clock in `timeZone` at `at`. */
export function wallClock(at: number, timeZone: string): string {
  const local = at + zoneOffset(at, timeZone);
  return localDays.write(local) ?? new Date(local).toISOString().slice(0, 19);
}

/** `at` as Date's toISOString writes it (YYYY-MM-DDTHH:MM:SS.mmmZ, UTC). */
export function isoUtc(at: number): string {
  const clock = utcDays.write(at);
  return clock === undefined ? new Date(at).toISOString() : `${clock}.${String(((Math.trunc(at) % 1000) + 1000) % 1000).padStart(3, '0')}Z`;
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
