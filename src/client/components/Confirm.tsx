import {Text} from 'ink';
import {fit} from '../text.js';

export interface ConfirmProps {
  question: string;
  width: number;
}

/** A yes/no question on the key bar line: y confirms, any other key cancels. */
export function Confirm({question, width}: ConfirmProps) {
  return (
    <Text inverse color="red" wrap="truncate">
      {fit(question, width)}
    </Text>
  );
}
