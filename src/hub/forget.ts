import {visitorLeft} from './chat-end.js';
import {CloseCode} from './conn.js';
import type {Hub} from './hub.js';

/**
 * Lets a visitor go before their records are erased: an open chat ends as if they left (its
 * operator sees it end), every socket of theirs closes, and operators see them gone. A widget
 * that reconnects starts afresh, as a visitor the hub has never seen.
 */
export async function forgetVisitor(hub: Hub, id: string): Promise<void> {
  const live = hub.sessions.visitors.get(id);
  const chatId = live?.record.chatId ?? (await hub.store.visitor(id).catch(() => undefined))?.chatId;
  if (chatId) await visitorLeft(hub, chatId);
  if (!live) return;
  hub.sessions.visitors.delete(id);
  hub.deadlines.cancel({kind: 'visitor', visitorId: id});
  for (const conn of live.conns) conn.close(CloseCode.erased, 'visitor erased');
  live.conns.clear();
  hub.sessions.toOperators({t: 'visitor.gone', visitorId: id}, live.site.domain);
}
