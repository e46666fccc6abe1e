import {isTimeZone} from '../lib/midnight.js';
import type {Store} from '../store/store.js';
import type {SiteRecord} from '../store/types.js';
import {AccountError} from './operators.js';

const hostname = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

export function checkDomain(domain: string): string {
  const d = domain.trim().toLowerCase();
  if (!hostname.test(d)) throw new AccountError(`not a domain name: ${JSON.stringify(domain)}`);
  return d;
}

export async function addSite(
  store: Store,
  domain: string,
  options: {aliases?: string[]; timezone?: string; url?: string; preview?: boolean} = {},
): Promise<SiteRecord> {
  const d = checkDomain(domain);
  const aliases = (options.aliases ?? []).map(checkDomain);
  const timezone = options.timezone ?? 'UTC';
  if (!isTimeZone(timezone)) throw new AccountError(`unknown time zone ${JSON.stringify(timezone)} (use Area/City, e.g. Europe/London)`);
  let url = options.url ?? `https://${d}/`;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('scheme');
    url = parsed.href;
  } catch {
    throw new AccountError(`site url must be an http(s) URL, not ${JSON.stringify(options.url)}`);
  }
  const db = await store.global('sites', true);
  const taken = new Set(db.sites.flatMap((s) => [s.domain, ...s.aliases]));
  for (const name of [d, ...aliases]) if (taken.has(name)) throw new AccountError(`${name} is already a site or alias`);
  const site: SiteRecord = {domain: d, aliases, timezone, url, preview: options.preview ?? true};
  db.sites.push(site);
  await store.putGlobal('sites', db);
  return site;
}

export async function removeSite(store: Store, domain: string): Promise<void> {
  const db = await store.global('sites', true);
  const before = db.sites.length;
  db.sites = db.sites.filter((s) => s.domain !== domain);
  if (before === db.sites.length) throw new AccountError(`no site ${domain}`);
  await store.putGlobal('sites', db);
}

export async function listSites(store: Store): Promise<SiteRecord[]> {
  return (await store.global('sites', true)).sites;
}

/** The one tag a site owner pastes into its pages. */
export function embedSnippet(hubUrl: string, site: SiteRecord): string {
  return `<script src="${hubUrl.replace(/\/$/, '')}/widget.js" data-site="${site.domain}" async></script>`;
}
