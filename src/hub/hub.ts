import {unwatchFile, watchFile} from 'node:fs';
import {mkdir} from 'node:fs/promises';
import type {Low} from 'lowdb';
import type {
  ChatEvent,
  ChatSummary,
  HubToOperator,
  HubToVisitor,
  OperatorStatus,
  OperatorSummary,
  VisitorSummary,
} from '../protocol/index.js';
import {lockDataDir} from '../store/lock.js';
import {LowStore} from '../store/low-store.js';
import type {ChatRecord, OperatorRecord, SiteRecord, VisitorRecord} from '../store/types.js';
import type {Conn} from './conn.js';
import {CloseCode} from './conn.js';
import {HubError} from './errors.js';

/** Messages one chat may hold: a document rewritten on every message must stay small. */
export const MAX_EVENTS = 5000;

export interface HubOptions {
  dataDir: string;
  /** Injectable clock, so tests can cross a local midnight. */
  now?: () => number;
  /** How long a visitor may be without a socket (navigating, reconnecting) before it has left. */
  visitorGraceMs?: number;
  /** How long an operator may be without a socket before its chats go back to waiting. */
  operatorGraceMs?: number;
  /** Inactivity after which the next page view starts a new visit. */
  visitTimeoutMs?: number;
  log?: (line: string) => void;
}

export type VisitorConn = Conn<HubToVisitor> & {visitorId?: string; site?: SiteRecord};
export type OperatorConn = Conn<HubToOperator> & {operator: string};

/** A visitor with a socket now, or one that dropped less than a grace period ago. */
export interface LiveVisitor {
  doc: Low<VisitorRecord>;
  site: SiteRecord;
  conns: Set<VisitorConn>;
  ip: string;
  userAgent: string;
  goneTimer?: NodeJS.Timeout;
  /** When this visitor's recent messages were sent, for the per-visitor message limit. */
  sent?: number[];
}

/**
 * The hub's model: everything the hub knows in memory, in one place. Handlers (visitor and
 * operator sockets) change it through the functions in chats.ts and presence.ts; this class
 * holds the state and the ways to reach peers.
 */
export class Hub {
  readonly store: LowStore;
  readonly now: () => number;
  readonly visitorGraceMs: number;
  readonly operatorGraceMs: number;
  readonly visitTimeoutMs: number;
  readonly log: (line: string) => void;

  sites: SiteRecord[] = [];
  operators = new Map<string, OperatorRecord>();
  readonly operatorConns = new Map<string, Set<OperatorConn>>();
  readonly operatorGoneTimers = new Map<string, NodeJS.Timeout>();
  /** Other pending timers, cleared when the hub stops. */
  readonly timers = new Set<NodeJS.Timeout>();
  readonly visitors = new Map<string, LiveVisitor>();
  /** Chats that are waiting or active, plus any read since (history, op chats). */
  readonly chats = new Map<string, Low<ChatRecord>>();
  /** What visitors of each site were last told about operator availability. */
  private readonly announced = new Map<string, boolean>();

  constructor(readonly options: HubOptions) {
    this.store = new LowStore(options.dataDir, {journal: true});
    this.now = options.now ?? Date.now;
    this.visitorGraceMs = options.visitorGraceMs ?? 60_000;
    this.operatorGraceMs = options.operatorGraceMs ?? 60_000;
    this.visitTimeoutMs = options.visitTimeoutMs ?? 30 * 60_000;
    this.log = options.log ?? (() => {});
  }

  async load(): Promise<void> {
    await mkdir(this.store.dir, {recursive: true, mode: 0o700});
    this.unlock = await lockDataDir(this.store.dir);
    try {
      await this.store.open();
      await this.reloadAccounts();
      for (const name of ['blocks', 'canned', 'messages', 'status'] as const) await this.store.global(name);
      for (const id of await this.store.chatIds()) {
        const db = await this.store.chat(id);
        if (!db) continue;
        if (db.data.state !== 'ended') this.chats.set(id, db);
        else this.store.release(db);
      }
    } catch (error) {
      await this.unlock();
      throw error;
    }
    // The CLI edits operators and sites while the hub runs: pick changes up, and drop the
    // sockets of a removed operator or one whose token was reset at once.
    for (const name of ['operators', 'sites']) {
      watchFile(`${this.store.dir}/${name}.json`, {interval: 300}, () => {
        this.reloadAccounts().catch((error: unknown) => this.log(`reload failed: ${String(error)}`));
      });
    }
  }

  async reloadAccounts(): Promise<void> {
    const ops = (await this.store.global('operators', true)).data.operators;
    const sites = (await this.store.global('sites', true)).data.sites;
    const before = this.operators;
    this.operators = new Map(ops.map((o) => [o.name, o]));
    this.sites = sites;
    this.announceAvailability();
    for (const [name, old] of before) {
      const now = this.operators.get(name);
      if (!now || now.hash !== old.hash) {
        for (const conn of this.operatorConns.get(name) ?? []) conn.close(CloseCode.revoked, 'operator removed or token reset');
      }
    }
  }

  /** Releases the data folder's lock (after the store is closed). */
  unlock: () => Promise<void> = async () => {};

  /** Set once shutting down: sockets closing now are the hub's doing, not peers leaving. */
  stopped = false;

  stop(): void {
    this.stopped = true;
    for (const name of ['operators', 'sites']) unwatchFile(`${this.store.dir}/${name}.json`);
    for (const timer of this.operatorGoneTimers.values()) clearTimeout(timer);
    for (const timer of this.timers) clearTimeout(timer);
    for (const v of this.visitors.values()) clearTimeout(v.goneTimer);
  }

  findSite(host: string): SiteRecord | undefined {
    const h = host.toLowerCase();
    return this.sites.find((s) => s.domain === h || s.aliases.includes(h));
  }

  statusOf(name: string): OperatorStatus {
    return this.store.globalCache('status')?.data.status[name] ?? 'online';
  }

  isConnected(name: string): boolean {
    return (this.operatorConns.get(name)?.size ?? 0) > 0;
  }

  monitors(name: string, site: string): boolean {
    const sites = this.operators.get(name)?.sites ?? [];
    return sites.length === 0 || sites.includes(site);
  }

  /** Operators who would answer a request on this site right now. */
  onlineFor(site: string): string[] {
    return [...this.operatorConns.keys()].filter(
      (n) => this.isConnected(n) && this.statusOf(n) === 'online' && this.monitors(n, site),
    );
  }

  /** Tells the visitors of every site whose availability changed (someone on-line or nobody). */
  announceAvailability(): void {
    for (const site of this.sites) {
      const online = this.onlineFor(site.domain).length > 0;
      if (this.announced.get(site.domain) === online) continue;
      this.announced.set(site.domain, online);
      for (const live of this.visitors.values()) {
        if (live.site.domain === site.domain) for (const conn of live.conns) conn.send({t: 'online', online});
      }
    }
  }

  toOperator(name: string, frame: HubToOperator): void {
    for (const conn of this.operatorConns.get(name) ?? []) conn.send(frame);
  }

  /** Every connected operator who monitors `site` (all of them when site is undefined). */
  toOperators(frame: HubToOperator, site?: string, except?: string): void {
    for (const name of this.operatorConns.keys()) {
      if (name !== except && (site === undefined || this.monitors(name, site))) this.toOperator(name, frame);
    }
  }

  toVisitor(visitorId: string, frame: HubToVisitor): void {
    for (const conn of this.visitors.get(visitorId)?.conns ?? []) conn.send(frame);
  }

  async chat(id: string): Promise<Low<ChatRecord> | undefined> {
    const cached = this.chats.get(id);
    if (cached) return cached;
    const db = await this.store.chat(id).catch(() => undefined);
    const raced = this.chats.get(id);
    if (raced) return raced;
    // Ended chats are history: read, not kept in memory.
    if (db && db.data.state !== 'ended') this.chats.set(id, db);
    else if (db) this.store.release(db);
    return db;
  }

  operatorSummary(name: string): OperatorSummary {
    const op = this.operators.get(name);
    return {
      name,
      displayName: op?.displayName ?? name,
      status: this.statusOf(name),
      connected: this.isConnected(name),
    };
  }

  chatSummary(chat: ChatRecord): ChatSummary {
    const first = chat.events.find((e) => e.kind === 'msg');
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
      firstText: first?.text,
      lastSeq: chat.events.at(-1)?.seq ?? 0,
      preview: this.findSite(chat.site)?.preview,
    };
  }

  visitorSummary(live: LiveVisitor): VisitorSummary {
    const v = live.doc.data;
    const visit = v.visits.at(-1);
    return {
      id: v.id,
      site: v.site,
      name: v.name,
      email: v.email,
      ip: live.ip,
      location: visit?.location,
      browser: visit?.browser ?? 'unknown',
      os: visit?.os ?? 'unknown',
      referrer: visit?.referrer,
      page: visit?.pages.at(-1),
      pages: visit?.pages.length ?? 0,
      since: visit?.start ?? v.firstSeen,
      online: live.conns.size > 0,
      chatId: v.chatId,
    };
  }

  /** Adds a numbered event to a chat; resolves once it is on disk. */
  async append(db: Low<ChatRecord>, event: Omit<ChatEvent, 'seq' | 'at'>): Promise<ChatEvent> {
    if (event.kind === 'msg' && db.data.events.length >= MAX_EVENTS) {
      throw new HubError('chat_full', 'this chat is too long; please start a new one');
    }
    const e: ChatEvent = {...event, seq: (db.data.events.at(-1)?.seq ?? 0) + 1, at: this.now()};
    db.data.events.push(e);
    if (e.id) db.data.ids[e.id] = e.seq;
    try {
      await this.store.save(db);
    } catch (error) {
      // Not on disk: take it back so memory never holds what the sender was told failed.
      this.log(`could not store an event of chat ${db.data.id}: ${String(error)}`);
      db.data.events = db.data.events.filter((x) => x !== e);
      if (e.id) delete db.data.ids[e.id];
      throw new HubError('not_stored', 'the hub could not store that; send it again');
    }
    return e;
  }
}
