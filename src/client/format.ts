import type {ChatEvent} from '../protocol/index.js';
import {clean} from '../lib/sanitize.js';
import type {Pane} from './state.js';
import {wrap} from './text.js';

export {wrap} from './text.js';

/** One screen line of a chat pane. */
export interface Line {
  text: string;
  tone: 'visitor' | 'me' | 'operator' | 'system' | 'pending';
}

export function clock(at: number): string {
  const d = new Date(at);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
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

const INDENT = '      ';

/** One message's screen lines: wrapped by display width, the lines after the first indented. */
function wrapped(text: string, width: number, tone: Line['tone']): Line[] {
  return wrap(text, width, width - INDENT.length).map((l, i) => ({text: i === 0 ? l : INDENT + l, tone}));
}

// Wrapping is measured in cells, character by character: each event is wrapped once per width.
const cache = new WeakMap<ChatEvent, {key: string; lines: Line[]}>();

function eventLines(e: ChatEvent, width: number, me: string): Line[] {
  const key = `${width}\u0000${me}`;
  const hit = cache.get(e);
  if (hit?.key === key) return hit.lines;
  const lines = wrapped(eventText(e), width, tone(e, me));
  cache.set(e, {key, lines});
  return lines;
}

/** Every line of a pane's history, wrapped to its width: events first, then unsent messages. */
export function paneLines(pane: Pane, width: number, me: string): Line[] {
  const lines: Line[] = [];
  for (const e of pane.events) lines.push(...eventLines(e, width, me));
  for (const p of pane.pending) lines.push(...wrapped(`${clock(p.at)} ${me}: ${clean(p.text, true)} (sending…)`, width, 'pending'));
  return lines;
}

/** First index of a window of `height` rows around `selected`, for long lists. */
export function windowStart(selected: number, height: number, total: number): number {
  return Math.max(0, Math.min(selected - Math.floor(height / 2), total - height));
}
