import {randomBytes} from 'node:crypto';
import {deadline as deadlineSchema, deadlineKey, type Deadline, type DeadlineRef} from '../protocol/cluster.js';
import {retryDelayMs, type DeadlineBoard} from '../hub/deadlines.js';
import {DATA, DeadlineScripts, DUE, OWNER, TAKEN} from './deadline-scripts.js';
import type {RedisLink} from './redis.js';

/** A deadline this hub is firing: its taking's token, and what it is (to write back if Redis comes back empty). */
interface Firing {
  d: Deadline;
  token: string;
  renewedAt: number;
}

/**
 * Deadlines every hub can see: a sorted set of names by time, and what each is. Every hub
 * looks for due ones a few times a second; whoever takes one fires it, so it fires once, and
 * still fires when the hub that set it has died. A hub remembers the ones it set, to set them
 * again when Redis comes back empty (restarted without its data); the hub that fires one says
 * so (`fired`), so that the one that set it forgets it and does not set it again then, for it
 * to fire a second time.
 *
 * Taking one leaves what it is in Redis, under a lease the taker renews while it fires: when
 * the firing is done it goes; when the firing fails (the store away) or its hub is stopping, it
 * is due again a little later; when the taker dies, its lease runs out (`leaseMs`) and another
 * hub takes it. So a deadline is not lost to a hub dying, and is fired again after a firing that
 * failed or died partway (whose first steps, a visitor's leaving noted, may then come twice).
 */
export class SharedDeadlines implements DeadlineBoard {
  private readonly mine = new Map<string, {d: Deadline; at: number}>();
  private readonly scripts: DeadlineScripts;
  private timer?: NodeJS.Timeout;
  private polling = false;
  /** Names this hub's takings by; each taking adds a number. */
  private readonly id = randomBytes(4).toString('hex');
  private takings = 0;
  private readonly firing = new Map<string, Firing>();
  /** Fired here, not yet recorded in Redis as done (it was away then): by name, the taking's token. */
  private readonly unfinished = new Map<string, string>();
  /** Failed firings here, by name: how many, for the wait before the next try. */
  private readonly failures = new Map<string, number>();

  constructor(
    private readonly redis: RedisLink,
    private readonly now: () => number,
    /** Resolves once the deadline's work is done; rejects when it was not (it is tried again). */
    private readonly fire: (d: Deadline) => Promise<void>,
    private readonly log: (line: string) => void,
    /** Tells every hub that this one fired the deadline (due `at`). */
    private readonly told: (key: string, at: number) => void,
    private readonly pollMs = 250,
    private readonly leaseMs = 10_000,
  ) {
    this.scripts = new DeadlineScripts(redis);
  }

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
    const tx = this.redis.cmd.multi().zrem(DUE, key);
    // One being fired here is left to its firing (which may itself cancel it, as settling a
    // transfer does): should the firing fail, it is tried again, and finds what has changed.
    if (!this.firing.has(key)) tx.zrem(TAKEN, key).hdel(OWNER, key).hdel(DATA, key);
    tx.exec().catch(() => this.log(`deadline ${key} not cancelled in redis`));
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

  /** After Redis came back: the deadlines this hub set and nobody fired, and those it is firing, written again. */
  restore(): void {
    for (const [key, {d, at}] of this.mine) {
      this.scripts.restore(key, at, JSON.stringify(d)).catch(() => this.log(`deadline ${key} kept here until redis is back`));
    }
    for (const [key, f] of this.firing) {
      this.redis.cmd
        .multi()
        .hset(DATA, key, JSON.stringify(f.d))
        .zadd(TAKEN, this.now() + this.leaseMs, key)
        .hset(OWNER, key, f.token)
        .exec()
        .catch(() => this.log(`deadline ${key} being fired: not written again in redis`));
    }
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
      const now = this.now();
      for (const [key, token] of this.unfinished) await this.finish(key, token);
      for (const [key, f] of this.firing) {
        if (now - f.renewedAt < this.leaseMs / 3) continue;
        f.renewedAt = now;
        await this.scripts.renew(key, f.token, now + this.leaseMs);
      }
      for (const key of await this.redis.cmd.zrangebyscore(TAKEN, '-inf', now, 'LIMIT', 0, 100)) {
        if (await this.scripts.expire(key, now)) this.log(`deadline ${key}: the hub that took it did not finish firing it, due again`);
      }
      for (const key of await this.redis.cmd.zrangebyscore(DUE, '-inf', now, 'LIMIT', 0, 100)) {
        // Set again while this hub fires it: taken once that firing is over.
        if (!this.firing.has(key)) await this.take(key);
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

  /** Takes a due deadline, unless another hub did, and fires it. */
  private async take(key: string): Promise<void> {
    const token = `${this.id}:${++this.takings}`;
    const taken = await this.scripts.take(key, this.now(), this.now() + this.leaseMs, token);
    if (!taken) return;
    if (this.mine.get(key)?.at === taken.due) this.mine.delete(key);
    this.told(key, taken.due);
    let d: Deadline | undefined;
    try {
      const parsed = deadlineSchema.safeParse(JSON.parse(taken.raw));
      if (parsed.success) d = parsed.data;
    } catch {
      // Not JSON: as unreadable as the wrong shape.
    }
    if (!d) {
      this.log(`deadline ${key}: unreadable in redis, dropped`);
      return this.finish(key, token);
    }
    this.firing.set(key, {d, token, renewedAt: this.now()});
    this.fire(d).then(
      () => {
        this.firing.delete(key);
        this.failures.delete(key);
        return this.finish(key, token);
      },
      () => {
        this.firing.delete(key);
        return this.giveBack(key, token);
      },
    );
  }

  /** Records in Redis that a deadline taken here has been fired; kept to record again if Redis is away. */
  private async finish(key: string, token: string): Promise<void> {
    this.unfinished.set(key, token);
    try {
      await this.scripts.done(key, token);
      this.unfinished.delete(key);
    } catch {
      // Recorded at the next look.
    }
  }

  /** A firing that failed: due again after a wait that doubles with each failure here. */
  private async giveBack(key: string, token: string): Promise<void> {
    const failed = (this.failures.get(key) ?? 0) + 1;
    if (this.failures.size > 10_000) this.failures.clear();
    this.failures.set(key, failed);
    const waitMs = retryDelayMs(failed);
    try {
      await this.scripts.giveBack(key, token, this.now() + waitMs);
      this.log(`deadline ${key}: not done, tried again in ${waitMs / 1000} s`);
    } catch {
      this.log(`deadline ${key}: not done; redis away, so tried again when its lease runs out`);
    }
  }
}
