import type {ZodType} from 'zod';
import {flatten} from '../lib/flatten.js';
import {quickParse} from '../lib/quick-parse.js';
import type {JournalRecord} from './journal.js';

/**
 * What is durable in the journal but not yet in its own file: log lines and documents by file.
 * Reads put these on top of what the files hold; the checkpoint lets go of what it wrote.
 */
export class Pending {
  private readonly lines = new Map<string, Array<{n: number; text: string}>>();
  private readonly docs = new Map<string, string>();

  /** Records a group the journal has made durable. */
  hold(records: JournalRecord[]): void {
    for (const r of records) {
      flatten(r.text); // held until the checkpoint: see flatten
      if (r.k === 'd') this.docs.set(r.f, r.text);
      else {
        let lines = this.lines.get(r.f);
        if (!lines) this.lines.set(r.f, (lines = []));
        // The record itself, not a copy of its number and text: the journal's segment holds the
        // same object until the checkpoint, so a held line costs one object, not two.
        lines.push(r);
      }
    }
  }

  /**
   * Lets go of what the checkpoint wrote (a newer change of the same file is still held), a
   * slice at a time when `between` is given: what is let go is in its file already, so a reader
   * in between finds every line either here or there.
   */
  async release(records: JournalRecord[], between?: () => Promise<void>, slice = Infinity): Promise<void> {
    // Counted inline: an async step called per record made a promise for each (a busy segment
    // holds 100,000 records), 5% of all a hub allocated at 10,000 messages a second.
    let done = 0;
    const applied = new Map<string, number>();
    // A document's file holds the last text written to it: a held text is let go only if it is
    // that one. Compared with each record, a document set to A then B in these records (the file
    // ends at B) lost a later A held from the next segment, and reads went back to B.
    const lastText = new Map<string, string>();
    for (const r of records) {
      if (between && ++done % slice === 0) await between();
      if (r.k === 'd') lastText.set(r.f, r.text);
      else applied.set(r.f, Math.max(applied.get(r.f) ?? 0, r.n));
    }
    for (const [f, text] of lastText) {
      if (between && ++done % slice === 0) await between();
      if (this.docs.get(f) === text) this.docs.delete(f);
    }
    for (const [f, n] of applied) {
      if (between && ++done % slice === 0) await between();
      const lines = this.lines.get(f);
      if (!lines) continue;
      const rest = lines.filter((l) => l.n > n);
      if (rest.length === 0) this.lines.delete(f);
      else if (rest.length !== lines.length) this.lines.set(f, rest);
    }
  }

  doc(f: string): string | undefined {
    return this.docs.get(f);
  }

  docFiles(): IterableIterator<string> {
    return this.docs.keys();
  }

  /** The logs with lines held. */
  lineFiles(): IterableIterator<string> {
    return this.lines.keys();
  }

  /** The first line number held for a log (lines below it are in the file), or Infinity. */
  floor(f: string): number {
    return this.lines.get(f)?.[0]?.n ?? Infinity;
  }

  last(f: string): number | undefined {
    return this.lines.get(f)?.at(-1)?.n;
  }

  /**
   * The held lines of a log numbered after `after`, parsed. Through the compiled check: after a
   * restart, every read of a busy chat or visitor parses what the crash left held.
   */
  linesAfter<T>(f: string, after: number, schema: ZodType<T>): T[] {
    return this.heldAfter(f, after).map((l) => quickParse(schema, JSON.parse(l.text), {reuse: true}) as T);
  }

  /** The held lines of a log numbered after `after`, as their text. */
  heldAfter(f: string, after: number): Array<{n: number; text: string}> {
    return (this.lines.get(f) ?? []).filter((l) => l.n > after);
  }
}
