import type {ChatEvent, SearchMatch, TranscriptData, Visit} from '../protocol/index.js';
import type {ChatQuery} from '../store/store.js';
import type {ChatRecord} from '../store/types.js';
import type {AdminContext} from './context.js';
import {OpError} from './error.js';
import type {Handlers} from './handlers.js';

/*
 * Stored chats for `cac transcripts`: listed, fetched whole and searched, a page at a time, so
 * neither the hub nor the command ever holds more than a page. Transcripts are rendered by the
 * caller: the hub hands out records, the same ones the operator client renders.
 */

/** Pages of the chat's visit sent at the most (its latest): a page of transcripts stays small. */
const MAX_PAGES_SENT = 500;
/** A visitor's visits searched for the chat's own, newest first (as the operator client does). */
const VISITS_SEARCHED = 200;
/** Events whose text a person wrote: what search looks in. */
const WRITTEN = new Set<ChatEvent['kind']>(['msg', 'link', 'note']);

interface Filter {
  site?: string;
  since?: number;
  until?: number;
  operator?: string;
  visitorId?: string;
}

function query(f: Filter): ChatQuery {
  return {kind: 'visitor', site: f.site, since: f.since, until: f.until, operator: f.operator, visitorId: f.visitorId};
}

/** What every transcript of a page needs, read once per page: zones and operator names. */
class PageContext {
  private readonly visits = new Map<string, Promise<Visit[]>>();

  private constructor(
    private readonly ctx: AdminContext,
    private readonly zones: Map<string, string>,
    private readonly names: Map<string, string>,
  ) {}

  static async of(ctx: AdminContext): Promise<PageContext> {
    const zones = new Map<string, string>();
    for (const s of (await ctx.global('sites')).sites) for (const d of [s.domain, ...s.aliases]) zones.set(d, s.timezone);
    const names = new Map((await ctx.global('operators')).operators.map((o) => [o.name, o.displayName]));
    return new PageContext(ctx, zones, names);
  }

  /** A visitor's recent visits, read once however many of its chats the page holds. */
  private visitsOf(visitorId: string): Promise<Visit[]> {
    let visits = this.visits.get(visitorId);
    if (!visits) {
      visits = this.ctx.store.visits(visitorId, VISITS_SEARCHED).catch(() => []);
      this.visits.set(visitorId, visits);
    }
    return visits;
  }

  /**
   * A chat's transcript. A live chat is read as of one moment: the record as last stored and
   * the events up to the one stored with it, never a record that lags behind its events or the
   * reverse. An ended chat no longer changes: the record listed is the one.
   */
  async transcript(listed: ChatRecord, lastSeq = Infinity): Promise<TranscriptData> {
    let chat = listed;
    let upTo = lastSeq;
    if (chat.state !== 'ended' && upTo === Infinity) {
      const stored = await this.ctx.store.chat(chat.id);
      if (stored) ({chat, lastSeq: upTo} = stored);
    }
    const events = (await this.ctx.store.events(chat.id)).filter((e) => e.seq <= upTo);
    const visits = chat.visitorId && chat.visitId ? await this.visitsOf(chat.visitorId) : [];
    const visit = visits.find((v) => v.id === chat.visitId);
    const names = new Set([...chat.operators, ...(chat.members ?? [])]);
    return {
      chat,
      events,
      site: {domain: chat.site, timezone: this.zones.get(chat.site) ?? 'UTC'},
      ...(visit ? {visit: {...visit, pages: visit.pages.slice(-MAX_PAGES_SENT)}} : {}),
      operators: Object.fromEntries([...names].map((n) => [n, this.names.get(n) ?? n])),
    };
  }
}

/** Many chats read in a row, as the store reads those best (see Store.bulk). */
function bulk<T>(ctx: AdminContext, read: () => Promise<T>): Promise<T> {
  return ctx.store.bulk ? ctx.store.bulk(read) : read();
}

/** The lines of `text` holding `needle` (already lower case). */
function linesWith(text: string, needle: string): string[] {
  if (!text.toLowerCase().includes(needle)) return [];
  return text.split('\n').filter((line) => line.toLowerCase().includes(needle));
}

export const transcriptOps = {
  'transcripts.list': async (ctx, input) => ctx.store.listChats(query(input), input.cursor, input.limit ?? 100),

  'transcripts.count': async (ctx, input) => ({count: await ctx.store.countChats(query(input))}),

  'transcripts.get': (ctx, input) => bulk(ctx, async () => {
    const page = await PageContext.of(ctx);
    const out: TranscriptData[] = [];
    for (const id of input.ids) {
      const stored = await ctx.store.chat(id);
      if (!stored) throw new OpError('not_found', `no chat ${id}`);
      out.push(await page.transcript(stored.chat, stored.lastSeq));
    }
    return out;
  }),

  'transcripts.export': (ctx, input) => bulk(ctx, async () => {
    const listed = await ctx.store.listChats(query(input), input.cursor, input.limit ?? 50);
    const page = await PageContext.of(ctx);
    // The chats of a page are read side by side: the reads wait on the disk, not on each other.
    const transcripts = await Promise.all(listed.chats.map((chat) => page.transcript(chat)));
    return listed.next === undefined ? {transcripts} : {transcripts, next: listed.next};
  }),

  'transcripts.search': (ctx, input) => bulk(ctx, async () => {
    const listed = await ctx.store.listChats(query(input), input.cursor, input.limit ?? 200);
    const needle = input.text.toLowerCase();
    const matches: SearchMatch[] = [];
    for (const chat of listed.chats) {
      for (const e of await ctx.store.events(chat.id)) {
        if (!WRITTEN.has(e.kind)) continue;
        for (const line of linesWith(e.kind === 'link' ? (e.url ?? e.text) : e.text, needle)) {
          matches.push({chatId: chat.id, site: chat.site, seq: e.seq, at: e.at, from: e.from, name: e.name, line});
        }
      }
    }
    return listed.next === undefined ? {matches} : {matches, next: listed.next};
  }),
} satisfies Partial<Handlers>;
