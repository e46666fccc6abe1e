import {Box, Text} from 'ink';
import {BINDINGS} from '../keymap.js';

export interface HelpOverlayProps {
  width: number;
  height: number;
}

/** Every key and slash command, read from the key table so it cannot drift from the code. */
export function HelpOverlay({width, height}: HelpOverlayProps) {
  const keyWidth = Math.max(...BINDINGS.map((b) => b.keys.length));
  const rows = BINDINGS.map((b) => `${b.keys.padEnd(keyWidth)}  ${b.what}${b.slash ? `  [${b.slash}]` : ''}`);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold inverse>
        {' Help: keys and /commands (Esc closes) '.padEnd(width)}
      </Text>
      {rows.slice(0, Math.max(0, height - 1)).map((row, i) => (
        <Text key={i} wrap="truncate">
          {row}
        </Text>
      ))}
    </Box>
  );
}
