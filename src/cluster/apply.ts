import type {ClusterMessage} from '../protocol/cluster.js';
import type {ChatEvent, FeedEntry} from '../protocol/index.js';
import {putNames, type ChatRecord} from '../store/types.js';
import type {Hub} from '../hub/hub.js';
import type {Presence} from './presence.js';
import {Sequencer} from './sequencer.js';

/**
 * How long an ended chat's version is kept: news of it that comes later than this (it comes in
 * milliseconds) would bring back a copy of it as open.
 */
const RETAIN_ENDED_MS = 10 * 60_000;

/**
 * What another hub said, applied here: the copy of open chats follows the store, and the
 * sockets of this hub get what concerns them. Nothing is decided here; the hub that said it
 * decided (and stored) it.
 */
export class Applier {
  /**
   * How new this hub's copy of each chat's record is: the seq of the last change it includes
   * (its `rv`). News with an older record loses. Kept a while after a chat ended, so that late
   * news of it does not bring it back.
   */
  private readonly versions = new Map<string, number>();
  /** Chats that ended, in the order they did, with when: their versions go after RETAIN_ENDED_MS. */
  private readonly ended = new Map<string, number>();
  /** What the sockets here were given of each chat, and what waits for an earlier event. */
  readonly sequencer: Sequencer<{chat: ChatRecord; e: ChatEvent}>;
  /** The same for the feed (its followers here). */
  readonly feed: Sequencer<FeedEntry>;

  constructor(
    private readonly hub: Hub,
    private readonly presence: Presence,
    private readonly hello: (from: string, catchUp: boolean) => void,
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
        this.event(m.chat, m.e, m.rv ?? m.e.seq);
        return;
      case 'names': {
        const chat = this.hub.chats.open.get(m.chatId)?.chat;
        if (chat) putNames(chat, m);
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
        this.hello(m.from, m.catchUp === true);
        return;
      case 'feed':
        this.feed.push('feed', m.entry);
        return;
    }
  }

  /**
   * An event stored by another hub (told, or read back after Redis was away), with that hub's
   * copy of the record as of `rv`: the copy here, if older, then the sockets here that follow
   * the chat, in order, once.
   */
  event(chat: ChatRecord, e: ChatEvent, rv: number): void {
    const hub = this.hub;
    const known = this.versions.get(chat.id);
    const open = hub.chats.open.get(chat.id);
    if (open && e.seq > open.lastSeq) open.lastSeq = e.seq;
    if (known === undefined || rv > known) {
      this.versions.set(chat.id, rv);
      if (chat.kind === 'visitor' && chat.state === 'ended') {
        hub.chats.retire(chat.id);
        this.endedNow(chat.id);
      } else if (open) hub.chats.replace(open, chat, e.seq);
      else hub.chats.open.set(chat.id, {chat, lastSeq: e.seq});
      this.visitorLearns(chat);
    }
    this.sequencer.push(chat.id, {chat: hub.chats.open.get(chat.id)?.chat ?? chat, e});
  }

  /** The seq of the last change this hub's copy of the chat's record includes, if it has one. */
  versionOf(chatId: string): number | undefined {
    return this.versions.get(chatId);
  }

  /**
   * This hub's copy of the chat includes every change up to `seq`: read from the store (at start,
   * or again after another hub changed it), or changed here.
   */
  current(chat: ChatRecord, seq: number): void {
    this.versions.set(chat.id, Math.max(this.versions.get(chat.id) ?? 0, seq));
    if (chat.kind === 'visitor' && chat.state === 'ended') this.endedNow(chat.id);
  }

  private endedNow(chatId: string): void {
    const now = this.hub.now();
    this.ended.delete(chatId);
    this.ended.set(chatId, now);
    for (const [id, at] of this.ended) {
      if (at > now - RETAIN_ENDED_MS) break;
      this.ended.delete(id);
      this.versions.delete(id);
    }
  }

  /** The visitor's own copy here (a tab on this hub) learns of its chat. */
  private visitorLearns(chat: ChatRecord): void {
    const live = chat.visitorId ? this.hub.sessions.visitors.get(chat.visitorId) : undefined;
    if (!live) return;
    if (chat.state !== 'ended') {
      live.record.chatId = chat.id;
      if (!live.record.chats.includes(chat.id)) live.record.chats.push(chat.id);
    } else if (live.record.chatId === chat.id) {
      live.record.chatId = undefined;
    }
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
