import type {Budgets, Rates} from '../hub/abuse.js';
import {AUTH_RULES, type AuthGuard} from '../hub/auth-limits.js';
import type {RedisLink} from './redis.js';
import {within} from '../lib/within.js';

/*
 * The limits on what one address may do, counted in Redis for every hub serving the site: behind
 * a load balancer an address's hellos, chat requests and sign-in guesses land on any hub, and
 * counted per hub each would let it do as much again. Each count is one Lua script, run whole
 * by Redis, with the same rule as the hub's own count (src/hub/abuse.ts, auth-limits.ts).
 *
 * Redis out of reach (or slow to answer) leaves the hub's own counts in charge, which every
 * answer from Redis keeps up to date as well: a hub alone still limits what reaches it.
 *
 * Times are each hub's own clock (hubs keep theirs in step, as servers do): a skew of a few
 * milliseconds between hubs moves a window of a second or a minute by as much.
 */

/** How long an answer may take before the hub's own count decides. */
const ANSWER_MS = 1000;
/** After a failure, Redis is asked again only this often (every other count is the hub's own). */
const RETRY_MS = 5000;

/** A sliding window as a sorted set of hits by time, holding `limit` hits at most. */
const TAKE = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], window)
return 1`;

/** A failed sign-in: past BURST in WINDOW, the key is refused for a while that doubles each time. */
const FAIL = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
redis.call('ZADD', KEYS[2], now, ARGV[6])
if redis.call('ZCARD', KEYS[2]) > tonumber(ARGV[3]) then
  local strikes = tonumber(redis.call('HGET', KEYS[1], 'strikes') or '0')
  local blocked = math.min(tonumber(ARGV[4]), window * 2 ^ strikes)
  redis.call('HSET', KEYS[1], 'until', string.format('%d', now + blocked), 'strikes', strikes + 1)
  redis.call('DEL', KEYS[2])
end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('PEXPIRE', KEYS[2], window)
return 1`;

/**
 * Asks Redis when it is up, within ANSWER_MS; undefined (the hub's own count decides) otherwise.
 * Once an answer failed or came late, Redis is asked once per RETRY_MS until it answers again, so
 * a stalled Redis costs one request that wait, not every request. A hub has one, for all its
 * counts: they share its link to Redis.
 */
export class LimitAsker {
  private failedAt: number | undefined;
  private hits = 0;

  constructor(
    readonly redis: RedisLink,
    readonly now: () => number,
    private readonly hubId: string,
    private readonly log: (line: string) => void,
  ) {}

  /** A name for one hit, unique among every hub's. */
  hit(): string {
    return `${this.hubId}:${++this.hits}`;
  }

  async ask<T>(run: () => Promise<T>): Promise<T | undefined> {
    if (!this.redis.up()) return undefined;
    if (this.failedAt !== undefined) {
      if (this.now() - this.failedAt < RETRY_MS) return undefined;
      this.failedAt = this.now();
    }
    try {
      const answer = await within(run(), ANSWER_MS, () => new Error(`no answer in ${ANSWER_MS} ms`));
      if (this.failedAt !== undefined) {
        this.failedAt = undefined;
        this.log('limits: counted in redis again');
      }
      return answer;
    } catch (error) {
      this.failed(error);
      return undefined;
    }
  }

  private failed(error: unknown): void {
    const first = this.failedAt === undefined;
    this.failedAt = this.now();
    if (first) this.log(`limits: counted on this hub alone for now (${error instanceof Error ? error.message : String(error)})`);
  }
}

/** Budgets over time shared by every hub (a hit taken here is also counted in `local`). */
export class SharedRates implements Rates {
  constructor(
    private readonly asker: LimitAsker,
    private readonly local: Budgets,
  ) {}

  async take(key: string, limit: number, windowMs: number): Promise<boolean> {
    const now = this.asker.now();
    const taken = await this.asker.ask(() => this.asker.redis.cmd.eval(TAKE, 1, `cac:rate:${encodeURIComponent(key)}`, now, windowMs, limit, this.asker.hit()));
    if (taken === undefined) return this.local.take(key, limit, windowMs);
    if (taken === 1) this.local.take(key, limit, windowMs);
    return taken === 1;
  }
}

/*
 * A key's Redis names. The operator name comes from a request header: encoded, and the two kinds
 * under prefixes of their own, no name can stand for another key (`alice:recent`, say).
 */
const stateKey = (key: string) => `cac:auth:${encodeURIComponent(key)}`;
const recentKey = (key: string) => `cac:auth-recent:${encodeURIComponent(key)}`;

/** Failed sign-ins counted by every hub; each hub also keeps (and logs) its own. */
export class SharedAuthLimits implements AuthGuard {
  constructor(
    private readonly asker: LimitAsker,
    private readonly local: AuthGuard,
  ) {}

  async blockedFor(key: string): Promise<number> {
    // Refused here already: no need to ask (and no window, while asking, for more attempts).
    const here = await this.local.blockedFor(key);
    if (here > 0) return here;
    const until = await this.asker.ask(() => this.asker.redis.cmd.hget(stateKey(key), 'until'));
    return until ? Math.max(0, Number(until) - this.asker.now()) : 0;
  }

  async failed(ip: string, name: string): Promise<void> {
    await this.local.failed(ip, name);
    const {BURST, WINDOW_MS, MAX_BLOCK_MS, FORGET_MS} = AUTH_RULES;
    const now = this.asker.now();
    const keys = name ? [`ip:${ip}`, `op:${name}`] : [`ip:${ip}`];
    await Promise.all(keys.map((key) => this.asker.ask(() => this.asker.redis.cmd.eval(FAIL, 2, stateKey(key), recentKey(key), now, WINDOW_MS, BURST, MAX_BLOCK_MS, FORGET_MS, this.asker.hit()))));
  }

  async succeeded(ip: string): Promise<void> {
    await this.local.succeeded(ip);
    await this.asker.ask(() => this.asker.redis.cmd.del(stateKey(`ip:${ip}`), recentKey(`ip:${ip}`)));
  }
}
