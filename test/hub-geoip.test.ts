import maxmind from 'maxmind';
import {readFileSync, renameSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import t from 'tap';
import {defaultDatabase, describe, openLocate} from '../src/hub/geoip.js';
import {openPaged} from '../src/hub/mmdb-pages.js';

const file = defaultDatabase();

/** The same addresses every run (a seeded generator), spread over the whole space of each family. */
function addresses(n: number): string[] {
  let seed = 7;
  const next = (max: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return (seed >>> 12) % max;
  };
  const out = ['8.8.8.8', '1.1.1.1', '81.2.69.160', '2001:4860:4860::8888', '2a00:1450:4001:81b::200e', '::ffff:8.8.8.8'];
  for (let i = 0; i < n; i++) out.push([0, 0, 0, 0].map(() => next(256)).join('.'));
  for (let i = 0; i < n / 5; i++) out.push(['2' + next(0x1000).toString(16).padStart(3, '0'), ...Array.from({length: 7}, () => next(0x10000).toString(16))].join(':'));
  return out;
}

t.test('read a page at a time, the database answers as when read whole', async (t) => {
  const whole = new maxmind.Reader(readFileSync(file));
  // Eight pages held at most: lookups keep dropping pages and reading them again.
  const paged = openPaged(file, 8);
  t.teardown(() => paged.close());
  const reader = new maxmind.Reader(paged.buffer);
  let located = 0;
  let differ = 0;
  for (const ip of addresses(5000)) {
    const expected = describe(whole.get(ip) as never);
    if (expected) located++;
    if (describe(reader.get(ip) as never) !== expected) differ++;
  }
  t.equal(differ, 0, 'every address gets the same answer');
  t.ok(located > 3000, `the addresses were located (${located}), not all unknown to both`);
  const {read, held} = paged.pages();
  t.ok(held <= 8, `at most 8 pages held (${held})`);
  t.ok(read > 8, `pages were dropped and read again (${read} reads)`);
});

t.test('a read across two pages, and what it does not do', async (t) => {
  const bytes = readFileSync(file);
  const paged = openPaged(file, 2);
  const db = paged.buffer;
  t.ok(Buffer.isBuffer(db), 'the reader takes it for a Buffer');
  t.equal(db.length, bytes.length);
  for (const at of [0, 4093, 4094, 4095, 4096, 8190, bytes.length - 4]) {
    t.equal(db.readUInt32BE(at), bytes.readUInt32BE(at), `readUInt32BE(${at})`);
    t.equal(db.readUIntBE(at, 3), bytes.readUIntBE(at, 3), `readUIntBE(${at}, 3)`);
    t.equal(db[at], bytes[at], `[${at}]`);
  }
  t.same(db.subarray(4000, 4200), bytes.subarray(4000, 4200), 'subarray across a page');
  t.equal(db.toString('latin1', 8000, 8400), bytes.toString('latin1', 8000, 8400), 'toString across a page');
  t.equal(db[bytes.length], undefined, 'past the end, as a Buffer');
  t.throws(() => db.readUInt32BE(bytes.length - 2), /outside/, 'a read past the end throws');
  t.throws(() => db.fill(0), /member fill is not read a page at a time/, 'any other member names itself');
  paged.close();
  t.throws(() => db.readUInt32BE(100_000), /closed/, 'closed, it reads nothing more');
});

t.test('a file that is not an MMDB database is refused, naming it', async (t) => {
  const dir = t.testdir();
  const bad = join(dir, 'countries.mmdb');
  writeFileSync(bad, 'not a database\n'.repeat(1000));
  await t.rejects(openLocate(bad), new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not an MMDB database`));
});

t.test('openLocate: public, local and malformed addresses', async (t) => {
  const {locate, close} = await openLocate();
  t.teardown(close);
  t.equal(locate('8.8.8.8'), 'United States');
  t.equal(locate('::ffff:8.8.8.8'), 'United States', 'an IPv4 address as IPv6 sockets show it');
  t.equal(locate('192.168.1.20'), 'local network');
  t.equal(locate('::1'), 'local network');
  t.equal(locate('not an address'), undefined);
});

t.test('country names come from a table that says what Intl says, without its 7-8 MB', async (t) => {
  const intl = new Intl.DisplayNames(['en'], {type: 'region', fallback: 'none'});
  const differ: string[] = [];
  let named = 0;
  for (let a = 65; a <= 90; a++) {
    for (let b = 65; b <= 90; b++) {
      const code = String.fromCharCode(a, b);
      const name = intl.of(code);
      if (name) named++;
      if (describe({country_code: code}) !== (name ?? code)) differ.push(code);
    }
  }
  t.same(differ, [], 'every code as Intl names it (if not, run node scripts/country-names.js)');
  t.ok(named > 240, `${named} codes have a name`);
  t.equal(describe({country_code: 'fr'}), 'France', 'a code in lower case');
  t.equal(describe({country_code: 'toString'}), 'toString', 'a code that is no country stays itself');
  t.equal(describe({country: {iso_code: 'DE', names: {en: 'Germany'}}, city: {names: {en: 'Berlin'}}}), 'Berlin, Germany', 'a city database names both');
});

t.test('a database written over in place is opened again, not read as a mix of two', async (t) => {
  const dir = t.testdir();
  const copy = join(dir, 'countries.mmdb');
  writeFileSync(copy, readFileSync(file));
  // The package's IPv4-only database answers some IPv6 addresses otherwise (it walks their first
  // 32 bits): which database answered shows.
  const v4only = readFileSync(join(file, '..', 'geo-whois-asn-country-ipv4.mmdb'));
  const [whole, v4] = [new maxmind.Reader(readFileSync(file)), new maxmind.Reader(v4only)];
  const telling = addresses(500).filter((a) => a.includes(':') && describe(whole.get(a) as never) && describe(v4.get(a) as never) !== describe(whole.get(a) as never));
  t.ok(telling.length >= 2, `addresses the two answer differently (${telling.length})`);
  const [a, b] = telling as [string, string];

  let clock = 1_000_000;
  const logged: string[] = [];
  const {locate, close} = await openLocate(copy, {now: () => clock, log: (line) => logged.push(line)});
  t.teardown(close);
  t.equal(locate(a), describe(whole.get(a) as never), 'the database as opened answers');
  // `cp` onto the file: the same inode, cut short, then written whole.
  writeFileSync(copy, v4only.subarray(0, 1000));
  t.equal(locate(b), undefined, 'half written: nothing, rather than a guess');
  t.match(logged, [/countries\.mmdb (changed|was cut).*opening it again/, /is not an MMDB database.*trying again/]);
  writeFileSync(copy, v4only);
  t.equal(locate('8.8.8.8'), undefined, 'within the second: not tried again yet');
  clock += 1000;
  t.equal(locate('8.8.8.8'), 'United States', 'then the new database answers');
  t.match(logged.at(-1), /countries\.mmdb opened again/);
  t.equal(locate(a), describe(v4.get(a) as never), 'as itself, for an address the old one had in hand too');
  t.equal(logged.length, 3, 'said once each');

  // Written over in place by a longer file: reads would still find bytes where they look.
  writeFileSync(copy, readFileSync(file));
  // An address deep in a part of the tree not walked since: its pages are read from the file.
  t.equal(locate('81.2.69.160'), describe(whole.get('81.2.69.160') as never));
  t.match(logged.at(-1), /countries\.mmdb changed since it was opened: opening it again/);
  t.equal(locate(a), describe(whole.get(a) as never), 'written over by a longer one: the new file answers');

  // An updater's way: a new file renamed over the name (the open one is another file now).
  const next = join(dir, 'next.mmdb');
  writeFileSync(next, v4only);
  renameSync(next, copy);
  t.equal(locate('196.25.1.1'), describe(whole.get('196.25.1.1') as never));
  t.match(logged.at(-1), /countries\.mmdb was replaced since it was opened: opening it again/);
  t.equal(locate(a), describe(v4.get(a) as never), 'renamed into place: the new file answers');
});
