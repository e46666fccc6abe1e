import {extend} from '../lib/extend.js';
import type {ChatEvent, FeedEntry, PageView, Visit} from '../protocol/index.js';
import type {ChatFeedTag, FeedFilter, FeedPage, FeedRecord, NewFeedEntry, VisitorFeedTag} from './feed.js';
import type {FeedLog} from './feed-log.js';
import type {JournalRecord} from './journal.js';
import {chatLine, visitorLine, type ChatLine, type VisitorLine} from './log-file.js';
import {visitsFrom, type LogReader} from './log-reader.js';
import {NotStoredError, type Appended} from './store.js';
import {REMEMBERED_IDS, Tails, type Tail} from './tails.js';
import type {ChatRecord, NewEvent, VisitStart} from './types.js';

const safeId = /^[\w~-]{1,100}$/;

export function checkId(id: string): string {
  if (!safeId.test(id)) throw new Error(`bad id ${JSON.stringify(id)}`);
  return id;
}

/** A chat's record as a change for the journal. */
export function chatDoc(chat: ChatRecord): JournalRecord & {k: 'd'} {
  return {k: 'd', f: `chats/${checkId(chat.id)}.json`, text: JSON.stringify(chat)};
}

/** What the logs need of the store around them. */
export interface LogHost {
  /** Resolves once what appends need is loaded (written through, it is loaded on first use). */
  ready(): Promise<void> | undefined;
  /** Writes one group; `commit` runs once it is durable, before the caller hears of it. */
  write(records: JournalRecord[], commit?: () => void): Promise<void>;
  flush(): Promise<void>;
  /** A chat's event is durable, and its record when it went with it. */
  chatStored(chatId: string, seq: number, chat?: ChatRecord, text?: string): void;
}

/**
 * The numbered logs of the data folder: each chat's events, each visitor's visits and pages, and
 * the feed. A chat event, visit or page view asked for with a feed tag gets its feed line in the
 * same group of the journal, so a crash keeps both or neither.
 */
export class Logs {
  readonly tails = new Tails();

  constructor(
    private readonly host: LogHost,
    private readonly reader: LogReader,
    readonly feed: FeedLog,
  ) {}

  /** Takes back every number and cursor handed out but not durable (a write failed). */
  rollback(): void {
    this.tails.rollback();
    this.feed.rollback();
  }

  // ---- chats

  async appendEvent(chatId: string, event: NewEvent, chat?: ChatRecord, feed?: ChatFeedTag): Promise<Appended> {
    const f = `chats/${checkId(chatId)}.log`;
    const doc = chat && chatDoc(chat);
    // No await once loaded: numbers are handed out as appends are asked for, in that order.
    const loading = this.host.ready();
    if (loading) await loading;
    return this.tails.with(f, () => this.loadChatTail(f), (tail) => {
      const seen = event.id === undefined ? undefined : tail.ids!.get(event.id);
      if (seen !== undefined) return this.host.flush().then(() => this.storedEvent(chatId, seen));
      const seq = ++tail.last;
      if (event.id !== undefined) this.tails.remember(tail, event.id, seq);
      const stored: ChatEvent = extend(event, {seq});
      const records: JournalRecord[] = [{k: 'l', f: tail.file, n: seq, text: JSON.stringify({n: seq, e: stored})}];
      if (doc) records.unshift(doc);
      const entry = feed && this.feed.add(records, extend(feed, {at: stored.at, chatId, seq}), {event: stored});
      return this.host
        .write(records, () => {
          tail.committed = Math.max(tail.committed, seq);
          this.host.chatStored(chatId, seq, chat, doc?.text);
          if (chat?.state === 'ended') this.tails.forget(f);
          if (entry) this.feed.commit(entry);
        })
        .then(() => ({event: stored, duplicate: false, feed: entry}));
    });
  }

  private async storedEvent(chatId: string, seq: number): Promise<Appended> {
    const [event] = await this.events(chatId, seq - 1, 1);
    // A resend that came while its first try was being written, and that write failed: neither
    // is stored (the sender tries again, and the id, forgotten with the failed group, is new).
    if (!event) throw new NotStoredError(new Error(`event ${seq} of chat ${chatId} was not stored`));
    return {event, duplicate: true};
  }

  /** From the log's end, back as far as the ids remembered: a few reads in a chat of any length. */
  private async loadChatTail(f: string): Promise<Tail> {
    const lines: ChatLine[] = [];
    let withIds = 0;
    await this.reader.newestFirst(f, chatLine, (l) => {
      lines.push(l);
      if (l.e.id !== undefined) withIds += 1;
      return withIds < REMEMBERED_IDS;
    });
    // Oldest first, as they were stored: the first id remembered is the first forgotten.
    lines.reverse();
    const ids = new Map<string, number>();
    for (const l of lines) if (l.e.id !== undefined) ids.set(l.e.id, l.n);
    const last = lines.at(-1)?.n ?? 0;
    return {last, committed: last, ids};
  }

  async events(chatId: string, after = 0, limit = Infinity): Promise<ChatEvent[]> {
    const lines = await this.reader.lines(`chats/${checkId(chatId)}.log`, chatLine, after);
    return lines
      .filter((l) => l.n > after)
      .slice(0, limit)
      .map((l) => l.e);
  }

  // ---- visitors

  appendVisit(visitorId: string, visit: VisitStart, feed?: VisitorFeedTag): Promise<FeedEntry | undefined> {
    const tag = feed && {type: 'visitor.arrived' as const, at: visit.start, site: feed.site};
    return this.appendVisitorLine(visitorId, (n) => ({n, visit}), tag);
  }

  appendPage(visitorId: string, visitId: string, page: PageView, feed?: VisitorFeedTag): Promise<FeedEntry | undefined> {
    const tag = feed && {type: 'page.viewed' as const, at: page.at, site: feed.site};
    return this.appendVisitorLine(visitorId, (n) => ({n, page: {...page, v: visitId}}), tag);
  }

  private async appendVisitorLine(
    visitorId: string,
    make: (n: number) => VisitorLine,
    tag?: Pick<FeedRecord, 'type' | 'at' | 'site'>,
  ): Promise<FeedEntry | undefined> {
    const f = `visitors/${checkId(visitorId)}.log`;
    const load = async (): Promise<Tail> => {
      const last = await this.reader.last(f);
      return {last, committed: last};
    };
    const loading = this.host.ready();
    if (loading) await loading;
    return this.tails.with(f, load, (tail) => {
      const n = ++tail.last;
      const line = make(n);
      const records: JournalRecord[] = [{k: 'l', f: tail.file, n, text: JSON.stringify(line)}];
      const entry = tag && this.feed.add(records, extend(tag, {visitorId, line: n}), {line});
      return this.host
        .write(records, () => {
          tail.committed = Math.max(tail.committed, n);
          if (entry) this.feed.commit(entry);
        })
        .then(() => entry);
    });
  }

  async visits(visitorId: string, limit = Infinity): Promise<Visit[]> {
    const f = `visitors/${checkId(visitorId)}.log`;
    const lines: VisitorLine[] = [];
    let starts = 0;
    const mark = this.tails.mark();
    await this.reader.newestFirst(f, visitorLine, (l) => {
      lines.push(l);
      if ('visit' in l) starts += 1;
      return starts < limit;
    });
    // The newest line read is the log's last: a visitor coming back has its next page numbered
    // without reading the log again.
    if (lines.length > 0) this.tails.learn(f, lines[0]!.n, mark);
    return visitsFrom(lines, limit);
  }

  // ---- the feed

  async appendFeed(entry: NewFeedEntry): Promise<FeedEntry> {
    const loading = this.host.ready();
    if (loading) await loading;
    // Numbered and handed to the batcher at once (no wait once loaded): a write asked for in
    // the same turn, such as a block's document, goes to disk in the same group.
    const records: JournalRecord[] = [];
    const stored = this.feed.add(records, entry as FeedRecord);
    await this.host.write(records, () => this.feed.commit(stored));
    return stored;
  }

  /** Feed entries, with the events and visitor lines they refer to read back. */
  page(after: number, limit: number, filter?: FeedFilter): Promise<FeedPage> {
    return this.feed.page(after, limit, filter, {
      events: (chatId, from) => this.events(chatId, from),
      visitorLines: (visitorId, from) => this.reader.lines(`visitors/${checkId(visitorId)}.log`, visitorLine, from),
    });
  }
}
