import type {NewEvent} from '../store/types.js';
import {HubError} from './errors.js';
import {addBlock} from './blocks.js';
import {mustOwn, notEnded, owned} from './chats.js';
import {ring, summaryOf, updated} from './ring.js';
import {armOffer} from './transfer.js';
import type {Hub} from './hub.js';
import type {OpenChat} from './model.js';

export const LEFT_TEXT = 'Visitor has left the conversation';

/**
 * Blocks waiting for the disk, by chat. A block is stored before its chat is closed; whatever
 * would end the chat or pass it on meanwhile (an end, another block, the visitor leaving) waits
 * for it and then finds the chat ended, so a chat is never ended twice nor a visitor blocked
 * twice for one chat.
 */
const blocking = new WeakMap<OpenChat, Promise<unknown>>();

/** Waits for a block of this chat that is being stored, if any (its failure is its sender's). */
export async function afterBlock(hub: Hub, chatId: string): Promise<void> {
  const open = hub.chats.open.get(chatId);
  const pending = open && blocking.get(open);
  if (pending) await pending.catch(() => {});
}

/** The owner steps out: the chat waits again and every other on-line operator is rung. */
export async function leaveChat(hub: Hub, operator: string, chatId: string, why = 'left the chat'): Promise<void> {
  await afterBlock(hub, chatId);
  const open = await owned(hub, operator, chatId);
  const display = hub.sessions.displayName(operator);
  const e = await hub.chats.change(
    open,
    (c) => {
      c.state = 'waiting';
      c.owner = undefined;
    },
    {kind: 'leave', from: 'system', name: display, text: `${display} ${why}`, priv: true},
    {type: 'chat.left', operator},
    (c) => mustOwn(c, operator),
  );
  hub.sessions.toOperator(operator, {t: 'ev', chatId, e});
  ring(hub, open, operator);
  hub.sessions.toOperator(operator, {t: 'chat.update', chat: summaryOf(hub, open)});
}

export async function endChat(hub: Hub, operator: string, chatId: string): Promise<void> {
  await afterBlock(hub, chatId);
  const open = await owned(hub, operator, chatId);
  const display = hub.sessions.displayName(operator);
  await close(hub, open, {kind: 'end', from: 'system', name: display, text: 'The operator has ended the chat'}, 'ended', operator);
}

export async function blockChat(hub: Hub, operator: string, chatId: string): Promise<number> {
  await afterBlock(hub, chatId);
  const open = await owned(hub, operator, chatId);
  // Another block began while this one looked the chat up: that one closes it.
  if (blocking.has(open)) throw new HubError('chat_ended', 'this chat is being closed');
  const chat = open.chat;
  const live = hub.sessions.visitors.get(chat.visitorId!);
  const done = (async () => {
    const until = await addBlock(hub, {site: chat.site, visitorId: chat.visitorId!, ip: live?.ip ?? '', by: operator, chatId});
    // `close` checks the chat again once the block is stored (refusing with chat_ended).
    await close(hub, open, {kind: 'block', from: 'system', name: operator, text: 'The chat has been closed'}, 'blocked', operator, until);
    return until;
  })();
  blocking.set(open, done);
  try {
    return await done;
  } finally {
    blocking.delete(open);
  }
}

/** The visitor closed the chat, or stayed away longer than the grace period. */
export async function visitorLeft(hub: Hub, chatId: string): Promise<void> {
  await afterBlock(hub, chatId);
  const open = hub.chats.open.get(chatId);
  if (!open || open.chat.state === 'ended') return;
  try {
    await close(hub, open, {kind: 'left', from: 'system', name: 'system', text: LEFT_TEXT}, 'left');
  } catch (error) {
    // Ended on another hub a moment before: nothing is left to do.
    if (!(error instanceof HubError && error.code === 'chat_ended')) throw error;
  }
}

async function close(
  hub: Hub,
  open: OpenChat,
  event: Omit<NewEvent, 'at'>,
  reason: 'ended' | 'blocked' | 'left',
  operator?: string,
  until?: number,
): Promise<void> {
  const chat = open.chat;
  const e = await hub.chats.change(
    open,
    (c) => {
      c.state = 'ended';
      c.endedAt = hub.now();
    },
    event,
    {type: 'chat.ended', reason, operator},
    (c) => (operator ? mustOwn(c, operator) : notEnded(c)),
  );
  hub.chats.retire(chat.id);
  hub.sessions.fanOut(chat, e);
  updated(hub, open);
  if (!chat.visitorId) return;
  hub.sessions.toVisitor(chat.visitorId, {t: 'chat.closed', chatId: chat.id, reason, until});
  const visitor = hub.sessions.visitors.get(chat.visitorId)?.record ?? (await hub.store.visitor(chat.visitorId).catch(() => undefined));
  if (visitor && visitor.chatId === chat.id) {
    visitor.chatId = undefined;
    await hub.store.putVisitor(visitor);
  }
}

/**
 * An operator has no socket: unless one comes back within the grace period, its chats go back
 * to waiting and the others are rung (a crashed client never strands a visitor).
 */
export function scheduleRelease(hub: Hub, operator: string): void {
  if (hub.stopped) return;
  hub.deadlines.set({kind: 'operator', operator}, hub.now() + hub.operatorGraceMs);
}

/**
 * After a restart nobody is connected yet. Owners and visitors of open chats get the same grace
 * period as after a dropped socket; whoever does not come back is treated as gone.
 */
export function armAfterRestart(hub: Hub): void {
  const owners = new Set<string>();
  for (const open of hub.chats.open.values()) {
    const chat = open.chat;
    if (chat.kind !== 'visitor' || chat.state === 'ended') continue;
    armOffer(hub, open);
    if (chat.owner) owners.add(chat.owner);
    // A visitor who comes back is looked after by its own socket (which moves this deadline).
    if (chat.visitorId) hub.deadlines.set({kind: 'visitor', visitorId: chat.visitorId, site: chat.site}, hub.now() + hub.visitorGraceMs);
  }
  for (const owner of owners) scheduleRelease(hub, owner);
}

/** An operator's sockets have all been gone past the grace period: free its visitors. */
export async function releaseOperator(hub: Hub, operator: string): Promise<void> {
  for (const {chat} of [...hub.chats.open.values()]) {
    if (chat.kind === 'visitor' && chat.owner === operator && chat.state === 'active') {
      await leaveChat(hub, operator, chat.id, 'lost connection').catch((error: unknown) => {
        // Ended or passed on from another hub a moment before: the others still go.
        if (!(error instanceof HubError && (error.code === 'chat_ended' || error.code === 'not_owner'))) throw error;
      });
    }
  }
}
