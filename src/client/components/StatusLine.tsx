import {Text} from 'ink';
import type {OperatorSummary} from '../../protocol/index.js';
import type {State} from '../state.js';
import {truncate} from '../text.js';

export interface StatusLineProps {
  conn: State['conn'];
  me?: OperatorSummary;
  myName: string;
  hub: string;
  notice?: string;
  now: number;
  width: number;
  /** Left messages waiting for an answer. */
  messages?: number;
}

const CONN = {connected: '● connected', connecting: '◌ connecting', disconnected: '○ disconnected'} as const;
const STATUS = {online: 'on-line', away: 'away', offline: 'off-line'} as const;

/** Connection state, my status, the hub, and the latest notice. */
export function StatusLine({conn, me, myName, hub, notice, now, width, messages = 0}: StatusLineProps) {
  const retry = conn.status === 'disconnected' && conn.retryAt ? ` (retry in ${Math.max(0, Math.ceil((conn.retryAt - now) / 1000))}s)` : '';
  const error = conn.status !== 'connected' && conn.error ? ` ${conn.error}` : '';
  const status = me ? STATUS[me.status] : '?';
  const left = messages > 0 ? ` | ✉ ${messages} left (Alt+M)` : '';
  const text = `${CONN[conn.status]}${retry}${error} | ${myName} ${status}${left} | ${hub}${notice ? ` | ${notice}` : ''}`;
  const color = conn.status === 'connected' ? 'green' : conn.status === 'connecting' ? 'yellow' : 'red';
  return (
    <Text wrap="truncate" color={color}>
      {truncate(text, width)}
    </Text>
  );
}
