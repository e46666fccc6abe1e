import Bowser from 'bowser';
import {randomId} from '../lib/secrets.js';
import type {VisitStart} from '../store/types.js';
import type {Hub} from './hub.js';
import type {LiveVisitor} from './sessions.js';

/** Agents described lately: most visitors share a few browsers, and parsing one is costly. */
const described = new Map<string, {browser: string; os: string}>();
const DESCRIBED_MAX = 1000;
/**
 * What of a user agent is read: real ones are 100-300 characters. A header of 16 KB took the
 * parser 8 ms (any address may send one a visit) and would sit in the cache as a 16 KB key.
 */
export const AGENT_READ = 500;

export function describeAgent(full: string): {browser: string; os: string} {
  const userAgent = full.slice(0, AGENT_READ);
  if (!userAgent) return {browser: 'unknown', os: 'unknown'};
  const known = described.get(userAgent);
  if (known) return known;
  const parsed = Bowser.parse(userAgent);
  const major = parsed.browser.version?.split('.')[0];
  const browser = [parsed.browser.name || 'unknown', major].filter(Boolean).join(' ');
  const os = [parsed.os.name || 'unknown', parsed.os.versionName ?? parsed.os.version].filter(Boolean).join(' ');
  if (described.size >= DESCRIBED_MAX) described.clear();
  described.set(userAgent, {browser, os});
  return {browser, os};
}

/** The visit this visitor was last on, read back from the store (a visitor who returns). */
export async function resumeVisit(hub: Hub, live: LiveVisitor): Promise<void> {
  const [last] = await hub.store.visits(live.record.id, 1);
  if (!last) return;
  const {pages, end, ...start} = last;
  live.visit = {start, pages: pages.length, last: pages.at(-1), end};
}

/**
 * Records one page view: one line in the visitor's log, whatever its history. After
 * `visitTimeoutMs` without activity the view starts a new visit, and only the first page of a
 * visit keeps the referrer. Resolves once stored.
 */
export async function recordPage(hub: Hub, live: LiveVisitor, page: {url: string; title: string; referrer?: string}): Promise<void> {
  // Only in the moments after a start, before the location database is open.
  if (hub.locating) await hub.locating;
  const now = hub.now();
  const writes: Array<Promise<unknown>> = [];
  const feed = {site: live.site.domain};
  if (!live.visit || now - live.visit.end > hub.visitTimeoutMs) {
    const start: VisitStart = {
      id: randomId(),
      start: now,
      ip: live.ip,
      location: hub.locate(live.ip),
      ...describeAgent(live.userAgent),
      userAgent: live.userAgent.slice(0, AGENT_READ),
      referrer: page.referrer || undefined,
    };
    live.visit = {start, pages: 0, end: now};
    writes.push(hub.store.appendVisit(live.record.id, start, feed));
  }
  const view = {url: page.url, title: page.title, at: now};
  live.visit.pages += 1;
  live.visit.last = view;
  live.visit.end = now;
  writes.push(hub.store.appendPage(live.record.id, live.visit.start.id, view, feed));
  await Promise.all(writes);
}
