/*
 * Line wrapping for plain-text transcripts. Mail clients and terminals show them in a fixed-width
 * font, 78 columns being the width RFC 5322 recommends, so width is counted in terminal columns:
 * CJK and emoji take two, combining marks none. Grapheme clusters are not joined (a ZWJ emoji
 * sequence counts as each of its parts): that can only make a line shorter than it could be.
 */

const ZERO_WIDTH = /^[\p{Mn}\p{Me}\u200B-\u200D\u2060\uFEFF]$/u;
// East Asian Wide and Fullwidth blocks, and emoji shown as pictures.
const WIDE = new RegExp(
  '^[' +
    [
      '\\p{Emoji_Presentation}',
      '\\u1100-\\u115F', // Hangul Jamo
      '\\u2E80-\\u303E\\u3041-\\u33FF\\u3400-\\u4DBF\\u4E00-\\u9FFF', // CJK, kana
      '\\uA000-\\uA4CF\\uAC00-\\uD7A3\\uF900-\\uFAFF', // Yi, Hangul syllables, CJK compatibility
      '\\uFE30-\\uFE4F\\uFF00-\\uFF60\\uFFE0-\\uFFE6', // CJK forms, fullwidth forms
      '\\u{20000}-\\u{3FFFD}', // CJK extensions
    ].join('') +
    ']$',
  'u',
);

/** Columns one character (code point) takes in a terminal. */
export function charColumns(ch: string): number {
  // Below U+0300 (combining marks start there) every character is one column: most text.
  if (ch.charCodeAt(0) < 0x300) return 1;
  if (ZERO_WIDTH.test(ch)) return 0;
  return WIDE.test(ch) ? 2 : 1;
}

/** Columns a string takes in a terminal. */
export function columns(text: string): number {
  // Wrapping measures each line again as it grows: plain ASCII is counted without a loop.
  if (!/[^\x20-\x7e]/.test(text)) return text.length;
  let n = 0;
  for (const ch of text) n += charColumns(ch);
  return n;
}

/** Splits a word too long for any line into pieces of at most `room` columns; nothing is lost. */
function cut(word: string, room: number): string[] {
  const pieces: string[] = [];
  let piece = '';
  let used = 0;
  for (const ch of word) {
    const w = charColumns(ch);
    if (used + w > room && piece !== '') {
      pieces.push(piece);
      piece = '';
      used = 0;
    }
    piece += ch;
    used += w;
  }
  pieces.push(piece);
  return pieces;
}

/**
 * Wraps `text` to `width` columns at spaces. The lines after the first (continuations, and the
 * lines of a multi-line message) start with `indent`, so each entry stays one visual block. A
 * word longer than a line (a long URL) is cut, not hyphenated: joined again, it is complete.
 */
export function wrap(text: string, width: number, indent = ''): string[] {
  const out: string[] = [];
  const indentColumns = columns(indent);
  const room = () => Math.max(1, width - (out.length === 0 ? 0 : indentColumns));
  const flush = (line: string) => out.push(((out.length === 0 ? '' : indent) + line).trimEnd());
  for (const paragraph of text.split('\n')) {
    let line = '';
    // The columns `line` takes, kept as it grows rather than counted again for every word.
    let used = 0;
    for (const word of paragraph.split(/( +)/)) {
      if (word === '') continue;
      const wordColumns = columns(word);
      if (used + wordColumns <= room()) {
        line += word;
        used += wordColumns;
        continue;
      }
      const next = word.trimStart();
      if (columns(next) <= width - indentColumns) {
        // Spaces at the end of a line are dropped with the break they stand for.
        if (line.trim() !== '') flush(line);
        line = next;
        used = columns(next);
      } else {
        // It has to be cut anyway: start it here rather than leave this line short.
        line += word;
        used += wordColumns;
      }
      while (used > room()) {
        const [first, ...rest] = cut(line, room());
        // One character wider than the whole line: it can only stand alone, as it is.
        if (rest.length === 0) break;
        flush(first!);
        line = rest.join('');
        used = columns(line);
      }
    }
    flush(line);
  }
  return out;
}
