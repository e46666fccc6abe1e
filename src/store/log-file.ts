import {z} from 'zod';
import {nextTurn} from '../lib/next-turn.js';
import {quickSafeParse} from '../lib/quick-parse.js';
import {chatEvent, pageView} from '../protocol/index.js';
import {asyncReads, type ReadLayer} from './read-layer.js';
import {visitStart} from './types.js';

/*
 * Logs are JSON lines, each numbered `n` (1, 2, 3 ... per file), appended and never rewritten.
 * A line that cannot be read is reported and skipped, never silently; a cut-short last line is a
 * checkpoint that was interrupted, and the journal still holds what it was writing.
 */

export const chatLine = z.object({n: z.number().int().positive(), e: chatEvent});
export type ChatLine = z.infer<typeof chatLine>;

export const visitorLine = z.union([
  z.object({n: z.number().int().positive(), visit: visitStart}),
  z.object({n: z.number().int().positive(), page: pageView.extend({v: z.string()})}),
]);
export type VisitorLine = z.infer<typeof visitorLine>;

export type Report = (message: string) => void;

function parseLine<T extends {n: number}>(file: string, schema: z.ZodType<T>, text: string, where: string, report: Report): T | undefined {
  try {
    const parsed = quickSafeParse(schema, JSON.parse(text));
    if (parsed.success) return parsed.data;
    report(`${file}: ${where} has the wrong shape (${parsed.error.issues[0]?.message}); skipped, the file is left as it is`);
  } catch {
    report(`${file}: ${where} is not JSON; skipped, the file is left as it is`);
  }
  return undefined;
}

const cutShort = (file: string) => `${file}: its last line was cut short (an interrupted write); kept every complete line before it`;

/** Lines parsed between two turns of the event loop when a whole log is read. */
const LINES_A_TURN = 1000;

/**
 * Every readable line, in order (lines out of order are skipped and reported). The whole file is
 * read at once: every line of it is wanted, and a chat's log is a few kilobytes. A long one (an
 * operator chat of years, a feed file of 100,000 entries) is parsed a thousand lines a turn:
 * parsed at once, 150,000 lines held every socket of a hub for a quarter of a second here.
 */
export async function readLog<T extends {n: number}>(file: string, schema: z.ZodType<T>, report: Report, reads = asyncReads): Promise<T[]> {
  let text: string;
  try {
    text = await reads.readText(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const end = text.lastIndexOf('\n') + 1;
  if (end < text.length) report(cutShort(file));
  const ordered: T[] = [];
  let lineNo = 0;
  for (let start = 0; start < end; ) {
    const newline = text.indexOf('\n', start);
    const line = text.slice(start, newline);
    start = newline + 1;
    lineNo++;
    if (lineNo % LINES_A_TURN === 0) await nextTurn();
    if (line === '') continue;
    const parsed = parseLine(file, schema, line, `line ${lineNo}`, report);
    if (!parsed) continue;
    if (ordered.length > 0 && parsed.n <= ordered.at(-1)!.n) report(`${file}: line numbered ${parsed.n} is out of order; skipped`);
    else ordered.push(parsed);
  }
  return ordered;
}

const CHUNK = 64 * 1024;

/**
 * Reads a log from its end, handing each readable line to `take` (last line first) until `take`
 * returns false. Reading from the end keeps "what happened lately" cheap in a long log.
 */
export async function readBackward<T extends {n: number}>(
  file: string,
  schema: z.ZodType<T>,
  report: Report,
  take: (line: T) => boolean,
  reads: ReadLayer = asyncReads,
): Promise<void> {
  const fd = await openLog(file, reads);
  if (fd === undefined) return;
  try {
    let end = await reads.size(fd);
    let carry = Buffer.alloc(0);
    let first = true;
    let lineNo = 0;
    while (end > 0 || carry.length > 0) {
      const start = Math.max(0, end - CHUNK);
      const chunk = Buffer.alloc(end - start);
      if (chunk.length > 0) await reads.read(fd, chunk, start);
      let buf = carry.length > 0 ? Buffer.concat([chunk, carry]) : chunk;
      end = start;
      if (first) {
        first = false;
        const lastNewline = buf.lastIndexOf(10);
        if (lastNewline !== buf.length - 1) {
          report(cutShort(file));
          buf = buf.subarray(0, lastNewline + 1);
        }
      }
      // Everything after the first newline in `buf` is whole lines; what is before it may be
      // the end of a line that starts in an earlier chunk, unless we are at the file's start.
      const cut = start === 0 ? -1 : buf.indexOf(10);
      if (cut === -1 && start > 0) {
        carry = buf;
        continue;
      }
      const whole = buf.subarray(cut + 1);
      carry = start === 0 ? Buffer.alloc(0) : buf.subarray(0, cut + 1);
      const texts = whole.toString('utf8').split('\n');
      for (let i = texts.length - 1; i >= 0; i--) {
        const text = texts[i]!;
        if (text === '') continue;
        lineNo++;
        const line = parseLine(file, schema, text, `line ${lineNo} from the end`, report);
        if (line && !take(line)) return;
      }
      if (start === 0) return;
    }
  } finally {
    await reads.close(fd);
  }
}

/** A log's file descriptor, or undefined when the log does not exist (yet). */
async function openLog(file: string, reads: ReadLayer): Promise<number | undefined> {
  try {
    return await reads.open(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Reads a log from its start, handing each readable line to `take` until it returns false (the
 * feed is read forward from a cursor). A last line without its newline is an append cut short:
 * left out, and reported.
 */
export async function readForward<T extends {n: number}>(
  file: string,
  schema: z.ZodType<T>,
  report: Report,
  take: (line: T) => boolean,
  reads: ReadLayer = asyncReads,
): Promise<void> {
  const fd = await openLog(file, reads);
  if (fd === undefined) return;
  try {
    let position = 0;
    let carry = Buffer.alloc(0);
    let lineNo = 0;
    // Reused: only the bytes read into it are looked at, and they are copied out at once.
    const chunk = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const bytesRead = await reads.read(fd, chunk, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const buf = Buffer.concat([carry, chunk.subarray(0, bytesRead)]);
      const cut = buf.lastIndexOf(10);
      carry = buf.subarray(cut + 1);
      if (cut === -1) continue;
      for (const text of buf.subarray(0, cut).toString('utf8').split('\n')) {
        lineNo++;
        if (text === '') continue;
        const line = parseLine(file, schema, text, `line ${lineNo}`, report);
        if (line && !take(line)) return;
      }
    }
    if (carry.length > 0) report(cutShort(file));
  } finally {
    await reads.close(fd);
  }
}
