import {putNames} from '../store/types.js';
import type {Hub} from './hub.js';
import type {LiveVisitor} from './sessions.js';

/**
 * Takes the name and email a visitor gave (with identify, or with a chat request): when either
 * changes, it is stored with the visitor and its open chat, and other hubs sharing the store are
 * told. A value not given keeps the one known. Says whether anything changed: when nothing did,
 * nothing is written and operators need not hear of it.
 */
export async function takeNames(
  hub: Hub,
  live: LiveVisitor,
  given: {name?: string; email?: string},
  /** Spends a budget for a change (throwing when spent); nothing is spent when nothing changes. */
  charge?: () => Promise<void>,
): Promise<boolean> {
  const visitor = live.record;
  const same = () => (given.name || visitor.name) === visitor.name && (given.email || visitor.email) === visitor.email;
  if (same()) return false;
  if (charge) {
    await charge();
    // Another tab may have made the same change while this one was charged.
    if (same()) return false;
  }
  if (given.name) visitor.name = given.name;
  if (given.email) visitor.email = given.email;
  const open = visitor.chatId ? hub.chats.open.get(visitor.chatId) : undefined;
  const writes = [hub.store.putVisitor(visitor)];
  const names = {visitorName: visitor.name, visitorEmail: visitor.email};
  if (open) {
    putNames(open.chat, names);
    // Sharing the store, this copy's owner or state may be older than the stored ones.
    writes.push(hub.store.nameChat ? hub.store.nameChat(open.chat.id, names) : hub.store.putChat(open.chat));
  }
  await Promise.all(writes);
  // Other hubs sharing the store keep a copy of the chat's record: the name goes there too.
  if (open) hub.sessions.relay?.({t: 'names', chatId: open.chat.id, ...names});
  return true;
}
