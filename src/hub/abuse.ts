import type {LimitName, SiteRecord} from '../store/types.js';
import {addressKey} from './address-key.js';
import {CloseCode, type Conn} from './conn.js';
import {HubError} from './errors.js';
import type {Hub} from './hub.js';
import {trimOldest} from '../lib/trim-oldest.js';

/*
 * What one address (or one visitor) may make the hub do, per site: every budget is counted per
 * site and address (an IPv6 address by its /64, see address-key.ts), so an abuser uses up only
 * their own share on one site and never another site's. A site may set its own numbers (`cac
 * sites set --limit NAME=N`). Going over is answered with an error frame; a socket that keeps
 * going over is closed.
 *
 * Budgets over time are counted by `hub.rates`: here, or, when several hubs serve a site, in
 * Redis for all of them (src/cluster/shared-limits.ts), so that an address spreading its attempts
 * over the hubs behind a load balancer gets no more than from one hub. What is open at once
 * (sockets per address) is counted here: it guards this hub's own sockets and files.
 */


export const DEFAULT_LIMITS: Record<LimitName, number> = {
  /** New visitor identities (first visits) from one address. */
  'identities-per-minute': 20,
  /** Chat requests from one address: each rings every operator. */
  'requests-per-minute': 6,
  /** Offline messages left from one address. */
  'messages-per-hour': 10,
  /** Offline messages a site keeps waiting at most. */
  'messages-kept': 1000,
  /** Page views of one visitor. */
  'pages-per-minute': 60,
  /** Visitor sockets open at once from one address. */
  'sockets-per-address': 100,
  /** Typing signals (with previews) passed to the operator per visitor; the latest is kept. */
  'typing-per-second': 3,
};

export function limitOf(site: SiteRecord, name: LimitName): number {
  return site.limits?.[name] ?? DEFAULT_LIMITS[name];
}

/** Refusals a socket may collect in a minute before it is closed. */
const REFUSALS_BEFORE_CLOSE = 10;
/** Keys counted at most; past that, those unused longest are let go (see Budgets.sweep). */
export const MAX_KEYS = 100_000;

/**
 * The hits of one key, oldest first (the hub's clock does not go back); those before `head` have
 * left the window. Dropping them by moving `head`, and copying the array only now and then, keeps
 * a take constant-time: copying the whole window every time made one address with thousands of
 * visitors cost time and garbage by the square of their number.
 */
interface Window {
  times: number[];
  head: number;
  /** How far back its hits count (the budget's window). */
  windowMs: number;
}

/** Where budgets over time are counted: `take` is Budgets.take, answered later. */
export interface Rates {
  take(key: string, limit: number, windowMs: number): Promise<boolean>;
}

/** The hub's own budgets as its Rates (one hub serving the site). */
export function localRates(budgets: Budgets): Rates {
  return {take: (key, limit, windowMs) => Promise.resolve(budgets.take(key, limit, windowMs))};
}

/** Sliding windows of hits per key, on the hub's clock. */
export class Budgets {
  private readonly hits = new Map<string, Window>();
  private readonly refusals = new WeakMap<object, number[]>();
  /** Visitor sockets open now per site and address. */
  readonly sockets = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  /** Takes one from `key`'s budget of `limit` per `windowMs`; false (and nothing taken) when spent. */
  take(key: string, limit: number, windowMs: number): boolean {
    const now = this.now();
    let window = this.hits.get(key);
    if (window) {
      // Last in the map's order: the keys unused longest come first, for sweep to let go.
      this.hits.delete(key);
    } else {
      if (this.hits.size >= MAX_KEYS) this.sweep(now);
      window = {times: [], head: 0, windowMs};
    }
    this.hits.set(key, window);
    const {times} = window;
    while (window.head < times.length && now - times[window.head]! >= windowMs) window.head++;
    if (window.head > 64 && window.head * 2 > times.length) {
      times.splice(0, window.head);
      window.head = 0;
    }
    if (times.length - window.head >= limit) return false;
    times.push(now);
    return true;
  }

  /** Counts a refusal on a socket; true when it has had too many and should be closed. */
  refused(conn: object): boolean {
    const now = this.now();
    const list = (this.refusals.get(conn) ?? []).filter((at) => now - at < 60_000);
    list.push(now);
    this.refusals.set(conn, list);
    return list.length > REFUSALS_BEFORE_CLOSE;
  }

  /**
   * Lets go of the keys whose hits have all left their window (they count nothing), then, while
   * more than nine in ten places are still taken, of the keys unused longest. Letting go of all
   * of them, as this once did, gave every address its whole budget back whenever a busy hour
   * (a key per visitor's page views) or an abuser with many addresses filled the table.
   */
  private sweep(now: number): void {
    for (const [key, w] of this.hits) if (w.times.length === w.head || now - w.times.at(-1)! >= w.windowMs) this.hits.delete(key);
    trimOldest(this.hits, MAX_KEYS * 0.9);
  }
}

const MINUTE = 60_000;

/** Throws `slow_down` when the address has spent this budget on this site. */
export async function spend(hub: Hub, site: SiteRecord, ip: string, name: 'identities-per-minute' | 'requests-per-minute' | 'messages-per-hour', what: string): Promise<void> {
  const window = name === 'messages-per-hour' ? 60 * MINUTE : MINUTE;
  if (!(await hub.rates.take(`${name}|${site.domain}|${addressKey(ip)}`, limitOf(site, name), window))) {
    throw new HubError('slow_down', `too many ${what} from your address: please wait a moment`);
  }
}

/** Whether one more page view of the visitor may be recorded this minute (spending it if so). */
export function mayViewPage(hub: Hub, site: SiteRecord, visitorId: string): Promise<boolean> {
  return hub.rates.take(`pages|${visitorId}`, limitOf(site, 'pages-per-minute'), MINUTE);
}

/** A page view counts against the visitor's own budget. */
export async function spendPage(hub: Hub, site: SiteRecord, visitorId: string): Promise<void> {
  if (!(await mayViewPage(hub, site, visitorId))) throw new HubError('slow_down', 'too many page views: please wait a moment');
}

/** Name and email changes of one visitor a minute: each is written and sent to every operator of its site. */
const IDENTIFY_PER_MINUTE = 10;

/** A change of name or email counts against the visitor's own budget. */
export async function spendIdentify(hub: Hub, visitorId: string): Promise<void> {
  if (!(await hub.rates.take(`identify|${visitorId}`, IDENTIFY_PER_MINUTE, MINUTE))) {
    throw new HubError('slow_down', 'too many changes of name or email: please wait a moment');
  }
}

/** Called for every refused frame: a socket that keeps being refused is closed. */
export function refusedFrame(hub: Hub, conn: Conn<never>): void {
  if (hub.budgets.refused(conn)) conn.close(CloseCode.flood, 'too many refused frames');
}

/** A visitor socket opened (true) or refused (false: the address has too many open on this site). */
export function openSocket(hub: Hub, site: SiteRecord, ip: string): boolean {
  const key = `${site.domain}|${addressKey(ip)}`;
  const open = hub.budgets.sockets.get(key) ?? 0;
  if (open >= limitOf(site, 'sockets-per-address')) return false;
  hub.budgets.sockets.set(key, open + 1);
  return true;
}

export function closeSocket(hub: Hub, site: SiteRecord, ip: string): void {
  const key = `${site.domain}|${addressKey(ip)}`;
  const open = (hub.budgets.sockets.get(key) ?? 1) - 1;
  if (open <= 0) hub.budgets.sockets.delete(key);
  else hub.budgets.sockets.set(key, open);
}
