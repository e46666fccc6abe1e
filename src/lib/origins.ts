import type {SiteRecord} from '../store/types.js';

/*
 * Which pages may open a visitor socket for a site: their Origin (scheme, host and port) must be
 * one the site lists. A site that lists none accepts https on its domain and aliases, and the
 * origin of its base URL. An entry `*://HOST` accepts any scheme and port on HOST: the looser
 * match of earlier versions, kept for whoever needs it, but never the default.
 */

/** The origins a site accepts when it lists none. */
export function defaultOrigins(site: Pick<SiteRecord, 'domain' | 'aliases' | 'url'>): string[] {
  const list = [site.domain, ...site.aliases].map((h) => `https://${h}`);
  try {
    list.push(new URL(site.url).origin);
  } catch {
    // A site's url is checked when it is added; nothing to add if it is not one.
  }
  return [...new Set(list)];
}

/** An origin as browsers send it: scheme://host[:port], the port only when not the default. */
export function normalOrigin(text: string): string | undefined {
  if (text.startsWith('*://')) {
    const host = text.slice(4).toLowerCase();
    return /^[a-z0-9.-]+$/.test(host) ? `*://${host}` : undefined;
  }
  try {
    const url = new URL(text);
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.pathname !== '/' || url.search || url.hash || url.username) return undefined;
    return url.origin;
  } catch {
    return undefined;
  }
}

export function originAllowed(site: SiteRecord, origin: string | undefined): boolean {
  if (!origin) return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  for (const entry of site.origins ?? defaultOrigins(site)) {
    if (entry.startsWith('*://') ? entry.slice(4) === url.hostname.toLowerCase() : entry === url.origin) return true;
  }
  return false;
}
