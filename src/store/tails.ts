/**
 * The end of one log as the store knows it: the last number handed out, the last one durable,
 * and (chat logs) the latest client ids stored. Numbers are handed out synchronously, in the
 * order appends are asked for; a failed write takes back everything not durable.
 */
export interface Tail {
  last: number;
  committed: number;
  ids?: Map<string, number>;
}

/**
 * The client ids a chat's tail remembers: its latest this many. A resend comes moments after
 * the ack it missed (a reconnect, a page load), not a thousand events later. Remembering every
 * id made the first message of a long chat after a start read the whole log, and the tail of a
 * chat that lasts for years grow with it.
 */
export const REMEMBERED_IDS = 1000;

/**
 * The client ids all tails remember together. Each costs some 100 bytes: with no bound, ten
 * thousand long chats would hold nearly 1 GB of them. Past this, the tails used least recently
 * keep only their latest ID_FLOOR (a resend comes moments after the ack it missed).
 */
export const ID_BUDGET = 200_000;
export const ID_FLOOR = 50;

/**
 * A tail as Tails hold it, with its log's name: every line held for the log (a busy segment
 * holds 150,000) names it with this one string, not a copy of its own.
 */
export type HeldTail = Tail & {readonly file: string};

/**
 * Tails by log file, loaded on first use. Appends asked for while a tail is still loading wait
 * in one chain, so they are numbered in the order they were asked for.
 */
export class Tails {
  private readonly ready = new Map<string, HeldTail>();
  private readonly loading = new Map<string, {chain: Promise<HeldTail>; count: number}>();
  /** How many tails were let go (forgotten or evicted) so far. */
  private letGo = 0;
  /** Client ids remembered by all tails together, and the count past which they are trimmed. */
  private idCount = 0;
  private trimAbove: number;

  constructor(
    private readonly max = 50_000,
    private readonly idBudget = ID_BUDGET,
  ) {
    this.trimAbove = idBudget;
  }

  /** How many client ids all tails remember now. */
  get remembered(): number {
    return this.idCount;
  }

  /** Remembers a client id as the tail's newest, forgetting its oldest past REMEMBERED_IDS. */
  remember(tail: Tail, id: string, n: number): void {
    const ids = tail.ids!;
    const had = ids.size;
    ids.set(id, n);
    if (ids.size > REMEMBERED_IDS) ids.delete(ids.keys().next().value!);
    this.idCount += ids.size - had;
    if (this.idCount > this.trimAbove) this.trim();
  }

  /**
   * Trims the tails used least recently to their latest ID_FLOOR ids, until all remember a tenth
   * less than the budget. When every tail is down to its floor already, the next try waits for a
   * tenth of the budget more, so a hub with more chats than the budget allows does not walk
   * every tail at each message.
   */
  private trim(): void {
    const goal = this.idBudget * 0.9;
    for (const tail of this.ready.values()) {
      if (this.idCount <= goal) break;
      const ids = tail.ids;
      if (!ids || ids.size <= ID_FLOOR) continue;
      let drop = ids.size - ID_FLOOR;
      this.idCount -= drop;
      for (const id of ids.keys()) {
        if (drop-- === 0) break;
        ids.delete(id);
      }
    }
    this.trimAbove = Math.max(this.idBudget, this.idCount + this.idBudget / 10);
  }

  /** Runs `fn` with the file's tail, synchronously when it is loaded. */
  with<R>(file: string, load: () => Promise<Tail>, fn: (tail: HeldTail) => R): Promise<Awaited<R>> {
    const tail = this.ready.get(file);
    if (tail && !this.loading.has(file)) {
      // Most recently used last, for eviction.
      this.ready.delete(file);
      this.ready.set(file, tail);
      return Promise.resolve(fn(tail));
    }
    let entry = this.loading.get(file);
    if (!entry) {
      const chain = load().then((t) => {
        const held = Object.assign(t, {file});
        this.ready.set(file, held);
        this.idCount += held.ids?.size ?? 0;
        this.evict();
        return held;
      });
      entry = {chain, count: 0};
      this.loading.set(file, entry);
    }
    entry.count += 1;
    const mine = entry;
    let result!: R;
    mine.chain = mine.chain.then(
      (t) => {
        result = fn(t);
        return t;
      },
      (error: unknown) => {
        this.loading.delete(file);
        throw error;
      },
    );
    return mine.chain.then(
      () => {
        if (--mine.count === 0 && this.loading.get(file) === mine) this.loading.delete(file);
        return result as Awaited<R>;
      },
      (error: unknown) => {
        if (this.loading.get(file) === mine) this.loading.delete(file);
        throw error;
      },
    );
  }

  /**
   * A tail learnt by a reader that read the log's last line anyway (a visitor's latest visit,
   * read when it comes back): the append that follows needs no read of its own. Taken only when
   * nothing has loaded or is loading that log's tail, and none was let go since `since` (a
   * `mark()` taken before the read), so it cannot undo a number handed out.
   */
  learn(file: string, last: number, since: number): void {
    // A tail let go while the reader read may have moved on from what it read.
    if (since !== this.letGo || this.ready.has(file) || this.loading.has(file)) return;
    this.ready.set(file, {last, committed: last, file});
    this.evict();
  }

  mark(): number {
    return this.letGo;
  }

  get(file: string): HeldTail | undefined {
    return this.ready.get(file);
  }

  /** Takes back every number handed out but not durable (a write failed). */
  rollback(): void {
    for (const tail of this.ready.values()) {
      if (tail.last === tail.committed) continue;
      tail.last = tail.committed;
      if (!tail.ids) continue;
      for (const [id, n] of tail.ids) {
        if (n > tail.committed && tail.ids.delete(id)) this.idCount -= 1;
      }
    }
  }

  forget(file: string): void {
    const tail = this.ready.get(file);
    if (tail && tail.last === tail.committed && !this.loading.has(file)) this.letGoOf(file, tail);
  }

  /** Lets go of the least recently used tails that owe nothing to the disk. */
  private evict(): void {
    if (this.ready.size <= this.max) return;
    for (const [file, tail] of this.ready) {
      if (this.ready.size <= this.max * 0.9) break;
      if (tail.last === tail.committed && !this.loading.has(file)) this.letGoOf(file, tail);
    }
  }

  private letGoOf(file: string, tail: HeldTail): void {
    this.ready.delete(file);
    this.idCount -= tail.ids?.size ?? 0;
    this.letGo++;
  }
}
