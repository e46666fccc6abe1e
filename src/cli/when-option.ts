import {UsageError} from './common.js';

const units: Record<string, number> = {s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000};

/** A future instant from an ISO 8601 date or a time from now (`30m`, `24h`, `7d`). */
export function parseUntil(text: string, now = Date.now()): number {
  const span = /^(\d+)([smhdw])$/.exec(text.trim());
  if (span) return now + Number(span[1]) * units[span[2]!]!;
  const at = /^\d{4}-\d\d-\d\d/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(at)) throw new UsageError(`not a date or duration: ${JSON.stringify(text)} (use e.g. 2026-12-24, 2026-12-24T18:00Z, 24h, 7d)`);
  return at;
}
