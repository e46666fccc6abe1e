import {deadline as deadlineSchema, deadlineKey, type Deadline, type DeadlineRef} from '../protocol/cluster.js';
import type {DeadlineBoard} from '../hub/deadlines.js';
import type {RedisLink} from './redis.js';

const DUE = 'cac:deadlines';
const DATA = 'cac:deadline-data';

/**
 * Deadlines every hub can see: a sorted set of names by time, and what each is. Every hub
 * looks for due ones a few times a second; whoever removes one from the set fires it, so it
 * fires once, and still fires when the hub that set it has died. A hub remembers the ones it
 * set, to set them again when Redis comes back empty (restarted without its data).
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
      const due = await this.redis.cmd.zrangebyscore(DUE, '-inf', this.now(), 'LIMIT', 0, 100);
      for (const key of due) {
        // Removing it is taking it: only one hub gets 1 back.
        if ((await this.redis.cmd.zrem(DUE, key)) !== 1) continue;
        const raw = await this.redis.cmd.hget(DATA, key);
        await this.redis.cmd.hdel(DATA, key);
        this.mine.delete(key);
        const parsed = raw ? deadlineSchema.safeParse(JSON.parse(raw)) : undefined;
        if (parsed?.success) this.fire(parsed.data);
        else this.log(`deadline ${key}: unreadable in redis, dropped`);
      }
      // What this hub set long ago and was fired elsewhere: forget it.
      for (const [key, {at}] of this.mine) if (at < this.now() - 60_000) this.mine.delete(key);
    } catch (error) {
      this.log(`deadlines: ${String(error)}`);
    } finally {
      this.polling = false;
    }
  }
}
