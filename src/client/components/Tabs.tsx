import {Box, Text} from 'ink';
import {clean} from '../../lib/sanitize.js';
import {truncate, width as cells} from '../text.js';

export interface Tab {
  title: string;
  unread: number;
  closed: boolean;
}

export interface TabsProps {
  tabs: Tab[];
  active: number;
  width: number;
}

/** The label of one tab: " 1 Vera (2) ", the title cut to 16 cells. */
function label(tab: Tab, i: number): string {
  return ` ${i + 1} ${truncate(clean(tab.title), 16)}${tab.unread > 0 ? ` (${tab.unread})` : ''} `;
}

/**
 * One line of pane tabs, "1 Vera (2)", the active one inverted; unread counts in brackets. When
 * they do not all fit, the line starts late enough for the active one to show.
 */
export function Tabs({tabs, active, width}: TabsProps) {
  if (tabs.length === 0) return <Text dimColor>no chats open</Text>;
  const labels = tabs.map(label);
  let first = 0;
  const span = (from: number) => labels.slice(from, active + 1).reduce((sum, l) => sum + cells(l), 0);
  while (first < active && span(first) > width) first++;
  const shown: Array<{text: string; i: number}> = [];
  let used = 0;
  for (let i = first; i < labels.length && used < width; i++) {
    const text = truncate(labels[i]!, width - used);
    shown.push({text, i});
    used += cells(text);
  }
  return (
    <Box width={width} overflow="hidden">
      {shown.map(({text, i}) => {
        const tab = tabs[i]!;
        return (
          <Text key={i} inverse={i === active} color={tab.unread > 0 && i !== active ? 'yellow' : tab.closed ? 'gray' : undefined} wrap="truncate">
            {text}
          </Text>
        );
      })}
    </Box>
  );
}
