import type {ChatEvent, PageView, Visit} from '../protocol/index.js';
import {buildVisit, type Appended, type ChatPage, type ChatQuery, type Store} from './store.js';
import {globalDefaults, type ChatRecord, type GlobalName, type Globals, type NewEvent, type StoredChat, type VisitStart, type VisitorRecord} from './types.js';
import {matches, pageOf} from './query.js';

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

  async appendEvent(chatId: string, event: NewEvent, chat?: ChatRecord): Promise<Appended> {
    if (chat) await this.putChat(chat);
    const c = this.chats.get(chatId);
    if (!c) throw new Error(`no chat ${chatId}`);
    const seen = event.id === undefined ? undefined : c.ids.get(event.id);
    if (seen !== undefined) return {event: structuredClone(c.events[seen - 1]!), duplicate: true};
    const stored: ChatEvent = {...structuredClone(event), seq: (c.events.at(-1)?.seq ?? 0) + 1};
    c.events.push(stored);
    if (stored.id !== undefined) c.ids.set(stored.id, stored.seq);
    return {event: structuredClone(stored), duplicate: false};
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

  async appendVisit(visitorId: string, visit: VisitStart): Promise<void> {
    this.must(visitorId).visits.push({start: structuredClone(visit), pages: []});
  }

  async appendPage(visitorId: string, visitId: string, page: PageView): Promise<void> {
    const visit = this.must(visitorId).visits.find((v) => v.start.id === visitId);
    if (!visit) throw new Error(`no visit ${visitId}`);
    visit.pages.push(structuredClone(page));
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
