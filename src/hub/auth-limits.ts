import {trimOldest} from '../lib/trim-oldest.js';

/*
 * Failed logins, counted per address and per operator name. A few a second are let through
 * (a typo, a client retrying); past that the key is refused outright for a while that doubles
 * with each further burst (up to five minutes), so guessing costs the hub nothing but a map
 * lookup. Quiet keys are forgotten after ten minutes.
 */

const BURST = 3;
const WINDOW_MS = 1000;
const MAX_BLOCK_MS = 5 * 60_000;
const FORGET_MS = 10 * 60_000;
const MAX_KEYS = 100_000;

interface KeyState {
  recent: number[];
  until: number;
  strikes: number;
  last: number;
}

export const AUTH_RULES = {BURST, WINDOW_MS, MAX_BLOCK_MS, FORGET_MS};

/**
 * What the operator sign-in asks of the failed-login counts. With several hubs serving a site
 * they are shared (src/cluster/shared-limits.ts), answered later.
 */
export interface AuthGuard {
  /** How long `key` (`ip:ADDRESS` or `op:NAME`) is refused for, in ms (0: not refused). */
  blockedFor(key: string): number | Promise<number>;
  /** A failed attempt from `ip` naming `name`; counted once it resolves. */
  failed(ip: string, name: string): void | Promise<void>;
  /** A success clears what the address had against it (not waited for: the sign-in goes on at once). */
  succeeded(ip: string): void | Promise<void>;
}

export class AuthLimits implements AuthGuard {
  private readonly keys = new Map<string, KeyState>();
  /** Failures per address since its last log line, and when that was. */
  private readonly logged = new Map<string, {at: number; count: number; names: Set<string>}>();

  constructor(
    private readonly now: () => number,
    private readonly log: (line: string) => void,
  ) {}

  /** How long `key` is refused for, in ms (0: not refused). */
  blockedFor(key: string): number {
    const s = this.keys.get(key);
    return s ? Math.max(0, s.until - this.now()) : 0;
  }

  /** A failed attempt from `ip` naming `name`. */
  failed(ip: string, name: string): void {
    this.count(`ip:${ip}`);
    if (name) this.count(`op:${name}`);
    this.report(ip, name);
  }

  /** A success clears what the address had against it. */
  succeeded(ip: string): void {
    this.keys.delete(`ip:${ip}`);
  }

  private count(key: string): void {
    const now = this.now();
    let s = this.keys.get(key);
    // Last in the map's order (set again below): the keys unused longest come first, for sweep.
    if (s) this.keys.delete(key);
    if (!s || now - s.last > FORGET_MS) {
      if (this.keys.size >= MAX_KEYS) this.sweep(now);
      s = {recent: [], until: 0, strikes: 0, last: now};
    }
    this.keys.set(key, s);
    s.last = now;
    s.recent = s.recent.filter((at) => now - at < WINDOW_MS);
    s.recent.push(now);
    if (s.recent.length > BURST) {
      s.until = now + Math.min(MAX_BLOCK_MS, WINDOW_MS * 2 ** s.strikes);
      s.strikes += 1;
      s.recent = [];
    }
  }

  /**
   * Lets go of the keys forgotten, then of those unused longest until a tenth of the places are
   * free: freeing one place at a time made every new address past the limit walk all of them.
   */
  private sweep(now: number): void {
    for (const [key, s] of this.keys) if (now - s.last > FORGET_MS) this.keys.delete(key);
    trimOldest(this.keys, MAX_KEYS * 0.9);
  }

  /** One log line per address per minute, however many attempts it makes. */
  private report(ip: string, name: string): void {
    const now = this.now();
    let entry = this.logged.get(ip);
    if (!entry) {
      if (this.logged.size >= MAX_KEYS) this.logged.clear();
      entry = {at: 0, count: 0, names: new Set()};
      this.logged.set(ip, entry);
    }
    entry.count += 1;
    if (name && entry.names.size < 5) entry.names.add(name);
    if (now - entry.at < 60_000) return;
    this.log(`auth: ${entry.count} failed operator login(s) from ${ip || 'unknown address'} (operators named: ${[...entry.names].join(', ') || 'none'})`);
    entry.at = now;
    entry.count = 0;
    entry.names.clear();
  }
}
