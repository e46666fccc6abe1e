import {join} from 'node:path';
import type {ZodType} from 'zod';
import type {PageView, Visit} from '../protocol/index.js';
import {chatLine, readBackward, readForward, readLog, visitorLine, type Report, type VisitorLine} from './log-file.js';
import type {Pending} from './pending.js';
import {asyncReads, type ReadLayer} from './read-layer.js';
import {buildVisit} from './store.js';

const anyLine = chatLine.or(visitorLine);

/**
 * Reads logs as they stand: the lines in the file, then the lines the journal holds that the
 * checkpoint has not written yet. Never while the checkpoint is appending to that file.
 */
export class LogReader {
  constructor(
    private readonly dir: string,
    private readonly pending: Pending,
    private readonly writing: Map<string, Promise<void>>,
    private readonly report: Report,
    private readonly reads: ReadLayer = asyncReads,
  ) {}

  private async idle(f: string): Promise<void> {
    for (let w = this.writing.get(f); w; w = this.writing.get(f)) await w;
  }

  /** A log's lines after `after` (all by default), in order. */
  async lines<T extends {n: number}>(f: string, schema: ZodType<T>, after = 0): Promise<T[]> {
    const floor = this.pending.floor(f);
    const held = this.pending.linesAfter(f, after, schema);
    const lines: T[] = [];
    await this.idle(f);
    if (after === 0) {
      // One push a line: spread as arguments, a log of 130,000 lines overflowed the stack.
      for (const l of await readLog(join(this.dir, f), schema, this.report, this.reads)) if (l.n < floor) lines.push(l);
    } else {
      // From the end: a reader who missed a few events does not read a long chat from its start.
      const take = (l: T) => {
        if (l.n < floor) lines.push(l);
        return l.n > after + 1;
      };
      await readBackward(join(this.dir, f), schema, this.report, take, this.reads);
      lines.reverse();
    }
    return [...lines, ...held];
  }

  /** Lines newest first, until `take` says enough. */
  async newestFirst<T extends {n: number}>(f: string, schema: ZodType<T>, take: (line: T) => boolean): Promise<void> {
    for (const l of this.pending.linesAfter(f, 0, schema).reverse()) if (!take(l)) return;
    const floor = this.pending.floor(f);
    await this.idle(f);
    await readBackward(join(this.dir, f), schema, this.report, (l) => l.n >= floor || take(l), this.reads);
  }

  /** Lines after `after`, oldest first, until `take` says enough; false when it did. */
  async forward<T extends {n: number}>(f: string, schema: ZodType<T>, after: number, take: (line: T) => boolean): Promise<boolean> {
    const floor = this.pending.floor(f);
    // Parsed only as far as they are taken: the journal may hold many lines of one feed file.
    const held = this.pending.heldAfter(f, after);
    await this.idle(f);
    let more = true;
    await readForward(join(this.dir, f), schema, this.report, (l) => {
      if (l.n <= after) return true;
      if (l.n >= floor) return false;
      more = take(l);
      return more;
    }, this.reads);
    for (const l of held) {
      if (!more) break;
      more = take(schema.parse(JSON.parse(l.text)));
    }
    return more;
  }

  /** The number of a log's last line (0 for none). */
  async last(f: string): Promise<number> {
    const held = this.pending.last(f);
    if (held !== undefined) return held;
    let last = 0;
    await this.newestFirst(f, anyLine, (l) => {
      last = l.n;
      return false;
    });
    return last;
  }
}

/** Visits, newest first, from visitor log lines read newest first. */
export function visitsFrom(lines: VisitorLine[], limit: number): Visit[] {
  const visits: Visit[] = [];
  const pages = new Map<string, PageView[]>();
  for (const l of lines) {
    if ('page' in l) {
      const {v, ...page} = l.page;
      pages.set(v, [page, ...(pages.get(v) ?? [])]);
    } else if (visits.length < limit) visits.push(buildVisit(l.visit, pages.get(l.visit.id) ?? []));
  }
  return visits;
}
