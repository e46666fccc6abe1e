import type {ChatEvent} from '../protocol/index.js';
import {newVisitorChat} from './new-chat.js';
import {summaryOf} from './ring.js';
import {HubError} from './errors.js';
import type {Hub} from './hub.js';
import type {LiveVisitor} from './sessions.js';

export const DEFAULT_GREETING = 'Hello! Can I help you with anything?';

/**
 * Opens a browsing visitor's widget with an operator's greeting. Only a visitor on-line now, on a
 * site the operator monitors, not chatting, and not invited before in this visit.
 */
export async function inviteVisitor(hub: Hub, me: string, visitorId: string, text?: string): Promise<void> {
  const s = hub.sessions;
  const live = s.visitors.get(visitorId);
  if (!live || !s.monitors(me, live.site.domain)) throw new HubError('unknown_visitor', `no visitor ${visitorId}`);
  if (live.conns.size === 0) throw new HubError('not_possible', 'the visitor has left the site');
  if (live.record.chatId) throw new HubError('not_possible', 'the visitor is chatting already');
  const visit = live.visit?.start.id ?? '';
  if (live.invitedVisit === visit) throw new HubError('not_possible', 'the visitor was invited once in this visit already');
  const greeting = text?.trim() || live.site.greeting || DEFAULT_GREETING;
  // Claimed before the wait for the disk, so a second invitation meanwhile is refused.
  const before = {invite: live.invite, invitedVisit: live.invitedVisit};
  live.invite = {by: me, text: greeting};
  live.invitedVisit = visit;
  try {
    await hub.record({type: 'invitation.sent', at: hub.now(), site: live.site.domain, visitorId, operator: me, text: greeting});
  } catch (error) {
    Object.assign(live, before);
    throw error;
  }
  s.toVisitor(visitorId, {t: 'invite', name: s.displayName(me), text: greeting});
}

/** The visitor closed the invitation: the operator is told. */
export function dismissInvite(hub: Hub, live: LiveVisitor): void {
  const invite = live.invite;
  if (!invite) return;
  live.invite = undefined;
  const visitorId = live.record.id;
  hub.note({type: 'invitation.answered', at: hub.now(), site: live.site.domain, visitorId, operator: invite.by, outcome: 'dismissed'});
  hub.sessions.toOperator(invite.by, {t: 'invite.result', visitorId, outcome: 'dismissed'});
}

/**
 * The visitor answered an invitation: the chat starts owned by the operator who invited, with
 * the greeting in it, and nobody else is rung. Undefined when that operator has gone meanwhile
 * (the request then rings everyone as usual).
 */
export async function answerInvite(
  hub: Hub,
  live: LiveVisitor,
  req: {id: string; text: string},
): Promise<{chatId: string; e: ChatEvent} | undefined> {
  const invite = live.invite;
  live.invite = undefined;
  const s = hub.sessions;
  if (!invite || !s.isConnected(invite.by)) return undefined;
  const visitor = live.record;
  const by = invite.by;
  const display = s.displayName(by);
  const chat = newVisitorChat(hub, live, req.text, by);
  visitor.chatId = chat.id;
  visitor.chats.push(chat.id);
  try {
    const saved = hub.store.putVisitor(visitor);
    const {open, e: join} = await hub.chats.create(
      chat,
      {kind: 'join', from: 'operator', name: display, text: `${display} joined the chat`},
      {type: 'invitation.answered', operator: by, outcome: 'accepted'},
    );
    const greeting = await hub.chats.append(open, {kind: 'msg', from: 'operator', name: display, text: invite.text}, {type: 'chat.message', operator: by});
    const e = await hub.chats.append(
      open,
      {kind: 'msg', from: 'visitor', name: visitor.name ?? 'Visitor', text: req.text, id: req.id},
      {type: 'chat.message'},
    );
    await saved;
    s.toOperators({t: 'chat.update', chat: summaryOf(hub, open)}, chat.site);
    s.toOperators({t: 'chat.assigned', chatId: chat.id, operator: by}, chat.site);
    for (const event of [join, greeting, e]) s.fanOut(chat, event);
    s.toOperator(by, {t: 'invite.result', visitorId: visitor.id, outcome: 'accepted'});
    return {chatId: chat.id, e};
  } catch (error) {
    if (visitor.chatId === chat.id) visitor.chatId = undefined;
    visitor.chats = visitor.chats.filter((id) => id !== chat.id);
    throw error;
  }
}
