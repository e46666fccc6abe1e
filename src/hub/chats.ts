import type {ChatEvent} from '../protocol/index.js';
import type {ChatRecord} from '../store/types.js';
import {spendIdentify} from './abuse.js';
import {activeBlock} from './blocks.js';
import {HubError} from './errors.js';
import type {Hub} from './hub.js';
import {answerInvite} from './invite.js';
import {newVisitorChat} from './new-chat.js';
import {ring, updated} from './ring.js';
import {takeNames} from './visitor-names.js';
import {resolveLink} from './links.js';
import type {OpenChat} from './model.js';
import type {LiveVisitor} from './sessions.js';

export type RequestOutcome =
  | {t: 'queued'; chatId: string; e: ChatEvent}
  | {t: 'offline'}
  | {t: 'refused'; until: number};

export async function requestChat(
  hub: Hub,
  live: LiveVisitor,
  req: {id: string; name?: string; email?: string; text: string},
): Promise<RequestOutcome> {
  const visitor = live.record;
  const block = activeBlock(hub, live.site.domain, visitor.id, live.ip);
  if (block) return {t: 'refused', until: block.until};
  // Stored whatever comes of the request (nobody on-line, a chat open already), not only with a
  // new chat; within the visitor's budget for changes of name, as `identify` is. Past it the
  // request still goes through, under the name the visitor had: a refused request would lose
  // what the visitor wrote.
  await takeNames(hub, live, req, () => spendIdentify(hub, visitor.id)).catch((error: unknown) => {
    if (!(error instanceof HubError && error.code === 'slow_down')) throw error;
  });
  let asked = visitor.chatId;
  let open = asked ? await hub.chats.get(asked) : undefined;
  // Another tab's request may have opened a chat while this one was loading the old one.
  while (visitor.chatId !== asked) {
    asked = visitor.chatId;
    open = asked ? await hub.chats.get(asked) : undefined;
  }
  if (open && open.chat.state !== 'ended') {
    // Asking again while a chat is open continues it rather than opening a second one.
    const e = await visitorMessage(hub, open, visitor.name, req.id, req.text);
    return {t: 'queued', chatId: open.chat.id, e};
  }
  const invited = live.invite && (await answerInvite(hub, live, req));
  if (invited) return {t: 'queued', ...invited};
  if (!hub.sessions.anyOnlineFor(live.site.domain)) return {t: 'offline'};
  const chat = newVisitorChat(hub, live, req.text);
  visitor.chatId = chat.id;
  visitor.chats.push(chat.id);
  try {
    const saved = hub.store.putVisitor(visitor);
    const first = {kind: 'msg', from: 'visitor', name: visitor.name ?? 'Visitor', text: req.text, id: req.id} as const;
    const created = hub.chats.create(chat, first, {type: 'chat.requested'});
    await saved.catch(() => {});
    const {open: fresh, e} = await created;
    hub.sessions.fanOut(chat, e);
    ring(hub, fresh);
    return {t: 'queued', chatId: chat.id, e};
  } catch (error) {
    if (visitor.chatId === chat.id) visitor.chatId = undefined;
    visitor.chats = visitor.chats.filter((id) => id !== chat.id);
    throw error;
  }
}

/** Stores a visitor's message once (a resent id gets the seq it already has) and fans it out. */
export async function visitorMessage(
  hub: Hub,
  open: OpenChat,
  name: string | undefined,
  id: string,
  text: string,
  queued: () => void = () => {},
): Promise<ChatEvent> {
  if (open.chat.state === 'ended') {
    const resent = await hub.chats.resent(open.chat.id, id);
    if (resent) return resent;
    throw new HubError('chat_ended', 'this chat has ended');
  }
  const stored = hub.chats.appendOnce(open, {kind: 'msg', from: 'visitor', name: name ?? 'Visitor', text, id}, {type: 'chat.message'});
  // Numbered now (the store does that as it is asked): the sender's next frame may go ahead.
  queued();
  // A resend too (see appendOnce).
  const {e} = await stored;
  hub.sessions.fanOut(open.chat, e);
  return e;
}

/** A visitor chat on a site this operator monitors, or `unknown_chat`. */
export async function visible(hub: Hub, operator: string, chatId: string): Promise<OpenChat> {
  const open = await hub.chats.get(chatId);
  if (!open || open.chat.kind !== 'visitor' || !hub.sessions.monitors(operator, open.chat.site)) {
    throw new HubError('unknown_chat', `no chat ${chatId}`);
  }
  return open;
}

export async function owned(hub: Hub, operator: string, chatId: string): Promise<OpenChat> {
  const open = await visible(hub, operator, chatId);
  mustOwn(open.chat, operator);
  return open;
}

/** Refuses unless the chat is going on with `operator` as its owner. */
export function mustOwn(chat: ChatRecord, operator: string): void {
  notEnded(chat);
  if (chat.owner !== operator) throw new HubError('not_owner', 'you are not in this chat');
}

/** Refuses a chat that has ended. */
export function notEnded(chat: ChatRecord): void {
  if (chat.state === 'ended') throw new HubError('chat_ended', 'this chat has ended');
}

export async function acceptChat(hub: Hub, operator: string, chatId: string): Promise<void> {
  const open = await visible(hub, operator, chatId);
  const chat = open.chat;
  notEnded(chat);
  if (chat.state === 'active') {
    // Tell the loser who won, so its popup closes, then refuse.
    if (chat.owner !== operator) hub.sessions.toOperator(operator, {t: 'chat.assigned', chatId, operator: chat.owner!});
    throw new HubError('taken', chat.owner === operator ? 'you already have this chat' : `${chat.owner} took this chat`);
  }
  const offer = chat.offer;
  if (offer && offer.to !== operator) throw new HubError('taken', `this chat is offered to ${hub.sessions.displayName(offer.to)}`);
  const display = hub.sessions.displayName(operator);
  // Claimed synchronously inside `change`, before any await: the first accept processed wins
  // (with hubs sharing a store, the store's conditional write decides).
  const e = await hub.chats.claim(
    open,
    operator,
    (c) => {
      c.state = 'active';
      c.owner = operator;
      c.offer = undefined;
      if (!c.operators.includes(operator)) c.operators.push(operator);
    },
    {kind: 'join', from: 'operator', name: display, text: `${display} joined the chat`},
    {type: 'chat.accepted', operator},
  );
  if (!e) {
    if (chat.owner) hub.sessions.toOperator(operator, {t: 'chat.assigned', chatId, operator: chat.owner});
    throw new HubError('taken', chat.owner ? `${chat.owner} took this chat` : 'this chat was taken');
  }
  if (offer) {
    hub.deadlines.cancel({kind: 'offer', chatId});
    hub.sessions.toOperator(offer.from, {t: 'transfer.result', chatId, to: operator, outcome: 'accepted'});
  }
  hub.sessions.toOperators({t: 'chat.assigned', chatId, operator}, chat.site);
  updated(hub, open);
  // The new owner gets the whole history (its client puts it in order); the visitor only the join.
  for (const old of await hub.chats.events(chatId)) if (old.seq < e.seq) hub.sessions.toOperator(operator, {t: 'ev', chatId, e: old});
  hub.sessions.fanOut(chat, e);
}

export async function operatorMessage(
  hub: Hub,
  operator: string,
  chatId: string,
  id: string,
  text: string,
  queued: () => void = () => {},
): Promise<ChatEvent> {
  const open = await hub.chats.get(chatId);
  // Operator-to-operator chats are written to by their two members; visitor chats by the owner.
  const member = open?.chat.kind === 'op' && open.chat.members?.includes(operator);
  const target = member ? open : await ownedOrResent(hub, operator, chatId, id);
  if ('seq' in target) return target;
  const message = {kind: 'msg', from: 'operator', name: hub.sessions.displayName(operator), text, id} as const;
  const stored = hub.chats.appendOnce(target, message, {type: 'chat.message', operator});
  queued();
  // A resend too (see appendOnce).
  const {e} = await stored;
  hub.sessions.fanOut(target.chat, e);
  return e;
}

/** The chat this operator owns, or, for a resend of something already stored, that event. */
async function ownedOrResent(hub: Hub, operator: string, chatId: string, id: string): Promise<OpenChat | ChatEvent> {
  try {
    return await owned(hub, operator, chatId);
  } catch (error) {
    // A resend after a lost ack, arriving once the chat moved on (left, ended): ack it again.
    const open = error instanceof HubError && error.code !== 'unknown_chat' ? await hub.chats.get(chatId) : undefined;
    const resent = open?.chat.operators.includes(operator) ? await hub.chats.resent(chatId, id) : undefined;
    if (resent) return resent;
    throw error;
  }
}

export async function sendLink(hub: Hub, operator: string, chatId: string, id: string, input: string): Promise<ChatEvent> {
  const open = await ownedOrResent(hub, operator, chatId, id);
  if ('seq' in open) return open;
  const site = hub.sessions.findSite(open.chat.site);
  let url: string;
  try {
    url = resolveLink(input, site?.url ?? `https://${open.chat.site}/`);
  } catch (error) {
    throw new HubError('bad_link', (error as Error).message);
  }
  const display = hub.sessions.displayName(operator);
  const {e, duplicate} = await hub.chats.appendOnce(open, {kind: 'link', from: 'operator', name: display, text: url, url, id}, {type: 'link.sent', operator});
  // A resend too (see appendOnce); but after a lost ack the page is not pushed a second time.
  hub.sessions.fanOut(open.chat, e);
  if (duplicate) return e;
  if (open.chat.visitorId) hub.sessions.toVisitor(open.chat.visitorId, {t: 'link.open', url});
  return e;
}
