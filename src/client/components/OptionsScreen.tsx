import {Box, Text} from 'ink';
import {OPTIONS} from '../options.js';
import {visible, type Line} from '../line-edit.js';
import type {Settings} from '../state.js';

export interface OptionsScreenProps {
  settings: Settings;
  index: number;
  /** The text option being typed, if any. */
  editing?: Line;
  width: number;
  configPath?: string;
}

/** The settings, one per line; Up/Down choose, Enter or Space changes, Esc closes. */
export function OptionsScreen({settings, index, editing, width, configPath}: OptionsScreenProps) {
  const labelWidth = Math.max(...OPTIONS.map((o) => o.label.length));
  const field = editing && visible(editing, width - labelWidth - 3);
  return (
    <Box flexDirection="column" width={width}>
      <Text bold inverse>
        {' Options (Enter changes, Esc closes) '.padEnd(width)}
      </Text>
      {OPTIONS.map((o, i) =>
        field && i === index ? (
          <Text key={o.label} wrap="truncate">
            {`${o.label.padEnd(labelWidth)}  ${field.before}`}
            <Text inverse>{field.at}</Text>
            {field.after}
          </Text>
        ) : (
          <Text key={o.label} inverse={i === index} wrap="truncate">
            {`${o.label.padEnd(labelWidth)}  ${o.show(settings)}`}
          </Text>
        ),
      )}
      {field ? <Text dimColor>Enter keeps the folder, Esc cancels</Text> : null}
      {configPath ? <Text dimColor wrap="truncate">{`saved in ${configPath}`}</Text> : null}
    </Box>
  );
}
