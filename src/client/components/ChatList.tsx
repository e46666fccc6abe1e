import type {ChatSummary} from '../../protocol/index.js';
import {clean} from '../../lib/sanitize.js';
import {ago} from '../selectors.js';
import {ListBox} from './ListBox.js';

export interface ChatListProps {
  chats: ChatSummary[];
  titles: Record<string, string>;
  me: string;
  selected: number;
  focused: boolean;
  height: number;
  width: number;
  now: number;
}

/** Chatting visitors: waiting ones with how long they have waited, then owned chats with owner. */
export function ChatList({chats, titles, me, selected, focused, height, width, now}: ChatListProps) {
  const rows = chats.map((c) => {
    const who = clean(titles[c.id] ?? c.id);
    if (c.state === 'waiting' && c.offeredTo) return `OFFR ${who} → ${c.offeredTo}`;
    if (c.state === 'waiting') return `WAIT ${ago(now - c.requestedAt).padStart(4)} ${who} (${c.site})`;
    return `${c.owner === me ? 'mine' : 'with'} ${who} ${c.owner === me ? '' : `→ ${c.owner ?? '?'}`}`;
  });
  const colors = chats.map((c) => (c.state === 'waiting' && c.offeredTo ? 'magenta' : c.state === 'waiting' ? 'yellow' : c.owner === me ? 'green' : undefined));
  return <ListBox title="Chatting Visitors" rows={rows} colors={colors} selected={selected} focused={focused} height={height} width={width} />;
}
