import type {Low} from 'lowdb';
import type {ChatEvent} from '../protocol/index.js';
import type {ChatRecord} from '../store/types.js';
import {activeBlock, addBlock} from './blocks.js';
import {HubError} from './errors.js';
import type {Hub, LiveVisitor} from './hub.js';
import {resolveLink} from './links.js';
import {randomId} from '../lib/secrets.js';

export const LEFT_TEXT = 'Visitor has left the conversation';

/** Sends an event to everyone who follows the chat live: the visitor's tabs and the owner. */
export function fanOut(hub: Hub, chat: ChatRecord, e: ChatEvent): void {
  if (chat.kind === 'op') {
    for (const member of chat.members ?? []) hub.toOperator(member, {t: 'ev', chatId: chat.id, e});
    return;
  }
  if (chat.owner) hub.toOperator(chat.owner, {t: 'ev', chatId: chat.id, e});
  if (chat.visitorId && !e.priv) hub.toVisitor(chat.visitorId, {t: 'ev', chatId: chat.id, e});
}

function ring(hub: Hub, chat: ChatRecord, except?: string): void {
  const frame = {t: 'chat.requested', chat: hub.chatSummary(chat)} as const;
  for (const name of hub.onlineFor(chat.site)) if (name !== except) hub.toOperator(name, frame);
  // Those not on-line still see the list change, without a ring.
  for (const name of hub.operatorConns.keys()) {
    if (name !== except && !hub.onlineFor(chat.site).includes(name) && hub.monitors(name, chat.site)) {
      hub.toOperator(name, {t: 'chat.update', chat: hub.chatSummary(chat)});
    }
  }
}

function updated(hub: Hub, chat: ChatRecord): void {
  hub.toOperators({t: 'chat.update', chat: hub.chatSummary(chat)}, chat.site);
}

export type RequestOutcome =
  | {t: 'queued'; chatId: string; e: ChatEvent}
  | {t: 'offline'}
  | {t: 'refused'; until: number};

export async function requestChat(
  hub: Hub,
  live: LiveVisitor,
  req: {id: string; name?: string; email?: string; text: string},
): Promise<RequestOutcome> {
  const visitor = live.doc.data;
  const block = activeBlock(hub, live.site.domain, visitor.id, live.ip);
  if (block) return {t: 'refused', until: block.until};
  if (req.name) visitor.name = req.name;
  if (req.email) visitor.email = req.email;
  let asked = visitor.chatId;
  let open = asked ? await hub.chat(asked) : undefined;
  // Another tab's request may have opened a chat while this one was loading the old one.
  while (visitor.chatId !== asked) {
    asked = visitor.chatId;
    open = asked ? await hub.chat(asked) : undefined;
  }
  if (open && open.data.state !== 'ended') {
    // Asking again while a chat is open continues it rather than opening a second one.
    const e = await visitorMessage(hub, open, visitor.name, req.id, req.text);
    return {t: 'queued', chatId: open.data.id, e};
  }
  if (hub.onlineFor(live.site.domain).length === 0) return {t: 'offline'};
  const db = hub.store.newChat({
    id: randomId(),
    kind: 'visitor',
    site: live.site.domain,
    visitorId: visitor.id,
    visitId: visitor.visits.at(-1)?.id,
    visitorName: visitor.name,
    visitorEmail: visitor.email,
    state: 'waiting',
    operators: [],
    requestedAt: hub.now(),
    events: [],
    ids: {},
  });
  hub.chats.set(db.data.id, db);
  visitor.chatId = db.data.id;
  visitor.chats.push(db.data.id);
  const saved = hub.store.save(live.doc);
  const e = await hub.append(db, {kind: 'msg', from: 'visitor', name: visitor.name ?? 'Visitor', text: req.text, id: req.id});
  await saved;
  fanOut(hub, db.data, e);
  ring(hub, db.data);
  return {t: 'queued', chatId: db.data.id, e};
}

/** Stores a visitor's message once (a resent id gets the seq it already has) and fans it out. */
export async function visitorMessage(
  hub: Hub,
  db: Low<ChatRecord>,
  name: string | undefined,
  id: string,
  text: string,
): Promise<ChatEvent> {
  const seen = db.data.ids[id];
  if (seen !== undefined) {
    await hub.store.flush();
    return db.data.events.find((e) => e.seq === seen)!;
  }
  if (db.data.state === 'ended') throw new HubError('chat_ended', 'this chat has ended');
  const e = await hub.append(db, {kind: 'msg', from: 'visitor', name: name ?? 'Visitor', text, id});
  fanOut(hub, db.data, e);
  return e;
}

async function owned(hub: Hub, operator: string, chatId: string): Promise<Low<ChatRecord>> {
  const db = await hub.chat(chatId);
  if (!db || db.data.kind !== 'visitor' || !hub.monitors(operator, db.data.site)) {
    throw new HubError('unknown_chat', `no chat ${chatId}`);
  }
  if (db.data.state === 'ended') throw new HubError('chat_ended', 'this chat has ended');
  if (db.data.owner !== operator) throw new HubError('not_owner', 'you are not in this chat');
  return db;
}

export async function acceptChat(hub: Hub, operator: string, chatId: string): Promise<void> {
  const db = await hub.chat(chatId);
  if (!db || db.data.kind !== 'visitor' || !hub.monitors(operator, db.data.site)) {
    throw new HubError('unknown_chat', `no chat ${chatId}`);
  }
  const chat = db.data;
  if (chat.state === 'ended') throw new HubError('chat_ended', 'this chat has ended');
  if (chat.state === 'active') {
    // Tell the loser who won, so its popup closes, then refuse.
    if (chat.owner !== operator) hub.toOperator(operator, {t: 'chat.assigned', chatId, operator: chat.owner!});
    throw new HubError('taken', chat.owner === operator ? 'you already have this chat' : `${chat.owner} took this chat`);
  }
  // Claimed synchronously, before any await: the first accept processed wins.
  chat.state = 'active';
  chat.owner = operator;
  if (!chat.operators.includes(operator)) chat.operators.push(operator);
  const display = hub.operators.get(operator)?.displayName ?? operator;
  const e = await hub.append(db, {kind: 'join', from: 'operator', name: display, text: `${display} joined the chat`});
  hub.toOperators({t: 'chat.assigned', chatId, operator}, chat.site);
  updated(hub, chat);
  // The new owner gets the whole history; the visitor only the join.
  for (const old of chat.events) if (old.seq < e.seq) hub.toOperator(operator, {t: 'ev', chatId, e: old});
  fanOut(hub, chat, e);
}

export async function operatorMessage(
  hub: Hub,
  operator: string,
  chatId: string,
  id: string,
  text: string,
): Promise<ChatEvent> {
  const db = await hub.chat(chatId);
  const seen = db?.data.ids[id];
  if (db && seen !== undefined && (db.data.owner === operator || db.data.members?.includes(operator))) {
    await hub.store.flush();
    return db.data.events.find((e) => e.seq === seen)!;
  }
  // Operator-to-operator chats are written to by their two members; visitor chats by the owner.
  const target = db?.data.kind === 'op' && db.data.members?.includes(operator) ? db : await owned(hub, operator, chatId);
  const display = hub.operators.get(operator)?.displayName ?? operator;
  const e = await hub.append(target, {kind: 'msg', from: 'operator', name: display, text, id});
  fanOut(hub, target.data, e);
  return e;
}

/** The owner steps out: the chat waits again and every other on-line operator is rung. */
export async function leaveChat(hub: Hub, operator: string, chatId: string, why = 'left the chat'): Promise<void> {
  const db = await owned(hub, operator, chatId);
  const chat = db.data;
  chat.state = 'waiting';
  chat.owner = undefined;
  const display = hub.operators.get(operator)?.displayName ?? operator;
  const e = await hub.append(db, {kind: 'leave', from: 'system', name: display, text: `${display} ${why}`, priv: true});
  hub.toOperator(operator, {t: 'ev', chatId, e});
  ring(hub, chat, operator);
  hub.toOperator(operator, {t: 'chat.update', chat: hub.chatSummary(chat)});
}

export async function endChat(hub: Hub, operator: string, chatId: string): Promise<void> {
  const db = await owned(hub, operator, chatId);
  const display = hub.operators.get(operator)?.displayName ?? operator;
  await close(hub, db, {kind: 'end', from: 'system', name: display, text: 'The operator has ended the chat'}, 'ended');
}

export async function blockChat(hub: Hub, operator: string, chatId: string): Promise<number> {
  const db = await owned(hub, operator, chatId);
  const chat = db.data;
  const live = hub.visitors.get(chat.visitorId!);
  const until = await addBlock(hub, {site: chat.site, visitorId: chat.visitorId!, ip: live?.ip ?? '', by: operator, chatId});
  await close(hub, db, {kind: 'block', from: 'system', name: operator, text: 'The chat has been closed'}, 'blocked', until);
  return until;
}

/** The visitor closed the chat, or stayed away longer than the grace period. */
export async function visitorLeft(hub: Hub, chatId: string): Promise<void> {
  const db = await hub.chat(chatId);
  if (!db || db.data.state === 'ended') return;
  await close(hub, db, {kind: 'left', from: 'system', name: 'system', text: LEFT_TEXT}, 'left');
}

async function close(
  hub: Hub,
  db: Low<ChatRecord>,
  event: Omit<ChatEvent, 'seq' | 'at'>,
  reason: 'ended' | 'blocked' | 'left',
  until?: number,
): Promise<void> {
  const chat = db.data;
  chat.state = 'ended';
  chat.endedAt = hub.now();
  const e = await hub.append(db, event);
  fanOut(hub, chat, e);
  updated(hub, chat);
  if (chat.visitorId) {
    hub.toVisitor(chat.visitorId, {t: 'chat.closed', chatId: chat.id, reason, until});
    const visitor = hub.visitors.get(chat.visitorId)?.doc ?? (await hub.store.visitor(chat.visitorId));
    if (visitor && visitor.data.chatId === chat.id) {
      visitor.data.chatId = undefined;
      await hub.store.save(visitor);
    }
  }
  hub.chats.delete(chat.id);
  hub.store.release(db);
}

export async function sendLink(hub: Hub, operator: string, chatId: string, id: string, input: string): Promise<ChatEvent> {
  const db = await owned(hub, operator, chatId);
  const seen = db.data.ids[id];
  if (seen !== undefined) {
    // A resend after a lost ack: acknowledge it again, do not push the page a second time.
    await hub.store.flush();
    return db.data.events.find((e) => e.seq === seen)!;
  }
  const site = hub.findSite(db.data.site);
  let url: string;
  try {
    url = resolveLink(input, site?.url ?? `https://${db.data.site}/`);
  } catch (error) {
    throw new HubError('bad_link', (error as Error).message);
  }
  const display = hub.operators.get(operator)?.displayName ?? operator;
  const e = await hub.append(db, {kind: 'link', from: 'operator', name: display, text: url, url, id});
  fanOut(hub, db.data, e);
  if (db.data.visitorId) hub.toVisitor(db.data.visitorId, {t: 'link.open', url});
  return e;
}

/**
 * An operator has no socket: unless one comes back within the grace period, its chats go back
 * to waiting and the others are rung (a crashed client never strands a visitor).
 */
export function scheduleRelease(hub: Hub, operator: string): void {
  if (hub.stopped) return;
  clearTimeout(hub.operatorGoneTimers.get(operator));
  hub.operatorGoneTimers.set(
    operator,
    setTimeout(() => {
      hub.operatorGoneTimers.delete(operator);
      if (hub.isConnected(operator)) return;
      releaseOperator(hub, operator).catch((error: unknown) => hub.log(`release ${operator}: ${String(error)}`));
    }, hub.operatorGraceMs),
  );
}

/**
 * After a restart nobody is connected yet. Owners and visitors of open chats get the same grace
 * period as after a dropped socket; whoever does not come back is treated as gone.
 */
export function armAfterRestart(hub: Hub): void {
  const owners = new Set<string>();
  for (const db of hub.chats.values()) {
    const chat = db.data;
    if (chat.kind !== 'visitor' || chat.state === 'ended') continue;
    if (chat.owner) owners.add(chat.owner);
    const visitorId = chat.visitorId;
    if (!visitorId) continue;
    const timer = setTimeout(() => {
      hub.timers.delete(timer);
      // A visitor who came back at all is looked after by its own socket's timers.
      if (hub.visitors.has(visitorId)) return;
      visitorLeft(hub, chat.id).catch((error: unknown) => hub.log(`visitor left: ${String(error)}`));
    }, hub.visitorGraceMs);
    hub.timers.add(timer);
  }
  for (const owner of owners) scheduleRelease(hub, owner);
}

/** An operator's sockets have all been gone past the grace period: free its visitors. */
export async function releaseOperator(hub: Hub, operator: string): Promise<void> {
  for (const db of [...hub.chats.values()]) {
    if (db.data.kind === 'visitor' && db.data.owner === operator && db.data.state === 'active') {
      await leaveChat(hub, operator, db.data.id, 'lost connection');
    }
  }
}
