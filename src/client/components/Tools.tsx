import {Box, Text} from 'ink';
import type {Canned, OfflineMessage} from '../../protocol/index.js';
import {clock, windowStart} from '../format.js';
import {visible, type Line} from '../line-edit.js';
import {clean} from '../../lib/sanitize.js';
import {fit, truncate, width as cells} from '../text.js';

/*
 * The canned responses menu, the left messages inbox and the typed question on the key bar row.
 */

export interface CannedMenuProps {
  rows: Canned[];
  filter: Line;
  index: number;
  me: string;
  width: number;
  height: number;
}

/** Filter as you type; row 0 adds the message line as a response. */
export function CannedMenu({rows, filter, index, me, width, height}: CannedMenuProps) {
  const field = visible(filter, width - 10);
  const items = ['+ Add current text as a response', ...rows.map((c) => `#${clean(c.shortcut)}${c.owner === me ? ' (mine)' : ''}  ${clean(c.text)}`)];
  const room = Math.max(1, height - 3);
  const start = windowStart(index, room, items.length);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold inverse>
        {fit(' Canned responses (Enter puts on the line, Esc closes) ', width)}
      </Text>
      <Text wrap="truncate">
        {'Filter: '}
        {field.before}
        <Text inverse>{field.at}</Text>
        {field.after}
      </Text>
      {items.slice(start, start + room).map((text, i) => (
        <Text key={start + i} inverse={start + i === index} dimColor={start + i === 0 && index !== 0} wrap="truncate">
          {truncate(text, width)}
        </Text>
      ))}
      {rows.length === 0 ? <Text dimColor wrap="truncate">{truncate('no response matches', width)}</Text> : null}
    </Box>
  );
}

export interface InboxProps {
  messages: OfflineMessage[];
  index: number;
  width: number;
  height: number;
}

/** Messages left while nobody was on-line; Enter replies by e-mail draft, d marks done. */
export function Inbox({messages, index, width, height}: InboxProps) {
  const room = Math.max(1, Math.floor((height - 2) / 2));
  const start = windowStart(index, room, messages.length);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold inverse>
        {fit(` Left messages: ${messages.length} (Enter replies, d done, Esc closes) `, width)}
      </Text>
      {messages.length === 0 ? <Text dimColor>No messages left.</Text> : null}
      {messages.slice(start, start + room).map((m, i) => (
        <Box key={m.id} flexDirection="column">
          <Text inverse={start + i === index} wrap="truncate">
            {truncate(`${clock(m.at)} ${clean(m.name) || 'visitor'}${m.email ? ` <${clean(m.email)}>` : ''} on ${clean(m.site)}`, width)}
          </Text>
          <Text dimColor wrap="truncate">
            {truncate(`  ${clean(m.text)}`, width)}
          </Text>
        </Box>
      ))}
    </Box>
  );
}

export interface AskProps {
  question: string;
  line: Line;
  width: number;
}

/** A question answered on the key bar row: Enter answers, Esc cancels. */
export function Ask({question, line, width}: AskProps) {
  const prompt = truncate(question, Math.max(10, Math.floor(width / 2)));
  const field = visible(line, Math.max(4, width - cells(prompt) - 2));
  return (
    <Text wrap="truncate" color="yellow">
      <Text inverse>{prompt}</Text>
      {' '}
      {field.before}
      <Text inverse>{field.at}</Text>
      {field.after}
    </Text>
  );
}
