import type {VisitorSummary} from '../../protocol/index.js';
import {clean} from '../../lib/sanitize.js';
import {ago} from '../selectors.js';
import {ListBox} from './ListBox.js';

export interface VisitorListProps {
  visitors: VisitorSummary[];
  selected: number;
  focused: boolean;
  height: number;
  width: number;
  now: number;
}

function path(url: string | undefined): string {
  if (!url) return '';
  try {
    const u = new URL(url);
    return u.pathname + u.search;
  } catch {
    return url;
  }
}

/** Visitors on my sites now: time on site, name or short id, current page, then location (cut first when narrow). */
export function VisitorList({visitors, selected, focused, height, width, now}: VisitorListProps) {
  const rows = visitors.map((v) => {
    const who = clean(v.name) || v.id.slice(0, 6);
    const where = v.location ? ` · ${clean(v.location)}` : '';
    return `${ago(now - v.since).padStart(4)} ${who} ${clean(path(v.page?.url))}${where}`;
  });
  return <ListBox title="Visitors" rows={rows} selected={selected} focused={focused} height={height} width={width} />;
}
