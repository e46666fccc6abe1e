import type {SiteRecord} from '../store/types.js';

/**
 * The site a name stands for: its domain or one of its aliases. Names are compared as given;
 * callers that take a name from a person or a Host header lower-case it first.
 */
export function siteNamed<S extends Pick<SiteRecord, 'domain' | 'aliases'>>(sites: readonly S[], name: string): S | undefined {
  return sites.find((s) => s.domain === name || s.aliases.includes(name));
}
