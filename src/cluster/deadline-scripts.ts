import type {RedisLink} from './redis.js';

/** When each deadline is due, by name. */
export const DUE = 'cac:deadlines';
/** What each deadline is (JSON), by name: kept until its firing is done. */
export const DATA = 'cac:deadline-data';
/** Deadlines taken by a hub and not yet fired, by when that hub's lease on them runs out. */
export const TAKEN = 'cac:deadlines-taken';
/** Which taking holds each taken deadline: a hub's token, so a late word from an older one is ignored. */
export const OWNER = 'cac:deadline-owner';

const KEYS = [DUE, DATA, TAKEN, OWNER] as const;

// Every script gets the four keys above, in that order, and the deadline's name first in ARGV.

// Taken only if due by now (it may have been set again for later since it was listed): from due
// to taken, under this taking's token. Answers its due time and what it is.
const TAKE = `local due = redis.call('zscore', KEYS[1], ARGV[1])
if not due or tonumber(due) > tonumber(ARGV[2]) then return false end
redis.call('zrem', KEYS[1], ARGV[1])
redis.call('zadd', KEYS[3], ARGV[3], ARGV[1])
redis.call('hset', KEYS[4], ARGV[1], ARGV[4])
return {due, redis.call('hget', KEYS[2], ARGV[1]) or ''}`;

const OWNED = `if redis.call('hget', KEYS[4], ARGV[1]) ~= ARGV[2] then return 0 end`;

// Due again at ARGV[3] unless it was cancelled (what it is, gone) or set again meanwhile.
const UNTAKE = `redis.call('zrem', KEYS[3], ARGV[1])
redis.call('hdel', KEYS[4], ARGV[1])
if redis.call('hexists', KEYS[2], ARGV[1]) == 0 or redis.call('zscore', KEYS[1], ARGV[1]) then return 0 end
redis.call('zadd', KEYS[1], ARGV[3], ARGV[1])
return 1`;

// The firing is done: what it is goes too, unless it was set again meanwhile (due, for a new grace).
const DONE = `${OWNED}
redis.call('zrem', KEYS[3], ARGV[1])
redis.call('hdel', KEYS[4], ARGV[1])
if not redis.call('zscore', KEYS[1], ARGV[1]) then redis.call('hdel', KEYS[2], ARGV[1]) end
return 1`;

// Still firing: the lease runs on.
const RENEW = `${OWNED}
redis.call('zadd', KEYS[3], 'XX', ARGV[3], ARGV[1])
return 1`;

// The firing failed (or its hub is stopping): due again at ARGV[3].
const GIVE_BACK = `${OWNED}
${UNTAKE}`;

// A lease run out by ARGV[2] (its hub died): due again at ARGV[3], that same time.
const EXPIRE = `local lease = redis.call('zscore', KEYS[3], ARGV[1])
if not lease or tonumber(lease) > tonumber(ARGV[2]) then return 0 end
${UNTAKE}`;

// Set again by the hub that set it, after Redis came back: unless a hub is firing it now (this
// hub missed its word, while Redis kept its data), when it is left to that firing.
const RESTORE = `if redis.call('zscore', KEYS[3], ARGV[1]) then return 0 end
redis.call('hset', KEYS[2], ARGV[1], ARGV[3])
redis.call('zadd', KEYS[1], ARGV[2], ARGV[1])
return 1`;

/** The steps of a deadline's life in Redis, each one atomic. */
export class DeadlineScripts {
  constructor(private readonly redis: RedisLink) {}

  private run(script: string, ...args: Array<string | number>): Promise<unknown> {
    return this.redis.cmd.eval(script, KEYS.length, ...KEYS, ...args);
  }

  /** Takes a deadline due by `now`, leased until `until`; undefined when another hub took it, or it is not due. */
  async take(key: string, now: number, until: number, token: string): Promise<{due: number; raw: string} | undefined> {
    const answer = (await this.run(TAKE, key, now, until, token)) as [string, string] | null;
    return answer ? {due: Number(answer[0]), raw: answer[1]} : undefined;
  }

  async done(key: string, token: string): Promise<void> {
    await this.run(DONE, key, token);
  }

  /** Nothing happens when this taking no longer holds it (a lease that ran out, a cancel). */
  async renew(key: string, token: string, until: number): Promise<void> {
    await this.run(RENEW, key, token, until);
  }

  async giveBack(key: string, token: string, dueAt: number): Promise<void> {
    await this.run(GIVE_BACK, key, token, dueAt);
  }

  async restore(key: string, at: number, raw: string): Promise<void> {
    await this.run(RESTORE, key, at, raw);
  }

  /** True when the lease had run out and the deadline is due again. */
  async expire(key: string, now: number): Promise<boolean> {
    return (await this.run(EXPIRE, key, now, now)) === 1;
  }
}
