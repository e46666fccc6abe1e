import {Box, Text} from 'ink';
import type {Canned} from '../../protocol/index.js';
import {windowStart} from '../format.js';
import {clean} from '../../lib/sanitize.js';
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
  /** Canned responses, listed after the settings (Enter edits, d removes). */
  canned?: Canned[];
  height?: number;
}

/** The settings, one per line; Up/Down choose, Enter or Space changes, Esc closes. */
export function OptionsScreen({settings, index, editing, width, configPath, canned = [], height = 21}: OptionsScreenProps) {
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
      <Text bold wrap="truncate">
        {truncate('Canned responses (Enter edits, d removes)', width)}
      </Text>
      {cannedLines(canned, index - OPTIONS.length, width, Math.max(2, height - OPTIONS.length - 5))}
      {field ? <Text dimColor wrap="truncate">{truncate('Enter keeps the folder, Esc cancels', width)}</Text> : null}
      {configPath ? <Text dimColor wrap="truncate">{truncate(`saved in ${configPath}`, width)}</Text> : null}
    </Box>
  );
}

function cannedLines(canned: Canned[], selected: number, width: number, room: number) {
  const items = [...canned.map((c) => `#${clean(c.shortcut)}${c.owner ? ' (mine)' : ''}  ${clean(c.text)}`), '+ Add a response'];
  const start = windowStart(selected, room, items.length);
  return items.slice(start, start + room).map((text, i) => (
    <Text key={`canned-${start + i}`} inverse={start + i === selected} wrap="truncate">
      {truncate(text, width)}
    </Text>
  ));
}
