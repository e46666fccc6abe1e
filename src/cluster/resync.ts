import {sendSnapshot} from '../hub/snapshot.js';
import type {Hub} from '../hub/hub.js';
import type {Applier} from './apply.js';

/**
 * After Redis was lost, what other hubs said meanwhile is read from the store instead: events
 * of open chats past what this hub knew (the sockets here get them; clients keep each seq once),
 * chats that ended, chats that began, entries of the feed. Then every operator here gets its
 * lists again whole.
 */
export async function resync(hub: Hub, applier: Applier): Promise<void> {
  const stored = await hub.store.openChats();
  const still = new Set(stored.map((c) => c.chat.id));
  for (const {chat, lastSeq} of stored) {
    const heard = applier.sequencer.upTo(chat.id);
    // The record as stored includes every change up to its last event.
    if (lastSeq > heard) for (const e of await hub.store.events(chat.id, heard)) applier.event(chat, e, lastSeq);
  }
  for (const id of [...hub.chats.open.keys()]) {
    if (still.has(id)) continue;
    const ended = await hub.store.chat(id);
    if (ended) for (const e of await hub.store.events(id, applier.sequencer.upTo(id))) applier.event(ended.chat, e, ended.lastSeq);
  }
  for (let after = applier.feed.upTo('feed'); ; ) {
    const page = await hub.store.feed(after, 500);
    for (const entry of page.entries) applier.feed.push('feed', entry);
    if (!page.more || page.last <= after) break;
    after = page.last;
  }
  for (const [name, conns] of hub.sessions.operatorConns) for (const conn of conns) sendSnapshot(hub, conn, name);
}
