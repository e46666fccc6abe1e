import type {ChatEvent} from '../protocol/index.js';
import {clean} from './sanitize.js';
import type {Pane} from './state.js';

/** One screen line of a chat pane. */
export interface Line {
  text: string;
  tone: 'visitor' | 'me' | 'operator' | 'system' | 'pending';
}

export function clock(at: number): string {
  const d = new Date(at);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/**
 * Wraps text at spaces to `width` columns, the lines after the first to `rest` (they get an
 * indent); words longer than a line are cut. Counts code points: chat text is mostly narrow.
 */
export function wrap(text: string, width: number, rest = width): string[] {
  const out: string[] = [];
  const room = () => Math.max(1, out.length === 0 ? width : rest);
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/(\s+)/)) {
      if ([...line].length + [...word].length <= room()) {
        line += word;
        continue;
      }
      if (line.trim()) out.push(line.trimEnd());
      line = word.trimStart();
      while ([...line].length > room()) {
        const n = room();
        out.push([...line].slice(0, n).join(''));
        line = [...line].slice(n).join('');
      }
    }
    out.push(line.trimEnd());
  }
  return out;
}

function eventText(e: ChatEvent): string {
  const name = clean(e.name);
  const text = clean(e.text, true);
  if (e.kind === 'msg') return `${clock(e.at)} ${name}: ${text}`;
  if (e.kind === 'link') return `${clock(e.at)} ${name} sent a link: ${text}`;
  return `${clock(e.at)} -- ${text} --`;
}

function tone(e: ChatEvent, me: string): Line['tone'] {
  if (e.kind !== 'msg' && e.kind !== 'link') return 'system';
  if (e.from === 'visitor') return 'visitor';
  return e.name === me ? 'me' : 'operator';
}

/** Every line of a pane's history, wrapped to its width: events first, then unsent messages. */
export function paneLines(pane: Pane, width: number, me: string): Line[] {
  const lines: Line[] = [];
  const indent = '      ';
  const push = (text: string, t: Line['tone']) => {
    wrap(text, width, width - indent.length).forEach((l, i) => lines.push({text: i === 0 ? l : indent + l, tone: t}));
  };
  for (const e of pane.events) push(eventText(e), tone(e, me));
  for (const p of pane.pending) push(`${clock(p.at)} ${me}: ${clean(p.text, true)} (sending…)`, 'pending');
  return lines;
}

/** First index of a window of `height` rows around `selected`, for long lists. */
export function windowStart(selected: number, height: number, total: number): number {
  return Math.max(0, Math.min(selected - Math.floor(height / 2), total - height));
}
