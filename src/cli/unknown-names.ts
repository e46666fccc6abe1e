import {OpError} from '../admin/error.js';
import {siteNamed} from '../lib/site-named.js';
import type {AdminTarget} from './admin-target.js';

/** What a listing was narrowed to, by name. */
export interface NamedFilter {
  site?: string;
  operator?: string;
}

/**
 * Called when a listing narrowed by --site or --operator found nothing. A name that is no site
 * (nor an alias of one) and no operator now is most likely mistyped: that is said, and `cac`
 * exits 1, where an empty list would read as "nothing there". A removed site's or operator's
 * records are still listed under its name, which is why the names are only looked up once
 * nothing was found. An alias is named for its site: records are kept under the domain.
 */
export async function refuseUnknownNames(call: AdminTarget['call'], filter: NamedFilter): Promise<void> {
  const unknown: Array<{what: 'site' | 'operator'; name: string}> = [];
  if (filter.site !== undefined) {
    const site = siteNamed(await call('sites.list', {}), filter.site.toLowerCase());
    if (site && site.domain !== filter.site) throw new OpError('not_found', `nothing under ${filter.site}: records are kept under the site's domain, ${site.domain} (--site ${site.domain})`);
    if (!site) unknown.push({what: 'site', name: filter.site});
  }
  if (filter.operator !== undefined && !(await call('operators.list', {})).some((o) => o.name === filter.operator)) unknown.push({what: 'operator', name: filter.operator});
  if (unknown.length === 0) return;
  const said = unknown.map((u) => `no ${u.what} ${u.name}`).join(' and ');
  const lists = unknown.map((u) => `cac ${u.what}s list`).join(' and ');
  throw new OpError('not_found', `${said}, and nothing is stored under ${unknown.length > 1 ? 'those names' : 'that name'} (${lists} ${unknown.length > 1 ? 'name' : 'names'} them)`);
}
