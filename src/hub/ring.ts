import type {Hub} from './hub.js';
import type {OpenChat} from './model.js';

/** Rings every on-line operator of the chat's site; the others see the list change. */
export function ring(hub: Hub, open: OpenChat, except?: string): void {
  const s = hub.sessions;
  const chat = open.chat;
  const summary = summaryOf(hub, open);
  // Offered to one colleague (a transfer): they have their own popup, nobody else is rung.
  if (chat.offer) return;
  // Computed once per ring, not once per operator.
  const online = new Set(s.onlineFor(chat.site));
  for (const name of s.connectedOperators()) {
    if (name === except || !s.monitors(name, chat.site)) continue;
    s.toOperator(name, online.has(name) ? {t: 'chat.requested', chat: summary} : {t: 'chat.update', chat: summary});
  }
}

export function summaryOf(hub: Hub, open: OpenChat) {
  return hub.chats.summary(open, hub.sessions.findSite(open.chat.site)?.preview);
}

export function updated(hub: Hub, open: OpenChat): void {
  hub.sessions.toOperators({t: 'chat.update', chat: summaryOf(hub, open)}, open.chat.site);
}

