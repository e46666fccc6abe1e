import {open, truncate} from 'node:fs/promises';
import {dirname, join, relative} from 'node:path';
import {z} from 'zod';
import {renameInto, syncDir, writeTemp} from './durable-file.js';
import {appendDurably, syncFile, type FileLayer} from './file-layer.js';
import type {JournalRecord} from './journal.js';
import {readBackward, type Report} from './log-file.js';
import {nextTurn} from '../lib/next-turn.js';

/** Runs `fn` over `items` with at most `limit` at once, so the file pool is never flooded. */
export async function runLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (next < items.length && failure === undefined) {
      const item = items[next++]!;
      await fn(item).catch((error: unknown) => {
        failure ??= error;
      });
    }
  };
  await Promise.all(Array.from({length: Math.min(limit, items.length)}, worker));
  if (failure !== undefined) throw failure;
}

export interface ApplyContext {
  dir: string;
  tmpDir: string;
  files: FileLayer;
  report: Report;
  /** The last line number known to be in each log file on disk. */
  diskN: Map<string, number>;
  /** How many files are written at once. */
  concurrency: number;
  /** Logs being appended to right now: readers wait, so they never see half a line. */
  writing: Map<string, Promise<void>>;
  /**
   * Flushes the whole file system holding `dir` (see FileSystemSync); false where that is not
   * possible, and the caller syncs file by file instead.
   */
  syncFileSystem: () => Promise<boolean>;
  /**
   * Logs a failed apply had in hand, and folders of logs it created: the retry syncs them even
   * if it finds nothing to write. After a failed fdatasync the lines read back from the page
   * cache, but Linux may have marked those pages clean without writing them: finding them is no
   * proof they are on disk, and the journal segment holding them must stay until a sync
   * succeeds. Made on the first failure.
   */
  unsynced?: {logs: Set<string>; dirs: Set<string>};
  /** How a folder is synced (syncDir; tests watch it). */
  syncDir?: (dir: string) => Promise<void>;
}

/** Records handled between two turns of the event loop. */
export const SLICE = 2000;

/** Above this many logs in one go, they are synced together (see applyRecords). */
const SYNC_TOGETHER = 64;

/** Appends made on the main thread between two turns of the event loop (see appendMany). */
const APPENDS_PER_TURN = 32;

/** Lines of a log written at once; a longer append to a log is made a piece at a time. */
const LINES_PER_WRITE = 500;

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}

/** Log ends are remembered for the most recently written files only: memory stays bounded. */
const MAX_REMEMBERED = 50_000;

function remember(diskN: Map<string, number>, f: string, n: number): void {
  diskN.delete(f);
  diskN.set(f, n);
  if (diskN.size > MAX_REMEMBERED) diskN.delete(diskN.keys().next().value!);
}

const numbered = z.object({n: z.number()}).loose();

/**
 * The last line number in a log on disk, after cutting off a torn last line (left by a crash in
 * the middle of an append: the journal still holds that line and the ones after it). The last
 * line is read from the tail already in hand; the log is read again only when that line is
 * longer than the tail or unreadable (readBackward then skips it and says so).
 */
async function lastOnDisk(ctx: ApplyContext, file: string): Promise<number> {
  const handle = await open(file, 'r').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (!handle) return 0;
  let size: number;
  let tail: Buffer;
  try {
    size = (await handle.stat()).size;
    tail = Buffer.alloc(Math.min(size, 64 * 1024));
    await handle.read(tail, 0, tail.length, size - tail.length);
  } finally {
    await handle.close();
  }
  if (size > 0 && tail.at(-1) !== 10) {
    const cut = tail.lastIndexOf(10);
    const keep = cut === -1 ? (size > tail.length ? -1 : 0) : size - tail.length + cut + 1;
    if (keep >= 0) {
      await truncate(file, keep);
      ctx.report(`${file}: cut off a torn last line before appending (it is replayed from the journal)`);
      size = keep;
      tail = tail.subarray(0, Math.max(0, cut + 1));
    }
  }
  if (size === 0) return 0;
  const n = lastNumber(tail, size);
  if (n !== undefined) return n;
  let last = 0;
  await readBackward(file, numbered, ctx.report, (line) => {
    last = line.n;
    return false;
  });
  return last;
}

/** The number of the last line in `tail` (the end of a file of `size` bytes), when it is whole and readable there. */
function lastNumber(tail: Buffer, size: number): number | undefined {
  if (tail.at(-1) !== 10) return undefined;
  const start = tail.lastIndexOf(10, tail.length - 2) + 1;
  // The line may begin before the tail: only a line starting inside it (or at the file's start) is whole.
  if (start === 0 && tail.length < size) return undefined;
  try {
    const parsed = numbered.safeParse(JSON.parse(tail.toString('utf8', start, tail.length - 1)));
    return parsed.success ? parsed.data.n : undefined;
  } catch {
    return undefined;
  }
}

type Line = {n: number; text: string};

/** The lines of a log after `last`, its last line on disk: none written twice. */
const after = (lines: Line[], last: number): Line[] => lines.filter((l) => l.n > last);

const textOf = (lines: Line[]): string => lines.map((l) => l.text + '\n').join('');

/** Lines as text to append, LINES_PER_WRITE at a time (a busy minute gives the feed's log tens of thousands). */
function* pieces(lines: Line[]): Generator<string> {
  for (let i = 0; i < lines.length; i += LINES_PER_WRITE) yield textOf(lines.slice(i, i + LINES_PER_WRITE));
}

/** One log appended through the thread pool, and made durable by itself when `sync`. */
async function appendPooled(ctx: ApplyContext, f: string, lines: Line[], dirs: Set<string>, sync: boolean): Promise<void> {
  const file = join(ctx.dir, f);
  let last = ctx.diskN.get(f);
  if (last === undefined) {
    last = await lastOnDisk(ctx, file);
    if (last === 0) dirs.add(dirname(file));
  }
  const fresh = after(lines, last);
  if (fresh.length === 0) return;
  const append = appendDurably(ctx.files, file, pieces(fresh), sync);
  ctx.writing.set(f, append.catch(() => {}));
  try {
    await append;
  } catch (error) {
    // It may have left part of a line: the retry reads the log's end again and cuts that off
    // first, so the log holds whole lines, each once (not a torn one in its middle).
    ctx.diskN.delete(f);
    throw error;
  } finally {
    ctx.writing.delete(f);
  }
  remember(ctx.diskN, f, fresh.at(-1)!.n);
}

/**
 * Many logs, made durable together afterwards (see applyRecords). A short append to a log that
 * is already on disk is made on this thread (FileLayer.appendNow): a few system calls into the
 * page cache cost less than three round trips through the thread pool. They go APPENDS_PER_TURN
 * between two turns of the event loop, so the hub's messages wait for at most that many; each
 * is whole within its turn, so no reader of the log can come in the middle of it. A log whose
 * end is not known yet (new logs among them: creating a file can wait on the file system's
 * journal) and a long append (the feed's) go through the thread pool, as when there are few.
 */
async function appendMany(ctx: ApplyContext, logs: Array<[string, Line[]]>, dirs: Set<string>): Promise<void> {
  const pooled: Array<[string, Line[]]> = [];
  let now = 0;
  for (const [f, lines] of logs) {
    const last = ctx.diskN.get(f);
    const fresh = last === undefined ? lines : after(lines, last);
    if (last === undefined || fresh.length > LINES_PER_WRITE) pooled.push([f, lines]);
    else if (fresh.length > 0) {
      if (now > 0 && now % APPENDS_PER_TURN === 0) await nextTurn();
      now += 1;
      try {
        ctx.files.appendNow(join(ctx.dir, f), Buffer.from(textOf(fresh)));
      } catch (error) {
        ctx.diskN.delete(f); // as in appendPooled: the retry reads the end again
        throw error;
      }
      remember(ctx.diskN, f, fresh.at(-1)!.n);
    }
  }
  await runLimited(pooled, ctx.concurrency, ([f, lines]) => appendPooled(ctx, f, lines, dirs, false));
}

/**
 * Applies journal records to their own files durably: log lines appended (each once: lines a
 * log already holds are skipped, so replaying a segment twice is harmless), documents replaced.
 * Resolves once every file and every folder entry is on disk.
 */
export async function applyRecords(ctx: ApplyContext, records: JournalRecord[]): Promise<void> {
  const logs = new Map<string, Line[]>();
  const dirs = new Set<string>();
  try {
    await applyTo(ctx, records, logs, dirs);
  } catch (error) {
    ctx.unsynced ??= {logs: new Set(), dirs: new Set()};
    for (const f of logs.keys()) ctx.unsynced.logs.add(f);
    for (const d of dirs) ctx.unsynced.dirs.add(d);
    throw error;
  }
}

async function applyTo(ctx: ApplyContext, records: JournalRecord[], logs: Map<string, Line[]>, dirs: Set<string>): Promise<void> {
  const docs = new Map<string, string>();
  for (let i = 0; i < records.length; i++) {
    // A segment of a busy minute holds tens of thousands: sorted a slice at a time, so the
    // hub's messages never wait behind the whole of it.
    if (i > 0 && i % SLICE === 0) await nextTurn();
    const r = records[i]!;
    if (r.k === 'd') docs.set(r.f, r.text);
    else {
      let lines = logs.get(r.f);
      if (!lines) logs.set(r.f, (lines = []));
      // The record itself, not a copy of its number and text: a busy segment's copies outlived
      // the young generation while the checkpoint ran, and were promoted only to die.
      lines.push(r);
    }
  }
  // Many logs at once are appended without a sync each, then made durable together with one
  // sync of the file system: thousands of fdatasyncs would each force a file-system journal
  // commit that the hub's own journal appends then queue behind.
  const together = logs.size > SYNC_TOGETHER;
  if (together) await appendMany(ctx, [...logs], dirs);
  else await runLimited([...logs], ctx.concurrency, ([f, lines]) => appendPooled(ctx, f, lines, dirs, true));
  // Documents likewise: many are written to temp files, synced together, and only then renamed
  // into place (a rename must never point at data that is not on disk yet).
  const docsTogether = docs.size > SYNC_TOGETHER;
  const temps = new Map<string, string>();
  await runLimited([...docs], ctx.concurrency, async ([f, text]) => {
    temps.set(f, await writeTemp(join(ctx.dir, f), text, ctx.tmpDir, !docsTogether));
  });
  if ((together || docsTogether) && !(await ctx.syncFileSystem())) {
    const unsynced = [...(together ? logs.keys() : []), ...(docsTogether ? [...temps.values()].map((t) => relative(ctx.dir, t)) : [])];
    await runLimited(unsynced, ctx.concurrency, (f) => syncFile(ctx.files, join(ctx.dir, f)).catch(ignoreMissing));
  }
  await runLimited([...temps], ctx.concurrency, async ([f, tmp]) => {
    const file = join(ctx.dir, f);
    await renameInto(tmp, file);
    dirs.add(dirname(file));
  });
  // What a failed run left unsure is synced again, found written or not (see unsynced).
  const unsure = ctx.unsynced && {logs: [...ctx.unsynced.logs], dirs: [...ctx.unsynced.dirs]};
  if (unsure) {
    await runLimited(unsure.logs, ctx.concurrency, (f) => syncFile(ctx.files, join(ctx.dir, f)).catch(ignoreMissing));
    for (const d of unsure.dirs) dirs.add(d);
  }
  for (const d of dirs) await (ctx.syncDir ?? syncDir)(d);
  if (unsure) {
    for (const f of unsure.logs) ctx.unsynced!.logs.delete(f);
    for (const d of unsure.dirs) ctx.unsynced!.dirs.delete(d);
  }
}
