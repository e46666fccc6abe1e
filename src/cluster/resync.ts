import {snapshot} from '../hub/operator-actions.js';
import type {Hub} from '../hub/hub.js';
import type {Applier} from './apply.js';

/**
 * After Redis was lost, what other hubs said meanwhile is read from the store instead: events
 * of open chats past what this hub knew (the sockets here get them; clients keep each seq once),
 * chats that ended, chats that began. Then every operator here gets its lists again whole.
 */
export async function resync(hub: Hub, applier: Applier): Promise<void> {
  const stored = await hub.store.openChats();
  const still = new Set(stored.map((c) => c.chat.id));
  for (const {chat, lastSeq} of stored) {
    const known = hub.chats.open.get(chat.id)?.lastSeq ?? 0;
    if (lastSeq > known) for (const e of await hub.store.events(chat.id, known)) applier.event(chat, e);
  }
  for (const [id, open] of [...hub.chats.open]) {
    if (still.has(id)) continue;
    const ended = await hub.store.chat(id);
    if (ended) for (const e of await hub.store.events(id, open.lastSeq)) applier.event(ended.chat, e);
  }
  for (const [name, conns] of hub.sessions.operatorConns) for (const conn of conns) conn.send(snapshot(hub, name));
}
