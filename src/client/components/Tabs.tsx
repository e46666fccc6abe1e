import {Box, Text} from 'ink';
import {clean} from '../sanitize.js';

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

/** One line of pane tabs, "1 Vera (2)", the active one inverted; unread counts in brackets. */
export function Tabs({tabs, active, width}: TabsProps) {
  if (tabs.length === 0) return <Text dimColor>no chats open</Text>;
  return (
    <Box width={width} overflow="hidden">
      {tabs.map((tab, i) => (
        <Text key={i} inverse={i === active} color={tab.unread > 0 && i !== active ? 'yellow' : tab.closed ? 'gray' : undefined} wrap="truncate">
          {` ${i + 1} ${clean(tab.title).slice(0, 16)}${tab.unread > 0 ? ` (${tab.unread})` : ''} `}
        </Text>
      ))}
    </Box>
  );
}
