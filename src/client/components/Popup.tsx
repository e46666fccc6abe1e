import {Box, Text} from 'ink';
import {clean} from '../sanitize.js';

export interface PopupProps {
  visitor: string;
  site: string;
  firstText?: string;
  more: number;
  width: number;
}

/** The chat request popup: who, on which site, what they asked; Enter accepts, Esc hides. */
export function Popup({visitor, site, firstText, more, width}: PopupProps) {
  return (
    <Box borderStyle="double" borderColor="yellow" flexDirection="column" width={width}>
      <Text bold color="yellow" wrap="truncate">
        {`Chat request: ${clean(visitor)} on ${clean(site)}${more > 0 ? `  (+${more} more)` : ''}`}
      </Text>
      <Text wrap="truncate">{`"${clean(firstText)}"`}</Text>
      <Text dimColor wrap="truncate">
        Enter: start chatting   Esc: not now
      </Text>
    </Box>
  );
}
