import {transcriptOf} from './model.js';
import type {Entry, Transcript, TranscriptInput} from './model.js';
import {clockIn} from './time.js';
import {columns, wrap} from './wrap.js';

/*
 * The plain-text transcript: for a terminal, a file, the text part of an e-mail. Lines are at
 * most 78 columns (what mail clients show without rewrapping); an entry that needs more goes on
 * under an indent, so every entry still starts at the left edge with its time.
 */

export const TEXT_WIDTH = 78;
const LABEL = 11;
const EVENT_INDENT = ' '.repeat('00:00 '.length);

function header(t: Transcript): string[] {
  const title = wrap(t.title, TEXT_WIDTH);
  const lines = [...title, '='.repeat(Math.max(...title.map(columns))), ''];
  for (const f of t.fields) lines.push(...wrap(`${f.label}:`.padEnd(LABEL) + f.value, TEXT_WIDTH, ' '.repeat(LABEL)));
  if (t.pages.length > 0) {
    lines.push(`Pages viewed (${t.pages.length}):`);
    for (const p of t.pages) {
      lines.push(...wrap(`  ${clockIn(p.at, t.timeZone)}  ${p.title || '(no title)'} <${p.value}>`, TEXT_WIDTH, ' '.repeat(9)));
    }
  }
  return lines;
}

/** One entry as a single logical line, before wrapping. */
export function entryLine(e: Entry, timeZone: string): string {
  const mark = e.private ? '[operators only] ' : '';
  const start = `${clockIn(e.at, timeZone)} ${mark}`;
  if (e.kind === 'message') return `${start}${e.who}: ${e.text}`;
  if (e.kind === 'link') return `${start}${e.who} sent a link: ${e.text}`;
  if (e.kind === 'note') return `${start}Note by ${e.who}: ${e.text}`;
  return `${start}-- ${e.text} --`;
}

/** The whole chat as plain text, lines of at most 78 columns, ending with a newline. */
export function transcriptText(input: TranscriptInput): string {
  const t = transcriptOf(input);
  const lines = header(t);
  lines.push('');
  for (const e of t.entries) {
    if (e.day) lines.push(`--- ${e.day} ---`);
    lines.push(...wrap(entryLine(e, t.timeZone), TEXT_WIDTH, EVENT_INDENT));
  }
  return lines.join('\n') + '\n';
}
