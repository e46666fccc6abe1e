import {Box, Text} from 'ink';
import {helpRows} from '../help.js';
import {helpBindings, type Binding} from '../keymap.js';
import {fit} from '../text.js';

export interface HelpOverlayProps {
  width: number;
  height: number;
  /** The rows to show (default: every binding). */
  bindings?: Binding[];
  /** The first row shown, when they do not all fit. */
  top?: number;
}

/** Every key and slash command, read from the key table so it cannot drift from the code. */
export function HelpOverlay({width, height, bindings = helpBindings(), top = 0}: HelpOverlayProps) {
  const rows = helpRows(bindings, width);
  const room = Math.max(0, height - 1);
  const start = Math.max(0, Math.min(top, rows.length - room));
  const shown = rows.slice(start, start + room);
  const more = rows.length > room ? `, Up/Down: more (${start + 1}-${start + shown.length} of ${rows.length})` : '';
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold inverse>
        {fit(` Help: keys and /commands (Esc closes${more}) `, width)}
      </Text>
      {shown.map((row, i) => (
        <Text key={i} wrap="truncate">
          {row}
        </Text>
      ))}
    </Box>
  );
}
