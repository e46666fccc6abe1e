import Bowser from 'bowser';
import type {Visit} from '../protocol/index.js';
import type {Hub, LiveVisitor} from './hub.js';
import {randomId} from '../lib/secrets.js';

const MAX_VISITS = 50;
const MAX_PAGES = 500;

export function describeAgent(userAgent: string): {browser: string; os: string} {
  if (!userAgent) return {browser: 'unknown', os: 'unknown'};
  const parsed = Bowser.parse(userAgent);
  const major = parsed.browser.version?.split('.')[0];
  const browser = [parsed.browser.name ?? 'unknown', major].filter(Boolean).join(' ');
  const os = [parsed.os.name ?? 'unknown', parsed.os.versionName ?? parsed.os.version].filter(Boolean).join(' ');
  return {browser, os};
}

/**
 * Records one page view. After `visitTimeoutMs` without activity the view starts a new visit,
 * and only the first page of a visit keeps the referrer.
 */
export function recordPage(hub: Hub, live: LiveVisitor, page: {url: string; title: string; referrer?: string}): Visit {
  const visitor = live.doc.data;
  const now = hub.now();
  let visit = visitor.visits.at(-1);
  if (!visit || now - visit.end > hub.visitTimeoutMs) {
    const agent = describeAgent(live.userAgent);
    visit = {
      id: randomId(),
      start: now,
      end: now,
      ip: live.ip,
      ...agent,
      userAgent: live.userAgent.slice(0, 500),
      referrer: page.referrer || undefined,
      pages: [],
    };
    visitor.visits.push(visit);
    if (visitor.visits.length > MAX_VISITS) visitor.visits.splice(0, visitor.visits.length - MAX_VISITS);
  }
  visit.pages.push({url: page.url, title: page.title, at: now});
  if (visit.pages.length > MAX_PAGES) visit.pages.splice(0, visit.pages.length - MAX_PAGES);
  visit.end = now;
  visitor.lastSeen = now;
  return visit;
}
