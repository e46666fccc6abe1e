import {Text} from 'ink';
import type {Binding} from '../keymap.js';

export interface KeyBarProps {
  bindings: Binding[];
  width: number;
}

/** The keys of the focused area, nano-style, on one line. */
export function KeyBar({bindings, width}: KeyBarProps) {
  const text = bindings.map((b) => `${b.keys} ${b.what.split(/[ (,:]/)[0]}`).join('  ');
  return (
    <Text wrap="truncate" inverse>
      {text.slice(0, width).padEnd(width)}
    </Text>
  );
}
