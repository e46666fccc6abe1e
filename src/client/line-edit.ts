import {width} from './text.js';

/**
 * The message line being typed: text plus a cursor, both in code points so that an emoji or an
 * accented letter is one step. Pure functions: the reducer stores the result.
 */
export interface Line {
  text: string;
  cursor: number;
}

export type Edit =
  | {op: 'insert'; text: string}
  | {op: 'backspace'}
  | {op: 'deleteForward'}
  | {op: 'left'}
  | {op: 'right'}
  | {op: 'home'}
  | {op: 'end'}
  | {op: 'wordLeft'}
  | {op: 'deleteWord'}
  | {op: 'clear'};

export function line(text: string, cursor?: number): Line {
  const length = [...text].length;
  return {text, cursor: Math.max(0, Math.min(length, cursor ?? length))};
}

export function edit(current: Line, change: Edit): Line {
  const chars = [...current.text];
  const at = Math.max(0, Math.min(chars.length, current.cursor));
  const join = (parts: string[], cursor: number) => ({text: parts.join(''), cursor});
  switch (change.op) {
    case 'insert': {
      const added = [...change.text];
      return join([...chars.slice(0, at), ...added, ...chars.slice(at)], at + added.length);
    }
    case 'backspace':
      return at === 0 ? current : join([...chars.slice(0, at - 1), ...chars.slice(at)], at - 1);
    case 'deleteForward':
      return join([...chars.slice(0, at), ...chars.slice(at + 1)], at);
    case 'left':
      return {...current, cursor: Math.max(0, at - 1)};
    case 'right':
      return {...current, cursor: Math.min(chars.length, at + 1)};
    case 'home':
      return {...current, cursor: 0};
    case 'end':
      return {...current, cursor: chars.length};
    case 'wordLeft':
      return {...current, cursor: wordStart(chars, at)};
    case 'deleteWord': {
      const start = wordStart(chars, at);
      return join([...chars.slice(0, start), ...chars.slice(at)], start);
    }
    case 'clear':
      return {text: '', cursor: 0};
  }
}

function wordStart(chars: string[], at: number): number {
  let i = at;
  while (i > 0 && /\s/.test(chars[i - 1]!)) i--;
  while (i > 0 && !/\s/.test(chars[i - 1]!)) i--;
  return i;
}

/**
 * The part of a long line that fits in `cols` cells with the cursor in view: the line scrolls
 * sideways as the cursor moves, the way a shell's prompt does. Wide characters take two cells.
 */
export function visible(current: Line, cols: number): {before: string; at: string; after: string} {
  const chars = [...current.text];
  const widths = chars.map((ch) => width(ch));
  const room = Math.max(4, cols);
  const cursor = Math.max(0, Math.min(chars.length, current.cursor));
  // From the furthest start back, the first where the cells up to `end` fit in `cells`.
  const firstFitting = (end: number, cells: number) => {
    let start = end;
    let used = 0;
    while (start > 0 && used + widths[start - 1]! <= cells) used += widths[--start]!;
    return start;
  };
  // The cursor sits about three quarters along, unless the end of the line is already in view.
  const start = Math.min(firstFitting(cursor, Math.floor(room * 0.75)), firstFitting(chars.length, room - 1));
  let end = start;
  let used = 0;
  while (end < chars.length && used + widths[end]! <= room) used += widths[end++]!;
  const shown = chars.slice(start, end);
  const rel = cursor - start;
  return {before: shown.slice(0, rel).join(''), at: shown[rel] ?? ' ', after: shown.slice(rel + 1).join('')};
}
