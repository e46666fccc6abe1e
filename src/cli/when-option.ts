import {InvalidArgumentError} from 'commander';
import {UsageError} from './common.js';

const units: Record<string, number> = {s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000};

const HINT = '(use e.g. 2026-12-24, 2026-12-24T18:00Z, 24h, 7d)';

/** `30m`, `24h`, `7d` in ms; undefined when the text is not a duration. */
function duration(text: string): number | undefined {
  const span = /^(\d+)([smhdw])$/.exec(text.trim());
  return span ? Number(span[1]) * units[span[2]!]! : undefined;
}

/** An ISO 8601 date (a date alone is midnight UTC; a time without a zone is local time). */
function isoDate(text: string): number {
  const at = /^\d{4}-\d\d-\d\d/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(at)) throw new UsageError(`not a date or duration: ${JSON.stringify(text)} ${HINT}`);
  return at;
}

/** A future instant from an ISO 8601 date or a time from now (`30m`, `24h`, `7d`). */
export function parseUntil(text: string, now = Date.now()): number {
  const span = duration(text);
  return span === undefined ? isoDate(text) : now + span;
}

/** A past instant from an ISO 8601 date or a time ago (`24h`, `7d`: that long before now). */
export function parseSince(text: string, now = Date.now()): number {
  const span = duration(text);
  return span === undefined ? isoDate(text) : now - span;
}

/** parseSince as a commander option parser: a bad value is a usage error (exit 2, with usage). */
export function sinceOption(text: string): number {
  try {
    return parseSince(text);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}
