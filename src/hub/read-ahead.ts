import {adminOps, type AdminOpName} from '../protocol/index.js';

/*
 * A command walking a paged listing through the hub (an export: hundreds of pages) asks for the
 * next page only once this one has reached it, and the hub would wait meanwhile, idle. So the
 * pages after the one just answered are worked out at once, for the same asker and question, and
 * kept a few seconds: asked for in that time, they are answered from there; else let go. A change
 * made through the admin API lets them all go: no answer is older than the last change.
 */

/** How long a page worked out ahead stays good for: a moment, as every page is read as of one. */
const KEPT_MS = 10_000;
/** Pages worked out ahead at the most: two smooth out a page that takes longer on either side. */
const DEPTH = 2;

interface Ahead {
  key: string;
  answer: Promise<unknown>;
  until: number;
}

/** The question, the same however its fields came ordered; undefined when it is not one. */
function keyOf(asker: string, name: AdminOpName, input: unknown): string | undefined {
  const parsed = adminOps[name].input.safeParse(input);
  return parsed.success ? JSON.stringify([asker, name, parsed.data]) : undefined;
}

export class ReadAhead {
  /** In the order they come: the next page first. */
  private ahead: Ahead[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * The answer to a read: the one worked out ahead when it is for this very question (one
   * that failed is asked again), else `run`'s. Then the pages after it are worked out.
   */
  answer(asker: string, name: AdminOpName, input: unknown, run: (input: unknown) => Promise<unknown>): Promise<unknown> {
    const key = keyOf(asker, name, input);
    const at = this.fresh().findIndex((a) => a.key === key);
    const found = this.ahead[at];
    // Pages before the one asked for were skipped: nobody will come for them.
    if (found) this.ahead.splice(0, at + 1);
    const answer = found ? found.answer.catch(() => run(input)) : run(input);
    void answer.then((page) => this.after(asker, name, input, page, run)).catch(() => {});
    return answer;
  }

  /** A change was made: what was worked out before it is let go. */
  clear(): void {
    this.ahead = [];
  }

  /** The pages worked out ahead that are still good (the others are let go). */
  private fresh(): Ahead[] {
    const now = this.now();
    this.ahead = this.ahead.filter((a) => a.until >= now);
    return this.ahead;
  }

  /** Works out the page after `page` (and on, DEPTH pages ahead at the most). */
  private after(asker: string, name: AdminOpName, input: unknown, page: unknown, run: (input: unknown) => Promise<unknown>): void {
    const next = typeof page === 'object' && page !== null && 'next' in page ? page.next : undefined;
    if (typeof next !== 'string' || typeof input !== 'object' || input === null) return;
    const nextInput = {...input, cursor: next};
    const key = keyOf(asker, name, nextInput);
    if (key === undefined) return;
    let ahead = this.fresh().find((a) => a.key === key);
    if (!ahead) {
      if (this.ahead.length >= DEPTH) return;
      ahead = {key, answer: run(nextInput), until: this.now() + KEPT_MS};
      // Nobody may come for it: its failure is nobody's (asked for, it is asked again).
      ahead.answer.catch(() => {});
      this.ahead.push(ahead);
    }
    void ahead.answer.then((later) => this.after(asker, name, nextInput, later, run)).catch(() => {});
  }
}
