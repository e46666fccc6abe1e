import type {OperatorSummary} from '../../protocol/index.js';
import {clean} from '../../lib/sanitize.js';
import {ListBox} from './ListBox.js';

export interface OperatorListProps {
  operators: OperatorSummary[];
  selected: number;
  focused: boolean;
  height: number;
  width: number;
}

const MARK = {online: 'on-line', away: 'away', offline: 'off-line'} as const;

/** Other operators with their status; Enter on one opens a chat with them. */
export function OperatorList({operators, selected, focused, height, width}: OperatorListProps) {
  const rows = operators.map((o) => `${o.connected ? '●' : '○'} ${clean(o.displayName)} (${o.name}) ${o.connected ? MARK[o.status] : 'not connected'}`);
  const colors = operators.map((o) => (o.connected && o.status === 'online' ? 'green' : o.connected ? 'yellow' : 'gray'));
  return <ListBox title="Other Operators" rows={rows} colors={colors} selected={selected} focused={focused} height={height} width={width} />;
}
