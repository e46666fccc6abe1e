import {Box, Text} from 'ink';
import {windowStart} from '../format.js';
import {fit, truncate} from '../text.js';

export interface ListBoxProps {
  title: string;
  rows: string[];
  selected: number;
  focused: boolean;
  height: number;
  width: number;
  /** Optional colour per row (e.g. waiting chats in yellow). */
  colors?: Array<string | undefined>;
}

/**
 * A titled list that renders only the rows that fit: with a thousand visitors only a screenful
 * of Text nodes exists, so typing stays smooth.
 */
export function ListBox({title, rows, selected, focused, height, width, colors}: ListBoxProps) {
  const room = Math.max(0, height - 1);
  const start = windowStart(selected, room, rows.length);
  const shown = rows.slice(start, start + room);
  return (
    <Box flexDirection="column" height={height} width={width}>
      <Text inverse={focused} bold wrap="truncate">
        {fit(`${title} (${rows.length})`, width)}
      </Text>
      {shown.map((row, i) => {
        const index = start + i;
        const isSel = index === selected;
        return (
          <Text key={index} wrap="truncate" inverse={isSel && focused} bold={isSel && !focused} color={colors?.[index]}>
            {truncate(row, width)}
          </Text>
        );
      })}
    </Box>
  );
}
