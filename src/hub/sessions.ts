import type {
  ChatEvent,
  HubToOperator,
  HubToVisitor,
  OperatorStatus,
  OperatorSummary,
  PageView,
  VisitorSummary,
} from '../protocol/index.js';
import type {ClusterOut} from '../protocol/cluster.js';
import type {ChatRecord, OperatorRecord, SiteRecord, VisitStart, VisitorRecord} from '../store/types.js';
import {siteNamed} from '../lib/site-named.js';
import type {Conn} from './conn.js';

export type VisitorConn = Conn<HubToVisitor> & {visitorId?: string; site?: SiteRecord};
/** An operator's socket, and the credentials it was opened with (see credentialOf). */
export type OperatorConn = Conn<HubToOperator> & {operator: string; credential: string};

/** The visit going on now, as much of it as the lists need (its pages are in the store). */
export interface CurrentVisit {
  start: VisitStart;
  pages: number;
  last?: PageView;
  end: number;
}

/**
 * Frames that change nothing in the visitor and chat lists every operator is sent alike (an
 * operator's status, canned texts, answers to one operator): they leave the view version as it
 * is. Every sign-in tells the others its operator is on-line; that must not make the lists anew.
 */
const OUTSIDE_LISTS = new Set<HubToOperator['t']>([
  'operator.update',
  'canned.list',
  'typing',
  'ack',
  'synced',
  'pong',
  'visitor.details',
  'visitor.visits',
  'visitor.chats',
  'offline.message',
  'message.done',
  'invite.result',
  'chat.export',
]);

/** A visitor with a socket now, or one that dropped less than a grace period ago. */
export interface LiveVisitor {
  record: VisitorRecord;
  site: SiteRecord;
  visit?: CurrentVisit;
  conns: Set<VisitorConn>;
  ip: string;
  userAgent: string;
  /** When this visitor's recent messages were sent, for the per-visitor message limit. */
  sent?: number[];
  /** An invitation waiting for an answer, and the visit in which one was last made. */
  invite?: {by: string; text: string};
  invitedVisit?: string;
}

/**
 * Who is connected and how to reach them: operator and visitor sockets, the accounts they act
 * under, and who is on-line for which site. The chat model decides what happens; this delivers.
 */
export class Sessions {
  sites: SiteRecord[] = [];
  operators = new Map<string, OperatorRecord>();
  /** Sockets of operators that said hello, by operator. */
  readonly operatorConns = new Map<string, Set<OperatorConn>>();
  /** Every operator socket from its upgrade on, greeted or not: revocation closes them all. */
  readonly allOperatorConns = new Set<OperatorConn>();
  private tokenIds = new Map<string, OperatorRecord>();
  readonly visitors = new Map<string, LiveVisitor>();
  /** What visitors of each site were last told about operator availability. */
  private readonly announced = new Map<string, boolean>();
  /** Operators with a socket on another hub (several hubs sharing a store), kept by the cluster. */
  remoteOperators = new Set<string>();
  /**
   * Moves on with every frame to operators that can change the lists (see OUTSIDE_LISTS): what
   * an operator's lists show changes only with one, so a snapshot made at one version holds for
   * every operator signing in at the same version.
   */
  viewVersion = 0;
  /** Sends a frame on to the other hubs (several hubs sharing a store), for their sockets. */
  relay?: (message: ClusterOut) => void;
  /**
   * Set when events reach the sockets here through the cluster's sequencer (several hubs, whose
   * events must interleave in seq order) rather than through the calls to `fanOut`.
   */
  ordered = false;
  /** Called when an operator's first socket here opens or its last one closes. */
  onLocalOperators?: () => void;

  constructor(private readonly statuses: () => Record<string, OperatorStatus>) {}

  /** Replaces the accounts (at start, and after any change to them). */
  setOperators(ops: OperatorRecord[]): void {
    this.viewVersion++;
    this.operators = new Map(ops.map((o) => [o.name, o]));
    this.tokenIds = new Map(ops.filter((o) => o.tokenId).map((o) => [o.tokenId!, o]));
  }

  byTokenId(id: string): OperatorRecord | undefined {
    return this.tokenIds.get(id);
  }

  findSite(host: string): SiteRecord | undefined {
    const h = host.toLowerCase();
    return siteNamed(this.sites, h);
  }

  statusOf(name: string): OperatorStatus {
    return this.statuses()[name] ?? 'online';
  }

  displayName(name: string): string {
    return this.operators.get(name)?.displayName ?? name;
  }

  isConnected(name: string): boolean {
    return (this.operatorConns.get(name)?.size ?? 0) > 0 || this.remoteOperators.has(name);
  }

  /** Operators with a socket on this hub or another. */
  connectedOperators(): string[] {
    return [...new Set([...this.operatorConns.keys(), ...this.remoteOperators])].filter((n) => this.isConnected(n));
  }

  monitors(name: string, site: string): boolean {
    // No sites means every site, for an account; an operator removed has none and watches nothing.
    const op = this.operators.get(name);
    if (!op) return false;
    return op.sites.length === 0 || op.sites.includes(site);
  }

  /** Operators who would answer a request on this site right now. */
  onlineFor(site: string): string[] {
    return this.connectedOperators().filter((n) => this.answers(n, site));
  }

  /**
   * Whether anyone would answer on this site right now: asked for every visitor's hello, so it
   * stops at the first operator who would, with no lists made.
   */
  anyOnlineFor(site: string): boolean {
    for (const n of this.operatorConns.keys()) if (this.isConnected(n) && this.answers(n, site)) return true;
    for (const n of this.remoteOperators) if (this.answers(n, site)) return true;
    return false;
  }

  private answers(name: string, site: string): boolean {
    return this.statusOf(name) === 'online' && this.monitors(name, site);
  }

  /** Tells the visitors of every site whose availability changed (someone on-line or nobody). */
  announceAvailability(): void {
    const changed = new Map<string, boolean>();
    for (const site of this.sites) {
      const online = this.anyOnlineFor(site.domain);
      if (this.announced.get(site.domain) === online) continue;
      this.announced.set(site.domain, online);
      changed.set(site.domain, online);
    }
    if (changed.size === 0) return;
    for (const live of this.visitors.values()) {
      const online = changed.get(live.site.domain);
      if (online !== undefined) for (const conn of live.conns) conn.send({t: 'online', online});
    }
  }

  /** To an operator's sockets here, and through the other hubs to theirs there. */
  toOperator(name: string, frame: HubToOperator): void {
    this.deliverToOperator(name, frame);
    if (this.relay && this.remoteOperators.has(name)) this.relay({t: 'op', name, frame});
  }

  /** Every connected operator who monitors `site` (all of them when site is undefined). */
  toOperators(frame: HubToOperator, site?: string, except?: string): void {
    this.deliverToOperators(frame, site, except);
    this.relay?.({t: 'ops', site, except, frame});
  }

  toVisitor(visitorId: string, frame: HubToVisitor): void {
    this.deliverToVisitor(visitorId, frame);
    this.relay?.({t: 'visitor', id: visitorId, frame});
  }

  /** To the sockets of this hub only (what another hub relays arrives here). */
  deliverToOperator(name: string, frame: HubToOperator, text?: string): void {
    if (!OUTSIDE_LISTS.has(frame.t)) this.viewVersion++;
    const conns = this.operatorConns.get(name);
    if (!conns || conns.size === 0) return;
    text ??= JSON.stringify(frame);
    for (const conn of conns) conn.send(frame, text);
  }

  deliverToOperators(frame: HubToOperator, site?: string, except?: string): void {
    if (!OUTSIDE_LISTS.has(frame.t)) this.viewVersion++;
    // Serialised once, however many operators get it.
    const text = JSON.stringify(frame);
    for (const name of this.operatorConns.keys()) {
      if (name !== except && (site === undefined || this.monitors(name, site))) this.deliverToOperator(name, frame, text);
    }
  }

  deliverToVisitor(visitorId: string, frame: HubToVisitor, text?: string): void {
    const conns = this.visitors.get(visitorId)?.conns;
    if (!conns || conns.size === 0) return;
    text ??= JSON.stringify(frame);
    for (const conn of conns) conn.send(frame, text);
  }

  /**
   * Sends a stored event to everyone here who follows the chat live: the visitor's tabs and the
   * owner. With several hubs, every stored event goes out through the sequencer instead.
   */
  fanOut(chat: ChatRecord, e: ChatEvent): void {
    if (!this.ordered) this.deliverEvent(chat, e);
  }

  /** As `fanOut`, to the sockets of this hub, now. */
  deliverEvent(chat: ChatRecord, e: ChatEvent): void {
    // One frame for every side of the chat, serialised once (and so made bytes once: see Conn).
    const frame = {t: 'ev', chatId: chat.id, e} as const;
    const text = JSON.stringify(frame);
    if (chat.kind === 'op') {
      for (const member of chat.members ?? []) this.deliverToOperator(member, frame, text);
      return;
    }
    if (chat.owner) this.deliverToOperator(chat.owner, frame, text);
    if (chat.visitorId && !e.priv) this.deliverToVisitor(chat.visitorId, frame, text);
  }

  operatorSummary(name: string): OperatorSummary {
    return {name, displayName: this.displayName(name), status: this.statusOf(name), connected: this.isConnected(name)};
  }

  visitorSummary(live: LiveVisitor): VisitorSummary {
    const v = live.record;
    const visit = live.visit;
    return {
      id: v.id,
      site: v.site,
      name: v.name,
      email: v.email,
      ip: live.ip,
      location: visit?.start.location,
      browser: visit?.start.browser ?? 'unknown',
      os: visit?.start.os ?? 'unknown',
      referrer: visit?.start.referrer,
      page: visit?.last,
      pages: visit?.pages ?? 0,
      since: visit?.start.start ?? v.firstSeen,
      online: live.conns.size > 0,
      chatId: v.chatId,
      chatsBefore: v.chats.length - (v.chatId ? 1 : 0),
    };
  }
}
