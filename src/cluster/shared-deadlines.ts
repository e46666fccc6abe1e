import {deadline as deadlineSchema, deadlineKey, type Deadline, type DeadlineRef} from '../protocol/cluster.js';
import type {DeadlineBoard} from '../hub/deadlines.js';
import type {RedisLink} from './redis.js';

const DUE = 'cac:deadlines';
const DATA = 'cac:deadline-data';
/** Deadlines a hub has taken and not finished firing, by when it must have finished. */
const TAKEN = 'cac:deadlines-taken';

// Taking moves the name from due to taken in one step, and leaves what it is in place until the
// firing is done: a hub that dies in between (or loses Redis) loses nothing.
const TAKE = `if redis.call('zrem', KEYS[1], ARGV[1]) == 0 then return false end
redis.call('zadd', KEYS[3], ARGV[2], ARGV[1])
return redis.call('hget', KEYS[2], ARGV[1]) or ''`;
// Done: what it is goes, unless the deadline was set again meanwhile (due again, for a new grace).
const DONE = `redis.call('zrem', KEYS[3], ARGV[1])
if not redis.call('zscore', KEYS[1], ARGV[1]) then redis.call('hdel', KEYS[2], ARGV[1]) end`;
// Taken by a hub that did not finish in time (it died): due again now, unless cancelled or set again.
const AGAIN = `if redis.call('zrem', KEYS[3], ARGV[1]) == 1 and redis.call('hexists', KEYS[2], ARGV[1]) == 1
  and not redis.call('zscore', KEYS[1], ARGV[1]) then redis.call('zadd', KEYS[1], ARGV[2], ARGV[1]) end`;

/**
 * Deadlines every hub can see: a sorted set of names by time, and what each is. Every hub
 * looks for due ones a few times a second; whoever removes one from the set fires it, so it
 * fires once, and still fires when the hub that set it has died. A hub remembers the ones it
 * set, to set them again when Redis comes back empty (restarted without its data); the hub
 * that fires one says so (`fired`), so that the one that set it forgets it and does not set it
 * again then, for it to fire a second time.
 *
 * A hub that takes a deadline has `leaseMs` to fire it; one that dies first (or cannot say it
 * is done) has it fired again by another hub after that. So a deadline fires at least once: a
 * hub killed in the middle of firing may have done part of it already.
 */
export class SharedDeadlines implements DeadlineBoard {
  private readonly mine = new Map<string, {d: Deadline; at: number}>();
  private timer?: NodeJS.Timeout;
  private polling = false;
  /** Fired here, not yet known in Redis to be done (it was away when they were). */
  private readonly unfinished = new Set<string>();

  constructor(
    private readonly redis: RedisLink,
    private readonly now: () => number,
    /** Resolves once the deadline's work is done; rejects when it was not (fired again elsewhere later). */
    private readonly fire: (d: Deadline) => Promise<void>,
    private readonly log: (line: string) => void,
    /** Tells every hub that this one fired the deadline (due `at`). */
    private readonly told: (key: string, at: number) => void,
    private readonly pollMs = 250,
    private readonly leaseMs = 30_000,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.pollMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  set(d: Deadline, at: number): void {
    const key = deadlineKey(d);
    this.mine.set(key, {d, at});
    this.write(key, d, at);
  }

  cancel(d: DeadlineRef): void {
    const key = deadlineKey(d);
    this.mine.delete(key);
    this.redis.cmd.multi().zrem(DUE, key).zrem(TAKEN, key).hdel(DATA, key).exec().catch(() => this.log(`deadline ${key} not cancelled in redis`));
  }

  has(d: DeadlineRef): boolean {
    return this.mine.has(deadlineKey(d));
  }

  /**
   * Another hub fired a deadline: this one forgets it if it set it for that time (set again
   * since, for a new grace period, it is another deadline, which stays).
   */
  firedElsewhere(key: string, at: number): void {
    if (this.mine.get(key)?.at === at) this.mine.delete(key);
  }

  /** After Redis came back: the deadlines this hub set and nobody fired, set again. */
  restore(): void {
    for (const [key, {d, at}] of this.mine) this.write(key, d, at);
  }

  private write(key: string, d: Deadline, at: number): void {
    this.redis.cmd
      .multi()
      .hset(DATA, key, JSON.stringify(d))
      .zadd(DUE, at, key)
      .exec()
      .catch(() => this.log(`deadline ${key} kept here until redis is back`));
  }

  private async poll(): Promise<void> {
    if (this.polling || !this.redis.up()) return;
    this.polling = true;
    try {
      for (const key of this.unfinished) await this.finish(key);
      const now = this.now();
      for (const key of await this.redis.cmd.zrangebyscore(TAKEN, '-inf', now, 'LIMIT', 0, 100)) {
        await this.redis.cmd.eval(AGAIN, 3, DUE, DATA, TAKEN, key, now);
        this.log(`deadline ${key}: its hub did not finish firing it, due again`);
      }
      const due = await this.redis.cmd.zrangebyscore(DUE, '-inf', now, 'WITHSCORES', 'LIMIT', 0, 100);
      for (let i = 0; i + 1 < due.length; i += 2) {
        const key = due[i]!;
        // Only one hub takes it.
        const raw = (await this.redis.cmd.eval(TAKE, 3, DUE, DATA, TAKEN, key, this.now() + this.leaseMs)) as string | null;
        if (raw === null) continue;
        this.mine.delete(key);
        this.told(key, Number(due[i + 1]));
        const parsed = raw ? deadlineSchema.safeParse(JSON.parse(raw)) : undefined;
        if (!parsed?.success) {
          this.log(`deadline ${key}: unreadable in redis, dropped`);
          await this.finish(key);
          continue;
        }
        // Not done (it failed, or this hub is stopping): left taken, another hub fires it later.
        this.fire(parsed.data).then(
          () => this.finish(key),
          () => {},
        );
      }
      // What this hub set long ago and was fired elsewhere, unheard (told while the bus was
      // away from this hub): forget it.
      for (const [key, {at}] of this.mine) if (at < this.now() - 60_000) this.mine.delete(key);
    } catch (error) {
      this.log(`deadlines: ${String(error)}`);
    } finally {
      this.polling = false;
    }
  }

  /** Says in Redis that a deadline taken here has been fired; kept to say again if Redis is away. */
  private async finish(key: string): Promise<void> {
    this.unfinished.add(key);
    try {
      await this.redis.cmd.eval(DONE, 3, DUE, DATA, TAKEN, key);
      this.unfinished.delete(key);
    } catch {
      // Said at the next look.
    }
  }
}
