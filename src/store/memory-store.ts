import type {ChatEvent, FeedEntry, PageView, Visit} from '../protocol/index.js';
import {entryOf, feedMatches, type ChatFeedTag, type FeedFilter, type FeedPage, type FeedRecord, type NewFeedEntry, type VisitorFeedTag} from './feed.js';
import {buildVisit, type Appended, type ChatPage, type ChatQuery, type Erased, type Pruned, type Store, type VisitorPage} from './store.js';
import {globalDefaults, type ChatRecord, type GlobalName, type Globals, type NewEvent, type StoredChat, type VisitStart, type VisitorRecord} from './types.js';
import {matches, pageOf, visitorPageOf} from './query.js';

interface MemChat {
  chat: ChatRecord;
  events: ChatEvent[];
  ids: Map<string, number>;
}

/**
 * The store in memory: the same contract as the data folder, nothing durable. For unit tests
 * and for trying the hub without a disk. Records are copied in and out, as a disk would.
 */
export class MemoryStore implements Store {
  private readonly chats = new Map<string, MemChat>();
  private readonly visitorsById = new Map<string, {visitor: VisitorRecord; visits: Array<{start: VisitStart; pages: PageView[]}>}>();
  private readonly globals = new Map<GlobalName, unknown>();
  private readonly entries: FeedEntry[] = [];
  private readonly listeners: Array<(entry: FeedEntry) => void> = [];

  async open(): Promise<void> {}
  async close(): Promise<void> {}
  async flush(): Promise<void> {}

  async openChats(): Promise<StoredChat[]> {
    return [...this.chats.values()]
      .filter((c) => c.chat.kind === 'op' || c.chat.state !== 'ended')
      .map((c) => ({chat: structuredClone(c.chat), lastSeq: c.events.at(-1)?.seq ?? 0}));
  }

  async chat(id: string): Promise<StoredChat | undefined> {
    const c = this.chats.get(id);
    return c && {chat: structuredClone(c.chat), lastSeq: c.events.at(-1)?.seq ?? 0};
  }

  async putChat(chat: ChatRecord): Promise<void> {
    const c = this.chats.get(chat.id);
    if (c) c.chat = structuredClone(chat);
    else this.chats.set(chat.id, {chat: structuredClone(chat), events: [], ids: new Map()});
  }

  async appendEvent(chatId: string, event: NewEvent, chat?: ChatRecord, feed?: ChatFeedTag): Promise<Appended> {
    if (chat) await this.putChat(chat);
    const c = this.chats.get(chatId);
    if (!c) throw new Error(`no chat ${chatId}`);
    const seen = event.id === undefined ? undefined : c.ids.get(event.id);
    if (seen !== undefined) return {event: structuredClone(c.events[seen - 1]!), duplicate: true};
    const stored: ChatEvent = {...structuredClone(event), seq: (c.events.at(-1)?.seq ?? 0) + 1};
    c.events.push(stored);
    if (stored.id !== undefined) c.ids.set(stored.id, stored.seq);
    const entry = feed && this.addEntry({...feed, at: stored.at, chatId, seq: stored.seq}, {event: stored});
    return {event: structuredClone(stored), duplicate: false, feed: entry};
  }

  async events(chatId: string, after = 0, limit = Infinity): Promise<ChatEvent[]> {
    const events = this.chats.get(chatId)?.events ?? [];
    return structuredClone(events.filter((e) => e.seq > after).slice(0, limit));
  }

  async listChats(query: ChatQuery = {}, cursor?: string, limit = 100): Promise<ChatPage> {
    return pageOf(
      [...this.chats.values()].map((c) => c.chat),
      query,
      cursor,
      limit,
    );
  }

  async countChats(query: ChatQuery = {}): Promise<number> {
    return [...this.chats.values()].filter((c) => matches(c.chat, query)).length;
  }

  async visitor(id: string): Promise<VisitorRecord | undefined> {
    const v = this.visitorsById.get(id);
    return v && structuredClone(v.visitor);
  }

  async putVisitor(visitor: VisitorRecord): Promise<void> {
    const v = this.visitorsById.get(visitor.id);
    if (v) v.visitor = structuredClone(visitor);
    else this.visitorsById.set(visitor.id, {visitor: structuredClone(visitor), visits: []});
  }

  async appendVisit(visitorId: string, visit: VisitStart, feed?: VisitorFeedTag): Promise<FeedEntry | undefined> {
    this.must(visitorId).visits.push({start: structuredClone(visit), pages: []});
    const record = {type: 'visitor.arrived' as const, at: visit.start, site: feed?.site, visitorId};
    return feed && this.addEntry(record, {line: {n: 0, visit}});
  }

  async appendPage(visitorId: string, visitId: string, page: PageView, feed?: VisitorFeedTag): Promise<FeedEntry | undefined> {
    const visit = this.must(visitorId).visits.find((v) => v.start.id === visitId);
    if (!visit) throw new Error(`no visit ${visitId}`);
    visit.pages.push(structuredClone(page));
    const record = {type: 'page.viewed' as const, at: page.at, site: feed?.site, visitorId};
    return feed && this.addEntry(record, {line: {n: 0, page: {...page, v: visitId}}});
  }

  async appendFeed(entry: NewFeedEntry): Promise<FeedEntry> {
    return this.addEntry(entry as FeedRecord);
  }

  /** Numbers an entry, keeps it whole (nothing here needs a reference), and tells listeners. */
  private addEntry(record: FeedRecord, referred: Parameters<typeof entryOf>[2] = {}): FeedEntry {
    const entry = entryOf(this.entries.length + 1, structuredClone(record), structuredClone(referred));
    this.entries.push(entry);
    for (const listener of this.listeners) listener(structuredClone(entry));
    return structuredClone(entry);
  }

  async feed(after: number, limit: number, filter?: FeedFilter): Promise<FeedPage> {
    const entries: FeedEntry[] = [];
    let last = Math.max(0, after);
    for (const e of this.entries.slice(last)) {
      if (entries.length >= limit) break;
      last = e.cursor;
      if (feedMatches(e, filter)) entries.push(structuredClone(e));
    }
    return {entries, last, more: last < this.entries.length};
  }

  async feedEnd(): Promise<number> {
    return this.entries.length;
  }

  async feedCursorAt(at: number): Promise<number> {
    const first = this.entries.find((e) => e.at >= at);
    return first ? first.cursor - 1 : this.entries.length;
  }

  onFeed(listener: (entry: FeedEntry) => void): void {
    this.listeners.push(listener);
  }

  async visits(visitorId: string, limit = Infinity): Promise<Visit[]> {
    const visits = this.visitorsById.get(visitorId)?.visits ?? [];
    return structuredClone(
      visits
        .slice()
        .reverse()
        .slice(0, limit)
        .map((v) => buildVisit(v.start, v.pages)),
    );
  }

  async listVisitors(query: {site?: string} = {}, cursor?: string, limit = 100): Promise<VisitorPage> {
    return visitorPageOf([...this.visitorsById.values()].map((v) => v.visitor), query, cursor, limit);
  }

  async eraseVisitor(id: string): Promise<Erased> {
    const kept = this.visitorsById.get(id);
    const chats = [...this.chats.values()].filter((c) => c.chat.visitorId === id || kept?.visitor.chats.includes(c.chat.id)).map((c) => c.chat.id);
    for (const chatId of chats) this.chats.delete(chatId);
    this.removeEntries((e) => ('visitorId' in e && e.visitorId === id) || ('chatId' in e && typeof e.chatId === 'string' && chats.includes(e.chatId)) || JSON.stringify(e).includes(id));
    this.visitorsById.delete(id);
    return {visitor: kept !== undefined, chats, visits: kept?.visits.length ?? 0};
  }

  async prune(cutoff: (site: string) => number | undefined): Promise<Pruned> {
    let chats = 0;
    let visits = 0;
    this.removeEntries((e) => {
      const before = cutoff('site' in e && typeof e.site === 'string' ? e.site : '');
      return before !== undefined && e.at < before;
    });
    for (const [id, c] of this.chats) {
      const before = cutoff(c.chat.site);
      if (before !== undefined && c.chat.kind === 'visitor' && c.chat.state === 'ended' && (c.chat.endedAt ?? c.chat.requestedAt) < before) {
        this.chats.delete(id);
        chats += 1;
      }
    }
    for (const [id, v] of this.visitorsById) {
      const before = cutoff(v.visitor.site);
      if (before === undefined) continue;
      const left = v.visits.filter((visit) => buildVisit(visit.start, visit.pages).end >= before);
      visits += v.visits.length - left.length;
      v.visits = left;
      v.visitor.chats = v.visitor.chats.filter((chatId) => this.chats.has(chatId));
      if (left.length === 0 && v.visitor.chats.length === 0) this.visitorsById.delete(id);
    }
    return {chats, visits};
  }

  /** Entries taken out keep their cursor and time, as a `removed` entry. */
  private removeEntries(gone: (e: FeedEntry) => boolean): void {
    for (const [i, e] of this.entries.entries()) if (e.type !== 'removed' && gone(e)) this.entries[i] = {type: 'removed', cursor: e.cursor, at: e.at};
  }

  async global<K extends GlobalName>(name: K): Promise<Globals[K]> {
    if (!this.globals.has(name)) this.globals.set(name, globalDefaults[name]());
    return this.globals.get(name) as Globals[K];
  }

  async putGlobal<K extends GlobalName>(name: K, value: Globals[K]): Promise<void> {
    this.globals.set(name, value);
  }

  private must(visitorId: string) {
    const v = this.visitorsById.get(visitorId);
    if (!v) throw new Error(`no visitor ${visitorId}`);
    return v;
  }
}
