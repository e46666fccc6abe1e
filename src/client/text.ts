import stringWidth from 'string-width';
import {clean} from '../lib/sanitize.js';

/**
 * Terminal widths. A terminal gives East Asian wide characters (田, こ) and most emoji (😀) two
 * cells, combining marks none, so a string's length says nothing about how much of a row it
 * takes. Everything the client lays out goes through these, on text that sanitize.ts has already
 * made harmless (no control characters, no escape sequences); `truncate` (and `fit`) clean it
 * once more, so a visitor's field that a caller forgot to clean still cannot reach the terminal.
 */

const segmenter = new Intl.Segmenter(undefined, {granularity: 'grapheme'});
const PLAIN = /^[\x20-\x7e]*$/;

/** Cells `text` takes on a terminal. */
export function width(text: string): number {
  return PLAIN.test(text) ? text.length : stringWidth(text);
}

/** The user-perceived characters of `text` (an emoji with its modifiers, a letter with its accents). */
export function graphemes(text: string): string[] {
  if (PLAIN.test(text)) return text.split('');
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

/**
 * `text` cut to at most `cols` cells, ending in `ellipsis` when cut. Never splits a character:
 * a wide one that would only half fit is left out (the row is then a cell short).
 */
export function truncate(raw: string, cols: number, ellipsis = '…'): string {
  if (cols <= 0) return '';
  // Text already clean comes back as it is (the same string), so this costs one test of it.
  const text = clean(raw);
  if (width(text) <= cols) return text;
  const room = cols - width(ellipsis);
  if (room < 0) return truncate(ellipsis, cols, '');
  let out = '';
  let used = 0;
  for (const g of graphemes(text)) {
    const w = width(g);
    if (used + w > room) break;
    out += g;
    used += w;
  }
  return out + ellipsis;
}

/** Spaces after `text` up to `cols` cells (nothing is cut). */
export function pad(text: string, cols: number): string {
  return text + ' '.repeat(Math.max(0, cols - width(text)));
}

/** Exactly `cols` cells: cut with an ellipsis, or padded with spaces. */
export function fit(text: string, cols: number, ellipsis = '…'): string {
  return pad(truncate(text, cols, ellipsis), cols);
}

interface Piece {
  text: string;
  width: number;
  kind: 'space' | 'word' | 'wide';
}

/**
 * A paragraph as pieces a line may break between: runs of spaces, words of narrow characters,
 * and each wide character alone (Chinese and Japanese are written without spaces and break
 * between any two characters).
 */
function pieces(paragraph: string): Piece[] {
  const out: Piece[] = [];
  for (const g of graphemes(paragraph)) {
    const w = width(g);
    const kind = /^\s+$/.test(g) ? 'space' : w >= 2 ? 'wide' : 'word';
    const last = out.at(-1);
    if (last && (w === 0 || (last.kind === kind && kind !== 'wide'))) {
      last.text += g;
      last.width += w;
    } else out.push({text: g, width: w, kind});
  }
  return out;
}

/** The first graphemes of `text` that fit in `cols` cells (at least one), and the rest. */
function cut(text: string, cols: number): [string, string] {
  const all = graphemes(text);
  let used = 0;
  let n = 0;
  while (n < all.length && (n === 0 || used + width(all[n]!) <= cols)) used += width(all[n++]!);
  return [all.slice(0, n).join(''), all.slice(n).join('')];
}

/**
 * Wraps text at spaces (and between wide characters) to `cols` cells, the lines after the first
 * to `rest` (they get an indent); words longer than a line are cut between characters.
 */
export function wrap(text: string, cols: number, rest = cols): string[] {
  const out: string[] = [];
  const room = () => Math.max(1, out.length === 0 ? cols : rest);
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const piece of pieces(paragraph)) {
      if (width(line) + piece.width <= room()) {
        line += piece.text;
        continue;
      }
      if (line.trim()) out.push(line.trimEnd());
      line = piece.text.trimStart();
      // A character wider than the whole line (1 cell, a wide one) still goes on a line of its own.
      while (width(line) > room() && graphemes(line).length > 1) {
        const [head, tail] = cut(line, room());
        out.push(head);
        line = tail;
      }
    }
    out.push(line.trimEnd());
  }
  return out;
}
