import type {Visit, VisitorSummary} from '../protocol/index.js';
import {clock} from './format.js';
import {clean} from '../lib/sanitize.js';

/** The host of a URL, or the text itself when it is not one. */
export function host(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** One line about who the operator is talking to: shown at the top of every visitor pane. */
export function visitSummary(visitor: VisitorSummary): string {
  const page = visitor.page ? visitor.page.title || visitor.page.url : '?';
  // Most telling first: a narrow pane cuts the end of the line.
  const parts = [
    `now: ${page}`,
    `${visitor.pages} page${visitor.pages === 1 ? '' : 's'}`,
    visitor.referrer ? `from ${host(visitor.referrer)}` : 'came directly',
    `${visitor.browser} on ${visitor.os}`,
    visitor.location ?? visitor.ip,
  ];
  return clean(parts.join(' · '));
}

/**
 * The visit in full (Alt+D): where from, with what, and every page viewed, the latest last. At
 * most `max` lines; when pages do not fit, the oldest are left out and counted.
 */
export function visitDetails(visitor: VisitorSummary, visit: Visit | undefined, max: number): string[] {
  const head = [
    `Location: ${visitor.location ?? 'unknown'}   Address: ${visitor.ip}`,
    `Browser: ${visitor.browser} on ${visitor.os}`,
    `Referrer: ${visitor.referrer ?? visit?.referrer ?? '(none: came directly)'}`,
  ].map((line) => clean(line));
  const pages = (visit?.pages ?? []).map((p) => clean(`${clock(p.at)} ${p.title || '(no title)'}  ${p.url}`));
  if (!visit) return [...head, 'Pages: asking the hub...'].slice(0, max);
  const room = Math.max(0, max - head.length - 1);
  const shown = pages.slice(-room);
  const hidden = pages.length - shown.length;
  return [...head, `Pages viewed (${pages.length}${hidden ? `, ${hidden} older not shown` : ''}):`, ...shown].slice(0, max);
}
