import {Box, Text} from 'ink';
import {clean} from '../sanitize.js';
import {truncate, width as cells} from '../text.js';

export interface PopupProps {
  visitor: string;
  site: string;
  firstText?: string;
  more: number;
  width: number;
}

/** The chat request popup: who, on which site, what they asked; Enter accepts, Esc hides. */
export function Popup({visitor, site, firstText, more, width}: PopupProps) {
  const inner = Math.max(1, width - 2);
  // However long the name, the count of further requests stays in view.
  const count = more > 0 ? `  (+${more} more)` : '';
  const head = truncate(`Chat request: ${clean(visitor)} on ${clean(site)}`, inner - cells(count)) + count;
  return (
    <Box borderStyle="double" borderColor="yellow" flexDirection="column" width={width}>
      <Text bold color="yellow" wrap="truncate">
        {truncate(head, inner)}
      </Text>
      <Text wrap="truncate">{truncate(`"${clean(firstText)}"`, inner)}</Text>
      <Text dimColor wrap="truncate">
        {truncate('Enter: start chatting   Esc: not now', inner)}
      </Text>
    </Box>
  );
}
