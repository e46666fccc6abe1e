import {Box, Text} from 'ink';
import {OPTIONS} from '../options.js';
import type {Settings} from '../state.js';

export interface OptionsScreenProps {
  settings: Settings;
  index: number;
  width: number;
  configPath?: string;
}

/** The settings, one per line; Up/Down choose, Enter or Space changes, Esc closes. */
export function OptionsScreen({settings, index, width, configPath}: OptionsScreenProps) {
  const labelWidth = Math.max(...OPTIONS.map((o) => o.label.length));
  return (
    <Box flexDirection="column" width={width}>
      <Text bold inverse>
        {' Options (Enter changes, Esc closes) '.padEnd(width)}
      </Text>
      {OPTIONS.map((o, i) => (
        <Text key={o.label} inverse={i === index} wrap="truncate">
          {`${o.label.padEnd(labelWidth)}  ${o.show(settings)}`}
        </Text>
      ))}
      {configPath ? <Text dimColor wrap="truncate">{`saved in ${configPath}`}</Text> : null}
    </Box>
  );
}
