import {Text} from 'ink';
import {barLabel, type Binding} from '../keymap.js';
import {pad, width as cells} from '../text.js';

export interface KeyBarProps {
  bindings: Binding[];
  width: number;
}

/** The keys of the focused area, nano-style, on one line: as many whole ones as fit. */
export function KeyBar({bindings, width}: KeyBarProps) {
  let text = '';
  for (const b of bindings) {
    const next = `${text ? `${text}  ` : ''}${b.keys} ${barLabel(b)}`;
    if (cells(next) > width) break;
    text = next;
  }
  return (
    <Text wrap="truncate" inverse>
      {pad(text, width)}
    </Text>
  );
}
