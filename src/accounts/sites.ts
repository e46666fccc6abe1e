import {isTimeZone} from '../lib/midnight.js';
import {normalOrigin} from '../lib/origins.js';
import type {Store} from '../store/store.js';

/** What account changes need of a store: its global records. */
type Globals = Pick<Store, 'global' | 'putGlobal'>;
import type {LimitName, SiteRecord} from '../store/types.js';
import {OpError} from '../admin/error.js';

const hostname = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

export function checkDomain(domain: string): string {
  const d = domain.trim().toLowerCase();
  if (!hostname.test(d)) throw new OpError('invalid', `not a domain name: ${JSON.stringify(domain)}`);
  return d;
}

/** Origins as browsers send them; `*://HOST` is the explicit any-scheme-and-port wildcard. */
export function checkOrigins(list: string[]): string[] {
  return list.map((o) => {
    const n = normalOrigin(o.trim());
    if (!n) throw new OpError('invalid', `not an origin: ${JSON.stringify(o)} (scheme://host[:port], e.g. https://www.example.com or http://localhost:8080; *://HOST for any)`);
    return n;
  });
}

export async function addSite(
  store: Globals,
  domain: string,
  options: {aliases?: string[]; timezone?: string; url?: string; preview?: boolean; retainDays?: number; origins?: string[]} = {},
): Promise<SiteRecord> {
  const d = checkDomain(domain);
  const aliases = (options.aliases ?? []).map(checkDomain);
  const timezone = options.timezone ?? 'UTC';
  if (!isTimeZone(timezone)) throw new OpError('invalid', `unknown time zone ${JSON.stringify(timezone)} (use Area/City, e.g. Europe/London)`);
  let url = options.url ?? `https://${d}/`;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('scheme');
    url = parsed.href;
  } catch {
    throw new OpError('invalid', `site url must be an http(s) URL, not ${JSON.stringify(options.url)}`);
  }
  const db = await store.global('sites', true);
  const taken = new Set(db.sites.flatMap((s) => [s.domain, ...s.aliases]));
  for (const name of [d, ...aliases]) if (taken.has(name)) throw new OpError('exists', `${name} is already a site or alias`);
  const origins = options.origins && checkOrigins(options.origins);
  const site: SiteRecord = {
    domain: d,
    aliases,
    timezone,
    url,
    preview: options.preview ?? true,
    ...(origins ? {origins} : {}),
    ...(options.retainDays ? {retainDays: options.retainDays} : {}),
  };
  db.sites.push(site);
  await store.putGlobal('sites', db);
  return site;
}

/** Changes a site's settings; `retainDays: null` keeps its history forever again. */
export async function updateSite(
  store: Globals,
  domain: string,
  change: {retainDays?: number | null; preview?: boolean; origins?: string[] | null; limits?: Partial<Record<LimitName, number | null>>},
): Promise<SiteRecord> {
  const db = await store.global('sites', true);
  const site = db.sites.find((s) => s.domain === domain);
  if (!site) throw new OpError('not_found', `no site ${domain}`);
  if (change.retainDays === null) delete site.retainDays;
  else if (change.retainDays !== undefined) site.retainDays = change.retainDays;
  if (change.preview !== undefined) site.preview = change.preview;
  if (change.origins === null) delete site.origins;
  else if (change.origins !== undefined) site.origins = checkOrigins(change.origins);
  for (const [name, value] of Object.entries(change.limits ?? {}) as [LimitName, number | null][]) {
    const limits = (site.limits ??= {});
    if (value === null) delete limits[name];
    else limits[name] = value;
    if (Object.keys(limits).length === 0) delete site.limits;
  }
  await store.putGlobal('sites', db);
  return site;
}

export async function removeSite(store: Globals, domain: string): Promise<void> {
  const db = await store.global('sites', true);
  const before = db.sites.length;
  db.sites = db.sites.filter((s) => s.domain !== domain);
  if (before === db.sites.length) {
    // Removing a site by one of its aliases would take the whole site: it must be named.
    const owner = db.sites.find((s) => s.aliases.includes(domain.toLowerCase()));
    throw new OpError('not_found', owner ? `no site ${domain}: it is an alias of ${owner.domain} (remove ${owner.domain} to remove the site)` : `no site ${domain}`);
  }
  await store.putGlobal('sites', db);
}

export async function listSites(store: Globals): Promise<SiteRecord[]> {
  return (await store.global('sites', true)).sites;
}

/** The one tag a site owner pastes into its pages. */
export function embedSnippet(hubUrl: string, site: SiteRecord): string {
  return `<script src="${hubUrl.replace(/\/$/, '')}/widget.js" data-site="${site.domain}" async></script>`;
}
