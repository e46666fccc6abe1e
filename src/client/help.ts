import {helpBindings, type Binding} from './keymap.js';
import type {State} from './state.js';
import {pad, truncate, width as cells} from './text.js';

/** Rows above the key bar and the status line: the screen's main area, which the help fills. */
export function mainRows(rows: number): number {
  // One row short of the terminal: ink redraws a frame as tall as the terminal by clearing it.
  return Math.max(10, rows - 1) - 2;
}

/** One help row per binding: keys, what it does, and the slash command that does the same. */
export function helpRows(bindings: Binding[], width: number): string[] {
  const keyWidth = Math.max(...bindings.map((b) => cells(b.keys)));
  return bindings.map((b) => {
    const slash = b.slash ? `  [${b.slash}]` : '';
    // A narrow terminal cuts the description, not the slash command.
    const what = truncate(b.what, width - keyWidth - 2 - cells(slash));
    return truncate(`${pad(b.keys, keyWidth)}  ${what}${slash}`, width);
  });
}

/** The first help row to show, so that the last page is full; `top` is where the operator scrolled. */
export function helpTop(state: State, top: number): number {
  const room = mainRows(state.size.rows) - 1;
  return Math.max(0, Math.min(top, helpBindings(state).length - room));
}
