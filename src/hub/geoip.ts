import {createRequire} from 'node:module';
import {BlockList, isIP} from 'node:net';

/** Where an address is, as an operator reads it: "Lyon, France", "United States", "local network". */
export type Locate = (ip: string) => string | undefined;

/** Addresses that never reach a public database: a visitor on the same network as the hub. */
const local = new BlockList();
for (const [net, bits] of [['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['127.0.0.0', 8], ['169.254.0.0', 16], ['100.64.0.0', 10]] as const) {
  local.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [['::1', 128], ['fc00::', 7], ['fe80::', 10]] as const) local.addSubnet(net, bits, 'ipv6');

/** Country names in English: made on first use, as ICU's tables take tens of ms to load. */
let regions: Intl.DisplayNames | undefined;

function regionName(code: string): string | undefined {
  regions ??= new Intl.DisplayNames(['en'], {type: 'region'});
  return regions.of(code);
}

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
    try {
      country = regionName(code.toUpperCase());
    } catch {
      country = code;
    }
  }
  const city = record.city?.names?.en;
  return [city, country].filter(Boolean).join(', ') || undefined;
}

/**
 * Opens an MMDB database (a country one by default, or a city one such as GeoLite2-City) with
 * the maintained `maxmind` reader, loaded only when a hub starts. Once it resolves, locating
 * costs no more start-up work (the country names are loaded too).
 */
export async function openLocate(file = defaultDatabase()): Promise<Locate> {
  const maxmind = (await import('maxmind')).default;
  // The reader's types know MaxMind's own layouts; these databases share the fields read here.
  const reader = await maxmind.open(file);
  regionName('US');
  return (raw) => {
    const ip = plain(raw);
    const family = isIP(ip);
    if (family === 0) return undefined;
    if (local.check(ip, family === 4 ? 'ipv4' : 'ipv6')) return 'local network';
    try {
      return describe(reader.get(ip) as GeoRecord | null);
    } catch {
      return undefined;
    }
  };
}
