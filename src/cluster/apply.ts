import type {ClusterMessage} from '../protocol/cluster.js';
import type {ChatEvent, FeedEntry} from '../protocol/index.js';
import type {ChatRecord} from '../store/types.js';
import type {Hub} from '../hub/hub.js';
import type {Presence} from './presence.js';
import {Sequencer} from './sequencer.js';

/**
 * What another hub said, applied here: the copy of open chats follows the store, and the
 * sockets of this hub get what concerns them. Nothing is decided here; the hub that said it
 * decided (and stored) it.
 */
export class Applier {
  /** The seq of the event each open chat's record was last taken from: older ones lose. */
  private readonly recordSeq = new Map<string, number>();
  /** What the sockets here were given of each chat, and what waits for an earlier event. */
  readonly sequencer: Sequencer<{chat: ChatRecord; e: ChatEvent}>;
  /** The same for the feed (its followers here). */
  readonly feed: Sequencer<FeedEntry>;

  constructor(
    private readonly hub: Hub,
    private readonly presence: Presence,
    private readonly hello: (from: string) => void,
  ) {
    const log = (line: string) => hub.log(`cluster: ${line}`);
    this.sequencer = new Sequencer({
      seq: (item) => item.e.seq,
      deliver: (chatId, {chat, e}) => {
        hub.sessions.deliverEvent(chat, e);
        if (chat.kind === 'visitor' && chat.state === 'ended') this.sequencer.forget(chatId);
      },
      read: async (chatId, after, newest) => (await hub.store.events(chatId, after, 500)).map((e) => ({chat: newest.chat, e})),
      log,
    });
    this.feed = new Sequencer({
      seq: (entry) => entry.cursor,
      deliver: (_, entry) => hub.followers.publish(entry),
      read: async (_, after) => (await hub.store.feed(after, 500)).entries,
      log,
    });
  }

  apply(m: ClusterMessage): void {
    const s = this.hub.sessions;
    switch (m.t) {
      case 'ev':
        this.event(m.chat, m.e);
        return;
      case 'chat': {
        const open = this.hub.chats.open.get(m.chat.id);
        if (open) this.hub.chats.replace(open, m.chat, 0);
        return;
      }
      case 'op':
        s.deliverToOperator(m.name, m.frame);
        return;
      case 'ops':
        this.visitorList(m.from, m.frame);
        s.deliverToOperators(m.frame, m.site, m.except);
        return;
      case 'visitor':
        s.deliverToVisitor(m.id, m.frame);
        return;
      case 'operators':
        this.presence.operatorsOf(m.from, m.names);
        return;
      case 'here': {
        // The visitor is served there now: a copy here without sockets is stale.
        const live = s.visitors.get(m.visitorId);
        if (live && live.conns.size === 0) s.visitors.delete(m.visitorId);
        return;
      }
      case 'reload':
        this.reload(m.what).catch((error: unknown) => this.hub.log(`reload ${m.what}: ${String(error)}`));
        return;
      case 'hello':
        this.hello(m.from);
        return;
      case 'feed':
        this.feed.push('feed', m.entry);
        return;
    }
  }

  /**
   * An event stored by another hub (told, or read back after Redis was away): the chat's copy
   * here, then the sockets here that follow it, in order, once.
   */
  event(chat: Extract<ClusterMessage, {t: 'ev'}>['chat'], e: Extract<ClusterMessage, {t: 'ev'}>['e']): void {
    const hub = this.hub;
    const newer = e.seq >= (this.recordSeq.get(chat.id) ?? 0);
    const open = hub.chats.open.get(chat.id);
    if (newer && chat.kind === 'visitor' && chat.state === 'ended') {
      hub.chats.retire(chat.id);
      this.recordSeq.delete(chat.id);
    } else if (open) {
      if (newer) hub.chats.replace(open, chat, e.seq);
      else open.lastSeq = Math.max(open.lastSeq, e.seq);
    } else if (newer) {
      hub.chats.open.set(chat.id, {chat, lastSeq: e.seq});
    }
    if (newer && chat.state !== 'ended') this.recordSeq.set(chat.id, e.seq);
    // The visitor's own copy here (a tab on this hub) learns of its chat.
    const live = chat.visitorId ? hub.sessions.visitors.get(chat.visitorId) : undefined;
    if (live && newer) {
      if (chat.state !== 'ended') {
        live.record.chatId = chat.id;
        if (!live.record.chats.includes(chat.id)) live.record.chats.push(chat.id);
      } else if (live.record.chatId === chat.id) {
        live.record.chatId = undefined;
      }
    }
    this.sequencer.push(chat.id, {chat: hub.chats.open.get(chat.id)?.chat ?? chat, e});
  }

  /** Another hub's visitors, for the lists of operators here. */
  private visitorList(from: string, frame: Extract<ClusterMessage, {t: 'ops'}>['frame']): void {
    if (frame.t === 'visitor.update') {
      const local = this.hub.sessions.visitors.get(frame.visitor.id);
      if (!local || local.conns.size === 0) this.presence.visitors.set(frame.visitor.id, {hub: from, summary: frame.visitor});
    } else if (frame.t === 'visitor.gone') {
      this.presence.visitors.delete(frame.visitorId);
      // Its grace period ran out on another hub: a copy here without sockets goes too.
      const local = this.hub.sessions.visitors.get(frame.visitorId);
      if (local && local.conns.size === 0) this.hub.sessions.visitors.delete(frame.visitorId);
    }
  }

  private async reload(what: Extract<ClusterMessage, {t: 'reload'}>['what']): Promise<void> {
    const hub = this.hub;
    if (what === 'accounts') return hub.reloadAccounts();
    const fresh = await hub.store.global(what, true);
    (hub.globals as Record<string, unknown>)[what] = fresh;
  }
}
