import {Text} from 'ink';
import {barItem, isHelp, type Binding} from '../keymap.js';
import {pad, width as cells} from '../text.js';

export interface KeyBarProps {
  bindings: Binding[];
  width: number;
}

const GAP = '  ';

/**
 * The key bar's text: the keys in the order given, as many whole ones as fit. When some must be
 * left out, the help key (F1, which lists them all) takes the end of the bar, so the operator
 * always sees where the rest are.
 */
export function barText(bindings: Binding[], width: number): string {
  const all = bindings.map(barItem).join(GAP);
  if (cells(all) <= width) return all;
  const help = bindings.find(isHelp);
  const tail = help ? barItem(help) : '';
  const room = tail ? width - cells(tail) - GAP.length : width;
  let text = '';
  for (const b of bindings) {
    if (b === help) continue;
    const next = text ? `${text}${GAP}${barItem(b)}` : barItem(b);
    if (cells(next) > room) break;
    text = next;
  }
  if (!tail || cells(tail) > width) return text;
  return text ? `${text}${GAP}${tail}` : tail;
}

/** The keys of the focused area, nano-style, on one line. */
export function KeyBar({bindings, width}: KeyBarProps) {
  return (
    <Text wrap="truncate" inverse>
      {pad(barText(bindings, width), width)}
    </Text>
  );
}
