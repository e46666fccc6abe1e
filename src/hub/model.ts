import {extend} from '../lib/extend.js';
import type {ChatEvent, ChatSummary} from '../protocol/index.js';
import type {ChatFeedTag, DistributiveOmit} from '../store/feed.js';
import {DamagedError, NotStoredError, type Changed, type Store} from '../store/store.js';
import {putNames, type ChatRecord, type NewEvent, type StoredChat} from '../store/types.js';
import {HubError} from './errors.js';

/** A chat the hub serves live: its record and the number of its last stored event. */
export type OpenChat = StoredChat;

/** What an event is in the feed; the chat's site and visitor are filled in from its record. */
export type ChatTag = DistributiveOmit<ChatFeedTag, 'site' | 'visitorId'>;

/** Tries of a change that another hub's changes keep getting ahead of. */
const CHANGE_TRIES = 3;

/** The feed entry of an event of this chat: visitor chats only (operators' own are theirs). */
function tagOf(chat: ChatRecord, feed: ChatTag | undefined): ChatFeedTag | undefined {
  return feed && chat.kind === 'visitor' ? (extend(feed, {site: chat.site, visitorId: chat.visitorId}) as ChatFeedTag) : undefined;
}

/** A write's outcome, a failed write refused as the protocol says (nothing was stored). */
async function orNotStored<T>(writing: Promise<T>): Promise<T> {
  try {
    return await writing;
  } catch (error) {
    if (!(error instanceof NotStoredError)) throw error;
    throw new HubError('not_stored', 'the hub could not store that; send it again');
  }
}

/**
 * The chats: open ones in memory (so "first accept wins" is decided synchronously, and lists
 * are served without reading anything), the rest read from the store when asked for. Every
 * change is stored before anyone is told about it.
 */
export class ChatModel {
  readonly open = new Map<string, OpenChat>();
  /** The change of a chat being written now, on this hub alone (see change). */
  private readonly changing = new WeakMap<OpenChat, Promise<unknown>>();
  /**
   * Told of every event stored (not of a resend), with the record as it stands and whether the
   * event changed it: how other hubs sharing the store hear of it. Called before the caller fans
   * the event out here.
   */
  onStored?: (chat: ChatRecord, e: ChatEvent, changed: boolean) => void;
  /** Told when a copy was read again from the store: it includes every change up to `lastSeq`. */
  onRefreshed?: (chat: ChatRecord, lastSeq: number) => void;
  /** Whether other hubs write the same store: claims are then decided by the store. */
  shared = false;

  constructor(
    private readonly store: Store,
    private readonly now: () => number,
    private readonly log: (line: string) => void,
  ) {}

  async load(): Promise<void> {
    for (const c of await this.store.openChats()) this.open.set(c.chat.id, c);
  }

  /** An open chat, or a past one read from the store (not kept: history is read, not held). */
  async get(id: string): Promise<OpenChat | undefined> {
    const open = this.open.get(id);
    if (open) return open;
    const stored = await this.store.chat(id).catch((error: unknown) => this.unreadable(error));
    // Read while it was being opened elsewhere: there is one copy in memory, that one.
    return this.open.get(id) ?? stored;
  }

  private unreadable(error: unknown): never {
    if (error instanceof DamagedError) {
      this.log(error.message);
      throw new HubError('damaged', 'that record could not be read; the hub log names the file');
    }
    throw error;
  }

  /** Stores a new chat with its first event and serves it from now on. */
  async create(chat: ChatRecord, first: Omit<NewEvent, 'at'>, feed?: ChatTag): Promise<{open: OpenChat; e: ChatEvent}> {
    const open: OpenChat = {chat, lastSeq: 0};
    this.open.set(chat.id, open);
    try {
      const e = await this.append(open, first, feed, true);
      return {open, e};
    } catch (error) {
      if (open.lastSeq === 0) this.open.delete(chat.id);
      throw error;
    }
  }

  /**
   * Numbers and stores an event (with the chat's record when `withRecord`, and what it is in the
   * feed: visitor chats only, operators' own conversations are theirs); a client id stored
   * before gets its stored event back. The caller fans it out once this resolves.
   */
  async append(open: OpenChat, event: Omit<NewEvent, 'at'>, feed?: ChatTag, withRecord = false): Promise<ChatEvent> {
    return (await this.appendOnce(open, event, feed, withRecord)).e;
  }

  /**
   * As `append`, saying whether the event was a resend (stored before). Callers fan a resend out
   * again: its first try may have been kept although answered not stored (on PostgreSQL, a commit
   * whose answer was lost with its connection), and so never sent to anyone. Clients keep each
   * seq once, so a resend of what they have changes nothing.
   */
  async appendOnce(
    open: OpenChat,
    event: Omit<NewEvent, 'at'>,
    feed?: ChatTag,
    withRecord = false,
  ): Promise<{e: ChatEvent; duplicate: boolean}> {
    const chat = open.chat;
    const tag = tagOf(chat, feed);
    try {
      const {event: e, duplicate} = await this.store.appendEvent(chat.id, extend(event, {at: this.now()}), withRecord ? chat : undefined, tag);
      if (e.seq > open.lastSeq) open.lastSeq = e.seq;
      if (withRecord && !duplicate) this.hold(open);
      // A resend is told to the other hubs too (see above): each delivers a seq once.
      this.onStored?.(chat, e, withRecord && !duplicate);
      return {e, duplicate};
    } catch (error) {
      if (!(error instanceof NotStoredError)) throw error;
      this.log(`could not store an event of chat ${open.chat.id}: ${error.message}`);
      throw new HubError('not_stored', 'the hub could not store that; send it again');
    }
  }

  /**
   * Changes a chat's record and stores it with the event that says so; when that cannot be
   * stored, the record is put back as it was, so memory never holds what was refused.
   *
   * With hubs sharing the store, it goes in only if the record as stored still has the state,
   * owner and offer of the copy it was made to. If another hub changed them a moment before
   * (and the news has not come yet), the stored record is taken instead, `still` says whether the
   * change applies to it (throwing the refusal if not), and the change is made to it again.
   */
  async change(
    open: OpenChat,
    mutate: (chat: ChatRecord) => void,
    event: Omit<NewEvent, 'at'>,
    feed: ChatTag | undefined,
    still: (chat: ChatRecord) => void,
  ): Promise<ChatEvent> {
    if (!this.shared || !this.store.changeChat) {
      // One change of a chat at a time: made on top of one still being written, it would be
      // stored with it, and put back as it was before the one below it, were that one refused.
      const prior = this.changing.get(open);
      const run = prior ? prior.catch(() => {}).then(() => this.changeHere(open, mutate, event, feed, still)) : this.changeHere(open, mutate, event, feed, still);
      this.changing.set(open, run);
      try {
        return await run;
      } finally {
        if (this.changing.get(open) === run) this.changing.delete(open);
      }
    }
    for (let tries = 1; ; tries++) {
      // What it is made to, as it is now (news may change the copy before the write runs).
      const before = structuredClone({state: open.chat.state, owner: open.chat.owner, offer: open.chat.offer});
      const next = structuredClone(open.chat);
      mutate(next);
      const changed = await orNotStored(this.store.changeChat(next, before, extend(event, {at: this.now()}), tagOf(next, feed)));
      if (changed) return this.took(open, next, changed);
      await this.refresh(open);
      if (tries === CHANGE_TRIES) throw new HubError('not_stored', 'the chat kept changing on other hubs; send it again');
      still(open.chat);
    }
  }

  /** A change on this hub alone: made at once (the caller's checks hold until it is). */
  private async changeHere(...[open, mutate, event, feed, still]: Parameters<ChatModel['change']>): Promise<ChatEvent> {
    // Checked again here, where nothing can come between the check and the change: the
    // caller's check was made before it waited for something (the disk, a lookup).
    still(open.chat);
    const before = structuredClone(open.chat);
    mutate(open.chat);
    try {
      return await this.append(open, event, feed, true);
    } catch (error) {
      this.replace(open, before, 0);
      throw error;
    }
  }

  /**
   * As `change`, for taking a chat nobody owns ("first accept wins"). With hubs sharing the
   * store, the store decides (one conditional write): undefined when another operator got it.
   */
  async claim(open: OpenChat, operator: string, mutate: (chat: ChatRecord) => void, event: Omit<NewEvent, 'at'>, feed: ChatTag): Promise<ChatEvent | undefined> {
    if (!this.shared || !this.store.claimChat) return this.change(open, mutate, event, feed, () => {});
    const next = structuredClone(open.chat);
    mutate(next);
    const claimed = await orNotStored(this.store.claimChat(next, operator, extend(event, {at: this.now()}), tagOf(next, feed)));
    if (claimed) return this.took(open, next, claimed);
    // Someone on another hub was first: take the record as the store has it.
    await this.refresh(open);
    return undefined;
  }

  /** A change stored: this copy, with the names as stored, is the record now. */
  private took(open: OpenChat, next: ChatRecord, {event: e, names}: Changed): ChatEvent {
    putNames(next, names);
    this.replace(open, next, e.seq);
    this.hold(open);
    this.onStored?.(open.chat, e, true);
    return e;
  }

  /** The record as stored, in place of this copy (another hub changed it). */
  private async refresh(open: OpenChat): Promise<void> {
    const fresh = await this.store.chat(open.chat.id).catch((error: unknown) => this.unreadable(error));
    if (!fresh) return;
    this.replace(open, fresh.chat, fresh.lastSeq);
    // Ended there: history now (the news of it, when it comes, is no newer than this).
    if (fresh.chat.kind === 'visitor' && fresh.chat.state === 'ended') this.retire(fresh.chat.id);
    this.onRefreshed?.(fresh.chat, fresh.lastSeq);
  }

  /**
   * With hubs sharing the store, a chat changed here may have been read from the store (another
   * hub opened it, and the news of that had not come yet): this copy, just stored, is the one
   * served from now on, so news of an older record that comes late has a copy to lose to.
   */
  private hold(open: OpenChat): void {
    if (!this.shared) return;
    const held = this.open.get(open.chat.id);
    // The news came while this one was being stored: the copy served takes what was stored.
    if (held && held !== open) this.replace(held, structuredClone(open.chat), open.lastSeq);
    else if (!held && (open.chat.kind === 'op' || open.chat.state !== 'ended')) this.open.set(open.chat.id, open);
  }

  /** Puts another copy of a chat's record in place of this one (the object others hold). */
  replace(open: OpenChat, chat: ChatRecord, lastSeq: number): void {
    for (const key of Object.keys(open.chat) as Array<keyof ChatRecord>) delete open.chat[key];
    Object.assign(open.chat, chat);
    if (lastSeq > open.lastSeq) open.lastSeq = lastSeq;
  }

  /** The chat is ended: it is history now, read from the store when asked for. */
  retire(id: string): void {
    this.open.delete(id);
  }

  /** The stored event of a client id, for a resend that arrives after the chat moved on. */
  async resent(chatId: string, id: string): Promise<ChatEvent | undefined> {
    const events = await this.store.events(chatId).catch(() => []);
    return events.find((e) => e.id === id);
  }

  events(chatId: string, after = 0): Promise<ChatEvent[]> {
    // Someone coming back up to date (most of those returning after a restart) needs no read:
    // an open chat's last seq is known here. Not with other hubs, whose events may come later.
    const open = this.open.get(chatId);
    if (open && !this.shared && after >= open.lastSeq) return Promise.resolve([]);
    return this.store.events(chatId, after).catch((error: unknown) => this.unreadable(error));
  }

  summary(open: OpenChat, preview?: boolean): ChatSummary {
    const chat = open.chat;
    return {
      id: chat.id,
      kind: chat.kind,
      site: chat.site,
      visitorId: chat.visitorId,
      visitorName: chat.visitorName,
      state: chat.state,
      owner: chat.owner,
      members: chat.members,
      requestedAt: chat.requestedAt,
      firstText: chat.firstText,
      offeredTo: chat.offer?.to,
      lastSeq: open.lastSeq,
      preview,
    };
  }
}
