import {Box, Text} from 'ink';
import {historyRows, pastVisitLines} from '../people.js';
import type {State} from '../state.js';
import {fit, truncate} from '../text.js';
import {visitorLabel} from '../selectors.js';
import {ListBox} from './ListBox.js';

export interface PeopleOverlayProps {
  state: State;
  width: number;
  height: number;
}

/** Alt+V: every visit of the visitor, newest first, each with its pages; Up/Down scroll. */
export function VisitsOverlay({state, width, height}: PeopleOverlayProps) {
  if (state.overlay?.kind !== 'visits') return null;
  const {visitorId, top} = state.overlay;
  const visits = state.pastVisits[visitorId];
  const lines = pastVisitLines(visits);
  const room = Math.max(1, height - 1);
  const start = Math.max(0, Math.min(top, lines.length - room));
  const count = visits ? ` (${visits.length})` : '';
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold inverse>
        {fit(` Visits of ${visitorLabel(state, visitorId)}${count}, newest first (Up/Down scroll, Esc closes) `, width)}
      </Text>
      {lines.slice(start, start + room).map((line, i) => (
        <Text key={i} wrap="truncate" color={line.startsWith(' ') ? undefined : 'green'}>
          {truncate(line, width)}
        </Text>
      ))}
    </Box>
  );
}

/** Alt+H: the visitor's earlier chats; Enter opens the selected one read-only. */
export function HistoryOverlay({state, width, height}: PeopleOverlayProps) {
  if (state.overlay?.kind !== 'history') return null;
  const {visitorId, index} = state.overlay;
  const rows = historyRows(state, visitorId);
  const title = `Earlier chats of ${visitorLabel(state, visitorId)} (Enter opens, Esc closes)`;
  if (!rows || rows.length === 0) {
    return (
      <Box flexDirection="column" width={width} height={height}>
        <Text bold inverse>
          {fit(` ${title} `, width)}
        </Text>
        <Text>{rows ? 'no earlier chats' : 'asking the hub...'}</Text>
      </Box>
    );
  }
  return <ListBox title={title} rows={rows} selected={index} focused height={height} width={width} />;
}
