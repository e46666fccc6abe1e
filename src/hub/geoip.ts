import {createRequire} from 'node:module';
import {BlockList, isIP} from 'node:net';
import type {Response} from 'maxmind';
import {trimOldest} from '../lib/trim-oldest.js';
import {countryNames} from './country-names.js';
import {FileChanged, openPaged} from './mmdb-pages.js';

/** Where an address is, as an operator reads it: "Lyon, France", "United States", "local network". */
export type Locate = (ip: string) => string | undefined;

/** Addresses that never reach a public database: a visitor on the same network as the hub. */
const local = new BlockList();
for (const [net, bits] of [['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['127.0.0.0', 8], ['169.254.0.0', 16], ['100.64.0.0', 10]] as const) {
  local.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [['::1', 128], ['fc00::', 7], ['fe80::', 10]] as const) local.addSubnet(net, bits, 'ipv6');

interface GeoRecord {
  country_code?: string;
  country?: {iso_code?: string; names?: {en?: string}};
  city?: {names?: {en?: string}};
}

/** The default database: countries, from the npm package (CC BY 4.0, credited in the README). */
export function defaultDatabase(): string {
  return createRequire(import.meta.url).resolve('@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb');
}

function plain(ip: string): string {
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}

export function describe(record: GeoRecord | null): string | undefined {
  if (!record) return undefined;
  const code = record.country?.iso_code ?? record.country_code;
  let country = record.country?.names?.en;
  if (!country && code) {
    const upper = code.toUpperCase();
    country = Object.hasOwn(countryNames, upper) ? countryNames[upper] : code;
  }
  const city = record.city?.names?.en;
  return [city, country].filter(Boolean).join(', ') || undefined;
}

/** A location database, open: `locate` reads it, `close` lets its file go. */
export interface Locator {
  locate: Locate;
  close(): void;
}

/** The reader's cache of decoded records: a country database has a few hundred, a city one more. */
function recordCache(max = 10_000) {
  const map = new Map<string | number, unknown>();
  return {
    get: (offset: string | number) => map.get(offset),
    set(offset: string | number, value: unknown) {
      map.set(offset, value);
      trimOldest(map, max);
    },
  };
}

/**
 * Opens an MMDB database (a country one by default, or a city one such as GeoLite2-City) with
 * the maintained `maxmind` reader, loaded only when a hub starts. The file is read a page at a
 * time (mmdb-pages.ts), not whole: a hub holds the pages its visitors' lookups walk. Written over
 * in place while the hub runs, it is opened again at the next lookup that reads from it (or, while
 * the new file does not open yet, retried at most once a second). Once it resolves, locating
 * costs no more start-up work.
 */
export async function openLocate(file = defaultDatabase(), opts: {now?: () => number; log?: (line: string) => void} = {}): Promise<Locator> {
  const {Reader} = (await import('maxmind')).default;
  const {now = Date.now, log = () => {}} = opts;
  const open = () => {
    const paged = openPaged(file);
    try {
      return {paged, reader: new Reader<Response>(paged.buffer, {cache: recordCache()})};
    } catch (error) {
      paged.close();
      throw new Error(`${file} is not an MMDB database (${error instanceof Error ? error.message : String(error)})`);
    }
  };
  let db: ReturnType<typeof open> | undefined = open();
  let retryAt = 0;
  let failing = false;
  // The reader's types know MaxMind's own layouts; these databases share the fields read here.
  const lookup = (ip: string): GeoRecord | null => {
    if (db) {
      try {
        return db.reader.get(ip) as GeoRecord | null;
      } catch (error) {
        if (!(error instanceof FileChanged)) throw error;
        db.paged.close();
        db = undefined;
        log(`location database: ${error.message}: opening it again`);
      }
    }
    if (now() < retryAt) return null;
    try {
      db = open();
    } catch (error) {
      retryAt = now() + 1000;
      if (!failing) log(`location database: ${String(error)}; trying again at later visits`);
      failing = true;
      return null;
    }
    if (failing) log(`location database: ${file} opened again`);
    failing = false;
    return db.reader.get(ip) as GeoRecord | null;
  };
  const locate: Locate = (raw) => {
    const ip = plain(raw);
    const family = isIP(ip);
    if (family === 0) return undefined;
    if (local.check(ip, family === 4 ? 'ipv4' : 'ipv6')) return 'local network';
    try {
      return describe(lookup(ip));
    } catch {
      return undefined;
    }
  };
  return {locate, close: () => db?.paged.close()};
}
