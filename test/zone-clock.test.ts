import t from 'tap';
import {isTimeZone, isoUtc, wallClock, zoneOffset} from '../src/lib/zone-clock.js';

/** The wall clock as Intl gives it, the slow and sure way. */
function intl(at: number, timeZone: string): string {
  const p: Record<string, string> = {};
  const format = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  for (const part of format.formatToParts(at)) p[part.type] = part.value;
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}`;
}

const MIN = 60_000;

t.test('the wall clock agrees with Intl to the second, around every kind of change', async (t) => {
  const cases: Array<[string, number]> = [
    ['Europe/London', Date.UTC(2026, 2, 29, 1, 0)], // clocks forward at 01:00 UTC
    ['Europe/London', Date.UTC(2026, 9, 25, 1, 0)], // and back
    ['America/Sao_Paulo', Date.UTC(2018, 10, 4, 3, 0)], // midnight skipped
    ['Australia/Lord_Howe', Date.UTC(2026, 3, 4, 15, 0)], // a half-hour change
    ['Asia/Kolkata', Date.UTC(2026, 0, 1, 0, 0)], // +05:30, no change
    ['Pacific/Chatham', Date.UTC(2026, 3, 4, 14, 0)], // +13:45 to +12:45
    ['Pacific/Apia', Date.UTC(2011, 11, 30, 10, 0)], // a whole day skipped
    ['Africa/Monrovia', Date.UTC(1972, 0, 7, 0, 44, 30)], // -00:44:30 to UTC: seconds in the offset
    ['Europe/Amsterdam', Date.UTC(1937, 6, 1, 0, 0)], // +00:19:32 to +00:20
    ['UTC', Date.UTC(2026, 5, 1)],
  ];
  for (const [zone, change] of cases) {
    // Every 7 seconds for two hours each side of the change: across quarter boundaries, in
    // quarters that hold the change and in ones that do not, in either order of visit.
    const instants: number[] = [];
    for (let at = change - 120 * MIN; at <= change + 120 * MIN; at += 7_000) instants.push(at);
    let wrong = 0;
    for (const at of [...instants, ...instants.reverse()]) if (wallClock(at, zone) !== intl(at, zone)) wrong++;
    t.equal(wrong, 0, `${zone} around ${new Date(change).toISOString()}`);
  }
  t.equal(wallClock(Date.UTC(2026, 2, 29, 0, 59, 59, 999), 'Europe/London'), '2026-03-29T00:59:59');
  t.equal(wallClock(Date.UTC(2026, 2, 29, 1, 0), 'Europe/London'), '2026-03-29T02:00:00');
  t.equal(zoneOffset(Date.UTC(2026, 0, 1), 'Asia/Kolkata'), 330 * MIN);
  t.equal(wallClock(-1, 'UTC'), '1969-12-31T23:59:59', 'before 1970 too');
});

t.test('memory stays bounded over any span of dates; unknown zones are refused', async (t) => {
  // More quarters than are kept: the cache starts afresh, answers stay right.
  for (let i = 0; i < 12_000; i++) zoneOffset(i * 15 * MIN, 'Europe/Paris');
  t.equal(wallClock(Date.UTC(2026, 6, 1, 12, 0), 'Europe/Paris'), '2026-07-01T14:00:00');
  t.ok(isTimeZone('Europe/Paris'));
  t.notOk(isTimeZone('Mars/Olympus_Mons'));
  t.throws(() => wallClock(0, 'Mars/Olympus_Mons'), RangeError);
});

t.test('an instant in UTC is written as Date writes it, whatever the day, year or fraction', async (t) => {
  const instants = [0, -1, -0.5, 1.5, 999, -1000, 86_399_999, 1_767_600_000_123, 253_402_300_799_999, 253_402_300_800_000, -62_167_219_200_001];
  for (let i = 0; i < 5000; i++) instants.push(Math.floor((i - 2500) * 7_919_993.7), i * 86_400_000 + (i % 1000));
  const wrong = instants.filter((at) => isoUtc(at) !== new Date(at).toISOString());
  t.same(wrong, []);
});
