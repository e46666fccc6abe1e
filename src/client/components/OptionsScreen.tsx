import {Box, Text} from 'ink';
import {OPTIONS} from '../options.js';
import {visible, type Line} from '../line-edit.js';
import type {Settings} from '../state.js';
import {fit, truncate} from '../text.js';

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
        {fit(' Options (Enter changes, Esc closes) ', width)}
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
            {truncate(`${o.label.padEnd(labelWidth)}  ${o.show(settings)}`, width)}
          </Text>
        ),
      )}
      {field ? <Text dimColor wrap="truncate">{truncate('Enter keeps the folder, Esc cancels', width)}</Text> : null}
      {configPath ? <Text dimColor wrap="truncate">{truncate(`saved in ${configPath}`, width)}</Text> : null}
    </Box>
  );
}
