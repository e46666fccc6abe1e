import {Box, Text} from 'ink';
import {clean} from '../../lib/sanitize.js';
import {truncate, width as cells} from '../text.js';

export interface PopupProps {
  visitor: string;
  site: string;
  firstText?: string;
  more: number;
  /** The operator chose a row on a list since it rang: Enter acts on that row, not here. */
  listChosen?: boolean;
  width: number;
  /** A chat a colleague offers me: who, their note and the last messages (sanitised here). */
  offer?: {from: string; note?: string; recent: string[]};
}

/** Lines an offer's popup adds to a request's: the note and up to three messages. */
export function offerLines(recent: number): number {
  return 1 + Math.min(3, recent);
}

/** The chat request popup: who, on which site, what they asked; Enter accepts, Esc hides. */
export function Popup({visitor, site, firstText, more, listChosen, width, offer}: PopupProps) {
  if (offer) return <OfferPopup visitor={visitor} site={site} more={more} listChosen={listChosen} width={width} offer={offer} />;
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
        {truncate(listChosen ? `Esc: not now   (Enter: the list's row)` : 'Enter: start chatting   Esc: not now', inner)}
      </Text>
    </Box>
  );
}

/** A transfer: the colleague's note and the last messages; Enter takes the chat, Esc declines. */
function OfferPopup({visitor, site, more, listChosen, width, offer}: Omit<PopupProps, 'firstText'> & {offer: NonNullable<PopupProps['offer']>}) {
  const inner = Math.max(1, width - 2);
  const count = more > 0 ? `  (+${more} more)` : '';
  const head = truncate(`${clean(offer.from)} offers you ${clean(visitor)} on ${clean(site)}`, inner - cells(count)) + count;
  return (
    <Box borderStyle="double" borderColor="magenta" flexDirection="column" width={width}>
      <Text bold color="magenta" wrap="truncate">
        {truncate(head, inner)}
      </Text>
      <Text wrap="truncate">{truncate(`Note: ${clean(offer.note) || '(none)'}`, inner)}</Text>
      {offer.recent.slice(-3).map((line, i) => (
        <Text key={i} dimColor wrap="truncate">
          {truncate(clean(line), inner)}
        </Text>
      ))}
      <Text dimColor wrap="truncate">
        {truncate(listChosen ? `Esc: decline   (Enter: the list's row)` : 'Enter: take the chat   Esc: decline', inner)}
      </Text>
    </Box>
  );
}
