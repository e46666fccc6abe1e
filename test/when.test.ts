import t from 'tap';
import {parseDate, parseDuration, parseWhen} from '../src/lib/when.js';

t.test('durations: units and several at once; anything else is not one', async (t) => {
  t.equal(parseDuration('90s'), 90_000);
  t.equal(parseDuration('15m'), 15 * 60_000);
  t.equal(parseDuration('24h'), 24 * 3_600_000);
  t.equal(parseDuration('7d'), 7 * 86_400_000);
  t.equal(parseDuration('2w'), 14 * 86_400_000);
  t.equal(parseDuration('1h30m'), 90 * 60_000);
  for (const bad of ['', '7', 'd', '7y', '-7d', '7 d', '1.5h', 'h1']) t.equal(parseDuration(bad), undefined, `${JSON.stringify(bad)} is not a duration`);
});

t.test('dates: ISO 8601, local time unless a zone is given; impossible dates are refused', async (t) => {
  t.equal(parseDate('2026-01-15'), new Date(2026, 0, 15).getTime(), 'a date is its local midnight');
  t.equal(parseDate('2026-01-15T09:30'), new Date(2026, 0, 15, 9, 30).getTime());
  t.equal(parseDate('2026-01-15 09:30:05'), new Date(2026, 0, 15, 9, 30, 5).getTime());
  t.equal(parseDate('2026-01-15T09:30:05.25Z'), Date.UTC(2026, 0, 15, 9, 30, 5, 250));
  t.equal(parseDate('2026-01-15T09:30+02:00'), Date.UTC(2026, 0, 15, 7, 30));
  t.equal(parseDate('2026-01-15T09:30-0130'), Date.UTC(2026, 0, 15, 11, 0));
  t.equal(parseDate('2024-02-29'), new Date(2024, 1, 29).getTime(), 'a leap day');
  for (const bad of ['2026-02-29', '2026-02-30', '2026-13-01', '2026-00-10', '2026-01-00', '2026-01-15T24:00', '2026-01-15T10:60', '2026-01-15T10:00:61', '15/01/2026', 'yesterday', '2026-1-5']) {
    t.equal(parseDate(bad), undefined, `${bad} is refused`);
  }
});

t.test('parseWhen: a duration back from now, else a date', async (t) => {
  const now = Date.UTC(2026, 0, 15, 12);
  t.equal(parseWhen('24h', now), Date.UTC(2026, 0, 14, 12));
  t.equal(parseWhen(' 2026-01-01T00:00Z ', now), Date.UTC(2026, 0, 1));
  t.equal(parseWhen('soon', now), undefined);
  t.ok(Math.abs(parseWhen('1s')! - (Date.now() - 1000)) < 1000, 'now by default');
});
