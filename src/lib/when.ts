/*
 * Instants as people type them on a command line: an ISO 8601 date or date and time, or a
 * duration back from now. Shared by the commands that take --since (events, transcripts).
 */

const units: Record<string, number> = {s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000};

/** `90s`, `15m`, `24h`, `7d`, `2w`, or several at once (`1h30m`), in ms; undefined otherwise. */
export function parseDuration(text: string): number | undefined {
  if (!/^(\d+[smhdw])+$/.test(text)) return undefined;
  let ms = 0;
  for (const [, n, unit] of text.matchAll(/(\d+)([smhdw])/g)) ms += Number(n) * units[unit!]!;
  return ms;
}

const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * An ISO 8601 date (`2026-01-15`: its local midnight), date and time (`2026-01-15T09:30`, local
 * time unless it has a zone: `Z`, `+02:00`), in ms; undefined for anything else, an impossible
 * date (`2026-02-30`) included.
 */
export function parseDate(text: string): number | undefined {
  const m = iso.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, sec] = m.slice(1, 7).map((v) => Number(v ?? 0)) as [number, number, number, number, number, number];
  const ms = Number((m[7] ?? '0').padEnd(3, '0'));
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (mo < 1 || mo > 12 || d < 1 || d > days || h > 23 || mi > 59 || sec > 59) return undefined;
  const zone = m[8];
  if (!zone) return new Date(y, mo - 1, d, h, mi, sec, ms).getTime();
  const offset = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  const minutes = offset ? (offset[1] === '+' ? 1 : -1) * (Number(offset[2]) * 60 + Number(offset[3])) : 0;
  return Date.UTC(y, mo - 1, d, h, mi, sec, ms) - minutes * 60_000;
}

/** A date (see parseDate) or a duration back from `now` (see parseDuration), in ms. */
export function parseWhen(text: string, now = Date.now()): number | undefined {
  const ago = parseDuration(text.trim());
  return ago !== undefined ? now - ago : parseDate(text.trim());
}
