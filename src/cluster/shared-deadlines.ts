import {deadline as deadlineSchema, deadlineKey, type Deadline, type DeadlineRef} from '../protocol/cluster.js';
import type {DeadlineBoard} from '../hub/deadlines.js';
import type {RedisLink} from './redis.js';

const DUE = 'cac:deadlines';
const DATA = 'cac:deadline-data';

/**
 * Deadlines every hub can see: a sorted set of names by time, and what each is. Every hub
 * looks for due ones a few times a second; whoever removes one from the set fires it, so it
 * fires once, and still fires when the hub that set it has died. A hub remembers the ones it
 * set, to set them again when Redis comes back empty (restarted without its data); the hub
 * that fires one says so (`fired`), so that the one that set it forgets it and does not set it
 * again then, for it to fire a second time.
 */
export class SharedDeadlines implements DeadlineBoard {
  private readonly mine = new Map<string, {d: Deadline; at: number}>();
  private timer?: NodeJS.Timeout;
  private polling = false;

  constructor(
    private readonly redis: RedisLink,
    private readonly now: () => number,
    private readonly fire: (d: Deadline) => void,
    private readonly log: (line: string) => void,
    /** Tells every hub that this one fired the deadline (due `at`). */
    private readonly told: (key: string, at: number) => void,
    private readonly pollMs = 250,
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
    this.redis.cmd.multi().zrem(DUE, key).hdel(DATA, key).exec().catch(() => this.log(`deadline ${key} not cancelled in redis`));
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
      const due = await this.redis.cmd.zrangebyscore(DUE, '-inf', this.now(), 'WITHSCORES', 'LIMIT', 0, 100);
      for (let i = 0; i + 1 < due.length; i += 2) {
        const key = due[i]!;
        // Removing it is taking it: only one hub gets 1 back.
        if ((await this.redis.cmd.zrem(DUE, key)) !== 1) continue;
        const raw = await this.redis.cmd.hget(DATA, key);
        await this.redis.cmd.hdel(DATA, key);
        this.mine.delete(key);
        this.told(key, Number(due[i + 1]));
        const parsed = raw ? deadlineSchema.safeParse(JSON.parse(raw)) : undefined;
        if (parsed?.success) this.fire(parsed.data);
        else this.log(`deadline ${key}: unreadable in redis, dropped`);
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
}
