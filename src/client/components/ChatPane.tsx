import {Box, Text} from 'ink';
import {paneLines, type Line} from '../format.js';
import {line as draftLine, visible} from '../line-edit.js';
import {clean} from '../../lib/sanitize.js';
import {truncate} from '../text.js';
import type {Visit, VisitorSummary} from '../../protocol/index.js';
import type {Pane} from '../state.js';
import {visitDetails, visitSummary} from '../visit-lines.js';

export interface ChatPaneProps {
  pane: Pane;
  title: string;
  me: string;
  width: number;
  height: number;
  focused: boolean;
  sneakPreview: boolean;
  /** The visitor of a visitor chat, while the hub knows it is on the site. */
  visitor?: VisitorSummary;
  visit?: Visit;
}

const COLOR: Record<Line['tone'], string | undefined> = {
  visitor: 'cyan',
  me: undefined,
  operator: 'magenta',
  system: 'yellow',
  pending: 'gray',
};

/** A chat's history (wrapped, scrolled with PgUp/PgDn), typing indicator and input line. */
export function ChatPane({pane, title, me, width, height, focused, sneakPreview, visitor, visit}: ChatPaneProps) {
  const lines = paneLines(pane, Math.max(10, width), me);
  // The visit is shown automatically as one line; Alt+D opens it in full over half the pane.
  const about = visitor ? (pane.showDetails ? visitDetails(visitor, visit, Math.max(4, Math.floor(height / 2))) : [visitSummary(visitor)]) : [];
  const room = Math.max(1, height - 2 - about.length);
  const scroll = Math.min(pane.scroll, Math.max(0, lines.length - room));
  const end = lines.length - scroll;
  const shown = lines.slice(Math.max(0, end - room), end);
  let typing = '';
  if (pane.typing) {
    const preview = sneakPreview && pane.typing.preview ? `: ${clean(pane.typing.preview)}` : '';
    typing = `${clean(title)} is typing${preview}`;
  } else if (scroll > 0) typing = `-- scrolled up ${scroll} lines (PgDn) --`;
  // The line scrolls sideways so the cursor stays in view however long the message gets.
  const field = visible(draftLine(pane.draft, pane.cursor), width - 3);
  return (
    <Box flexDirection="column" width={width} height={height}>
      {about.map((text, i) => (
        <Text key={`about-${i}`} dimColor={!pane.showDetails} color={pane.showDetails ? 'green' : undefined} wrap="truncate">
          {truncate(text, width)}
        </Text>
      ))}
      <Box flexDirection="column" height={room}>
        {shown.map((line, i) => (
          <Text key={i} wrap="truncate" color={COLOR[line.tone]}>
            {truncate(line.text, width)}
          </Text>
        ))}
      </Box>
      <Text dimColor wrap="truncate">
        {truncate(typing, width) || ' '}
      </Text>
      {pane.closed ? (
        <Text wrap="truncate" color="gray">{truncate(`[${clean(pane.closed)}]`, width)}</Text>
      ) : (
        <Text wrap="truncate" bold={focused}>
          {'> '}
          {field.before}
          {/* At the end of the line a block shows the cursor even without colours. */}
          {focused ? field.after === '' && field.at === ' ' ? '█' : <Text inverse>{field.at}</Text> : field.at}
          {field.after}
        </Text>
      )}
    </Box>
  );
}
