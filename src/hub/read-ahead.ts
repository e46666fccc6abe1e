import {adminOps, type AdminOpName} from '../protocol/index.js';

/*
 * A command walking a paged listing through the hub (an export: hundreds of pages) asks for the
 * next page only once this one has reached it, and the hub would wait meanwhile, idle. So the
 * page after the one just answered is worked out at once, for the same asker and question, and
 * kept a few seconds: asked for in that time, it is answered from there; else it is let go.
 */

/** How long a page worked out ahead stays good for: a moment, as every page is read as of one. */
const KEPT_MS = 3_000;

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
  private ahead: Ahead | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * The answer to a read: the one worked out ahead when it is for this very question (one
   * that failed is asked again), else `run`'s. Then the page after it is worked out.
   */
  answer(asker: string, name: AdminOpName, input: unknown, run: (input: unknown) => Promise<unknown>): Promise<unknown> {
    const key = keyOf(asker, name, input);
    const ahead = this.ahead;
    if (ahead && ahead.key === key) this.ahead = undefined;
    const answer = ahead && ahead.key === key && ahead.until >= this.now() ? ahead.answer.catch(() => run(input)) : run(input);
    void answer.then((page) => this.after(asker, name, input, page, run)).catch(() => {});
    return answer;
  }

  private after(asker: string, name: AdminOpName, input: unknown, page: unknown, run: (input: unknown) => Promise<unknown>): void {
    const next = typeof page === 'object' && page !== null && 'next' in page ? page.next : undefined;
    if (typeof next !== 'string' || typeof input !== 'object' || input === null) return;
    const nextInput = {...input, cursor: next};
    const key = keyOf(asker, name, nextInput);
    if (key === undefined) return;
    const answer = run(nextInput);
    // Nobody may come for it: its failure is nobody's (asked for, it is asked again).
    answer.catch(() => {});
    this.ahead = {key, answer, until: this.now() + KEPT_MS};
  }
}
