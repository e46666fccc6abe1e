import {mkdir} from 'node:fs/promises';
import {EmbeddedStore} from '../store/embedded-store.js';
import type {NewFeedEntry} from '../store/feed.js';
import {lockDataDir} from '../store/lock.js';
import {Budgets, localRates, type Rates} from './abuse.js';
import {AuthLimits, type AuthGuard} from './auth-limits.js';
import {credentialOf} from './operator-auth.js';
import {NotStoredError, type Store} from '../store/store.js';
import type {GlobalName, Globals} from '../store/types.js';
import type {Deadline} from '../protocol/cluster.js';
import type {FeedEntry, VisitorSummary} from '../protocol/index.js';
import {CloseCode} from './conn.js';
import {HubError} from './errors.js';
import {Followers, type FollowerLimits} from './followers.js';
import {openLocate, type Locate} from './geoip.js';
import {fireDeadline} from './deadline-fire.js';
import {LocalDeadlines, type DeadlineBoard} from './deadlines.js';
import {ChatModel} from './model.js';
import {Sessions} from './sessions.js';
import {realTimers, type Timers} from '../lib/timers.js';
import {within} from '../lib/within.js';

export type {LiveVisitor, OperatorConn, VisitorConn} from './sessions.js';

/** What the hub asks of the other hubs it shares a store with (see src/cluster/). */
export interface ClusterView {
  id: string;
  /** Visitors served by other hubs, as they last said, for the operators' lists here. */
  remoteVisitors(): VisitorSummary[];
  /** Whether the visitor has a socket on another hub now. */
  visitorElsewhere(id: string): Promise<boolean>;
  /** False for a few seconds after Redis came back empty: not every hub has said whom it holds. */
  presenceSettled(): Promise<boolean>;
  /** A visitor's socket opened here: other hubs let go of their copy. */
  visitorHere(id: string): void;
  /** A visitor's last socket here closed (its grace period is on the shared deadlines). */
  visitorDropped(id: string): void;
  health(): 'ok' | 'down';
  stop(): Promise<void>;
}

export interface HubOptions {
  dataDir: string;
  /** Another store than the data folder (tests run on memory); no folder is locked then. */
  store?: Store;
  /** Injectable clock and timers, so tests can cross a local midnight or a grace period at once. */
  now?: () => number;
  timers?: Timers;
  /** How long a visitor may be without a socket (navigating, reconnecting) before it has left. */
  visitorGraceMs?: number;
  /** How long an operator may be without a socket before its chats go back to waiting. */
  operatorGraceMs?: number;
  /** Inactivity after which the next page view starts a new visit. */
  visitTimeoutMs?: number;
  /** Followers of the feed: how much one may leave unread before it is closed as too slow, and
   * how many live entries are kept for one still catching up (past that, it reads the store). */
  followerLimits?: FollowerLimits;
  /** An MMDB file to locate visitors with (default: the country database shipped), or false. */
  geoip?: string | false;
  /** Ended chats and visits older than this many days are removed (a site's own setting wins). */
  retainDays?: number;
  log?: (line: string) => void;
}

/**
 * The hub's parts in one place: the store, the chat model, the sessions it drives, and the
 * clock and timers everything runs on. Socket handlers and actions receive this.
 */
export class Hub {
  readonly store: Store;
  readonly chats: ChatModel;
  readonly sessions: Sessions;
  /** Who follows the feed live (`/ws/events`). */
  readonly followers: Followers;
  readonly now: () => number;
  readonly timers: Timers;
  readonly visitorGraceMs: number;
  readonly operatorGraceMs: number;
  readonly visitTimeoutMs: number;
  readonly log: (line: string) => void;
  /** Failed sign-ins (shared between hubs when several share a store). */
  authLimits: AuthGuard;
  readonly budgets: Budgets;
  /** Budgets over time (shared between hubs when several share a store). */
  rates: Rates;
  /** Grace periods and offer deadlines (shared between hubs when several share a store). */
  deadlines: DeadlineBoard;
  /** Other pending timers, cleared when the hub stops. */
  readonly pending = new Set<unknown>();
  /** Set once shutting down: sockets closing now are the hub's doing, not peers leaving. */
  stopped = false;
  /** The other hubs sharing the store, when there are (`--redis`). */
  cluster?: ClusterView;
  /** What becomes of an entry of the feed once durable (with several hubs: see src/cluster/). */
  onFeed: (entry: FeedEntry) => void = (entry) => this.followers.publish(entry);
  /** Where an address is (nothing without a location database). */
  locate: Locate = () => undefined;
  /** Set while the location database is opening: a visit recorded meanwhile waits for it. */
  locating: Promise<void> | undefined;
  /** Lets the location database's file go, at stop. */
  private closeLocate = () => {};
  /** The global records the hub consults on every request, read at start (the store's copies). */
  globals: Pick<Globals, 'blocks' | 'canned' | 'messages' | 'status'> = {
    blocks: {blocks: []},
    canned: {canned: []},
    messages: {messages: []},
    status: {status: {}},
  };

  constructor(readonly options: HubOptions) {
    this.log = options.log ?? (() => {});
    this.store = options.store ?? new EmbeddedStore(options.dataDir, {journal: true, log: (line) => this.log(`store: ${line}`)});
    this.now = options.now ?? Date.now;
    this.timers = options.timers ?? realTimers;
    this.visitorGraceMs = options.visitorGraceMs ?? 60_000;
    this.operatorGraceMs = options.operatorGraceMs ?? 60_000;
    this.visitTimeoutMs = options.visitTimeoutMs ?? 30 * 60_000;
    this.chats = new ChatModel(this.store, this.now, this.log);
    this.sessions = new Sessions(() => this.globals.status.status);
    this.authLimits = new AuthLimits(this.now, this.log);
    this.budgets = new Budgets(this.now);
    this.rates = localRates(this.budgets);
    this.followers = new Followers(this, options.followerLimits);
    // Said in the log when it fails, and tried again (see LocalDeadlines).
    this.deadlines = new LocalDeadlines(this, (d) => this.fireDeadline(d));
    this.store.onFeed((entry) => this.onFeed(entry));
  }

  /**
   * Stores a feed entry about something the store keeps nowhere else (a visitor leaving, an
   * invitation); refused with `not_stored` when it cannot be made durable.
   */
  async record(entry: NewFeedEntry): Promise<void> {
    try {
      await this.store.appendFeed(entry);
    } catch (error) {
      if (!(error instanceof NotStoredError)) throw error;
      this.log(`could not store a ${entry.type} entry: ${error.message}`);
      throw new HubError('not_stored', 'the hub could not store that; send it again');
    }
  }

  /** As `record`, for what nobody waits on: a failure is only logged. */
  note(entry: NewFeedEntry): void {
    this.record(entry).catch((error: unknown) => {
      if (!(error instanceof HubError)) this.log(`feed: ${String(error)}`);
    });
  }

  /** Whether the store and Redis (with several hubs) answer: what /healthz reports. */
  async health(): Promise<{ok: boolean; store: 'ok' | 'down'; redis?: 'ok' | 'down'}> {
    const store = await within(this.store.ping?.() ?? Promise.resolve(), 2000, () => new Error('no answer')).then(
      () => 'ok' as const,
      () => 'down' as const,
    );
    const redis = this.cluster?.health();
    return {ok: store === 'ok' && redis !== 'down', store, ...(redis && {redis})};
  }

  /** Whether this hub owns a data folder (and its lock), rather than a store it was handed. */
  get ownsFolder(): boolean {
    return this.options.store === undefined;
  }

  async load(): Promise<void> {
    if (this.ownsFolder) {
      await mkdir(this.options.dataDir, {recursive: true, mode: 0o700});
      this.unlock = await lockDataDir(this.options.dataDir);
    }
    try {
      await this.store.open();
      await this.reloadAccounts();
      this.globals = {
        blocks: await this.store.global('blocks'),
        canned: await this.store.global('canned'),
        messages: await this.store.global('messages'),
        status: await this.store.global('status'),
      };
      await this.chats.load();
      // In the background, as serving does not need it: opening it was a fifth of the start.
      // Every visit is still located: recordPage waits for `locating`.
      if (this.options.geoip !== false) {
        this.locating = openLocate(this.options.geoip, {now: this.now, log: this.log}).then(
          (locator) => {
            if (this.stopped) return locator.close();
            this.locate = locator.locate;
            this.closeLocate = locator.close;
          },
          (error: unknown) => this.log(`location database not loaded: ${String(error)}`),
        ).finally(() => (this.locating = undefined));
      }
    } catch (error) {
      await this.unlock();
      throw error;
    }
  }

  async reloadAccounts(): Promise<void> {
    const ops = (await this.store.global('operators', true)).operators;
    const sites = (await this.store.global('sites', true)).sites;
    const s = this.sessions;
    const before = s.operators;
    s.setOperators(ops);
    s.sites = sites;
    // Visitors on-line hold their site's record (its preview setting, its limits): they take the
    // new one now, not at their next connect; those of a site removed are let go.
    const byDomain = new Map(sites.map((x) => [x.domain, x]));
    for (const live of s.visitors.values()) {
      const site = byDomain.get(live.site.domain);
      if (site) live.site = site;
      for (const conn of live.conns) {
        if (site) conn.site = site;
        else conn.close(CloseCode.revoked, 'site removed');
      }
    }
    s.announceAvailability();
    // Every socket whose credentials no longer hold closes, whether it said hello or not.
    for (const conn of s.allOperatorConns) {
      const now = s.operators.get(conn.operator);
      if (!now || credentialOf(now) !== conn.credential) conn.close(CloseCode.revoked, 'operator removed, token reset or sites changed');
    }
    // A follower of the feed sees what its operator may see: changed credentials, a new start.
    for (const [name, old] of before) {
      const now = s.operators.get(name);
      if (!now || credentialOf(now) !== credentialOf(old)) this.followers.revoke(name);
    }
  }

  /** Stores a global record; other hubs sharing the store are told to read it again. */
  async putGlobal<K extends GlobalName>(name: K, value: Globals[K]): Promise<void> {
    await this.store.putGlobal(name, value);
    this.sessions.relay?.({t: 'reload', what: name === 'operators' || name === 'sites' ? 'accounts' : name});
  }

  /** Stores an older token's fast hash after its first use, so it is never scrypt-checked again. */
  async upgradeToken(name: string, tokenHash: string): Promise<void> {
    const db = await this.store.global('operators', true);
    const op = db.operators.find((o) => o.name === name);
    if (!op || op.tokenId || !op.hash) return;
    op.tokenHash = tokenHash;
    delete op.hash;
    // Not announced to other hubs: their sockets of this operator opened with the old form.
    await this.store.putGlobal('operators', db);
    this.sessions.setOperators(db.operators);
  }

  /** Resolves once the deadline's work is done; rejects when it failed or this hub is stopping. */
  fireDeadline(d: Deadline): Promise<void> {
    if (this.stopped) return Promise.reject(new Error('the hub is stopping'));
    return fireDeadline(this, d);
  }

  /** Runs `fn` after `ms` unless the hub stops first. */
  later(ms: number, fn: () => void): unknown {
    const handle = this.timers.setTimeout(() => {
      this.pending.delete(handle);
      fn();
    }, ms);
    this.pending.add(handle);
    return handle;
  }

  cancel(handle: unknown): void {
    if (handle === undefined) return;
    this.timers.clearTimeout(handle);
    this.pending.delete(handle);
  }

  /** Releases the data folder's lock (after the store is closed). */
  unlock: () => Promise<void> = async () => {};

  stop(): void {
    this.stopped = true;
    for (const handle of this.pending) this.timers.clearTimeout(handle);
    this.pending.clear();
    this.closeLocate();
  }
}
