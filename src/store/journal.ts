import {readFile, readdir} from 'node:fs/promises';
import {join} from 'node:path';
import {realClock, type Clock} from '../lib/timers.js';
import {syncDir} from './durable-file.js';
import {writeAll, type FileLayer} from './file-layer.js';
import {SpareSegment} from './spare-segment.js';
import {DamagedError} from './store.js';

const segmentName = /^journal-(\d+)\.wal$/;

/**
 * One change as the journal carries it: a small document's new state (`d`), or one line to
 * append to a log (`l`, numbered `n` so that applying it twice appends it once). `text` is the
 * JSON of the document or line, made once when the change is asked for.
 */
export type JournalRecord = {k: 'd'; f: string; text: string} | {k: 'l'; f: string; n: number; text: string};

/** A finished segment: its records wait for the checkpoint to apply them to their files. */
export interface Segment {
  n: number;
  records: JournalRecord[];
}

export function encodeRecord(r: JournalRecord): string {
  return r.k === 'd'
    ? `{"k":"d","f":${JSON.stringify(r.f)},"d":${r.text}}\n`
    : `{"k":"l","f":${JSON.stringify(r.f)},"n":${r.n},"l":${r.text}}\n`;
}

/** A line as encodeRecord writes it, up to the line or document it carries. */
const written = /^\{"k":"(l|d)","f":"([\w./~-]+)",(?:"n":([1-9]\d{0,14}),"l"|"d"):/;

/** Parses one journal line (this version's, or the earlier whole-document form `{f, d}`). */
function decodeRecord(line: string): JournalRecord {
  // A line as written here carries its text as it is: checked to be one JSON value, not
  // rebuilt (a start after a crash replays every record of the journal).
  const m = written.exec(line);
  if (m && line.endsWith('}') && !m[2]!.includes('..') && (m[1] === 'l') === (m[3] !== undefined)) {
    const text = line.slice(m[0].length, -1);
    try {
      JSON.parse(text);
      return m[1] === 'l' ? {k: 'l', f: m[2]!, n: Number(m[3]), text} : {k: 'd', f: m[2]!, text};
    } catch {
      // Not one value: read as a whole line below, which says what is wrong with it.
    }
  }
  const raw = JSON.parse(line) as {k?: string; f?: unknown; n?: unknown; d?: unknown; l?: unknown};
  if (typeof raw.f !== 'string' || !/^[\w./~-]+$/.test(raw.f) || raw.f.includes('..')) throw new Error('bad file name');
  if (raw.k === 'l' && typeof raw.n === 'number' && raw.l !== undefined) return {k: 'l', f: raw.f, n: raw.n, text: JSON.stringify(raw.l)};
  if ((raw.k === 'd' || raw.k === undefined) && raw.d !== undefined) return {k: 'd', f: raw.f, text: JSON.stringify(raw.d)};
  throw new Error('not a journal record');
}

/**
 * A group begins with a line saying how many records follow. A write cut short (a crash in the
 * middle of a write of several pages, or between two writes of one group) can end the file at a
 * line boundary inside a group; without the count, its first records would be replayed without
 * the rest (an event without its feed line). Segments of the earlier form have no such lines:
 * each record stands alone there.
 */
const groupHeader = (count: number): string => `{"g":${count}}\n`;
const header = /^\{"g":([1-9]\d{0,8})\}$/;

/**
 * A segment's text: up to its first zero byte, where a segment made ahead (see SpareSegment) has
 * not been written yet. JSON never holds a raw zero byte, so what follows one can only be part of
 * a write that never finished (pages of it reached the disk and pages before them did not).
 */
function writtenPart(bytes: Buffer): string {
  const end = bytes.indexOf(0);
  return bytes.toString('utf8', 0, end === -1 ? bytes.length : end);
}

/** The records of one segment's text, without an unfinished last group (see groupHeader). */
function readSegment(file: string, text: string, log?: (line: string) => void): JournalRecord[] {
  const lines = text.split('\n');
  // What follows the last newline: empty, or part of a line whose write never finished.
  const torn = lines.pop()!;
  const records: JournalRecord[] = [];
  const restIsEmpty = (from: number) => torn === '' && lines.slice(from).every((l) => l === '');
  for (let i = 0; i < lines.length; ) {
    const line = lines[i]!;
    if (line === '') {
      i += 1;
      continue;
    }
    const m = header.exec(line);
    const count = m ? Number(m[1]) : 1;
    const first = m ? i + 1 : i;
    const end = first + count;
    if (end > lines.length) {
      // The file ends inside this group: it was never acknowledged.
      log?.(`${file}: dropped an unfinished last group of ${count} records (a write that was never acknowledged)`);
      return records;
    }
    const group: JournalRecord[] = [];
    for (let k = first; k < end; k++) {
      try {
        group.push(decodeRecord(lines[k]!));
      } catch (error) {
        if (!restIsEmpty(end)) throw new DamagedError(file, `line ${k + 1}: ${(error as Error).message}`);
        log?.(`${file}: dropped a bad last ${m ? 'group' : 'line'} (a write that was never acknowledged)`);
        return records;
      }
    }
    // One push a record: a group may hold thousands (spread as arguments, enough overflow the stack).
    for (const r of group) records.push(r);
    i = end;
  }
  if (torn !== '') log?.(`${file}: dropped a torn last line (a write that was never acknowledged)`);
  return records;
}

export interface JournalOptions {
  files: FileLayer;
  /** A segment is finished once it holds this many bytes, or once it is this old. */
  maxBytes?: number;
  maxAgeMs?: number;
  log?: (line: string) => void;
  /** What a segment's age is read from. */
  clock?: Clock;
}

/**
 * The write-ahead journal: groups of changes are appended with one write and one fdatasync, and
 * acknowledged then. A segment is finished when it is large or old enough (or the hub is idle),
 * and its records are handed to the checkpoint, which applies them to their own files and then
 * deletes the segment. Appends run one at a time, in order; nothing else waits in their queue.
 */
export class Journal {
  private fd: number | undefined;
  private current: Segment | undefined;
  private bytes = 0;
  private openedAt = 0;
  private last = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly spare: SpareSegment;
  /** Finished segments not yet applied by the checkpoint, oldest first. */
  readonly finished: Segment[] = [];
  onFinished: () => void = () => {};
  private readonly maxBytes: number;
  private readonly maxAgeMs: number;
  private readonly clock: Clock;

  constructor(
    readonly dir: string,
    private readonly options: JournalOptions,
  ) {
    this.maxBytes = options.maxBytes ?? 32 * 1024 * 1024;
    this.maxAgeMs = options.maxAgeMs ?? 10_000;
    this.clock = options.clock ?? realClock;
    this.spare = new SpareSegment(dir, options.files, this.maxBytes);
  }

  /**
   * The records of segments a crash left behind, oldest first. An unfinished last group (cut
   * anywhere, even between two of its lines) is one whose fdatasync never finished, so it was
   * never acknowledged: dropped whole. A bad line before the end is damage: stop, naming the file.
   */
  async leftovers(): Promise<Segment[]> {
    const numbers = (await readdir(this.dir))
      .map((name) => segmentName.exec(name))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    const segments: Segment[] = [];
    for (const n of numbers) {
      const file = join(this.dir, `journal-${n}.wal`);
      segments.push({n, records: readSegment(file, writtenPart(await readFile(file)), this.options.log)});
    }
    this.last = Math.max(0, ...numbers);
    await this.spare.discard();
    return segments;
  }

  /** Appends one group and resolves once it is on disk; a failure keeps nothing of the group. */
  append(records: JournalRecord[]): Promise<void> {
    const body = Buffer.from(groupHeader(records.length) + records.map(encodeRecord).join(''));
    const run = this.queue.then(() => this.write(records, body));
    this.queue = run.catch(() => {});
    return run;
  }

  private async write(records: JournalRecord[], body: Buffer): Promise<void> {
    if (this.current && (this.bytes >= this.maxBytes || this.clock.now() - this.openedAt >= this.maxAgeMs)) await this.finish();
    if (this.fd === undefined) await this.startSegment();
    const fd = this.fd!;
    try {
      await writeAll(this.options.files, fd, body);
      await this.options.files.datasync(fd);
    } catch (error) {
      // Seal the segment at its last good record, so a later line never follows a torn one;
      // the next group starts a new segment (and so retries once space comes back).
      this.options.log?.(`journal write failed (${(error as Error).message}): nothing of that group was acknowledged`);
      await this.options.files.truncate(fd, this.bytes).catch(() => {});
      await this.finish().catch(() => {});
      throw error;
    }
    this.bytes += body.length;
    for (const r of records) this.current!.records.push(r);
    this.prepareSpare();
  }

  /** The next segment is made ahead once this one is half full or half its age (see SpareSegment). */
  private prepareSpare(): void {
    const share = this.bytes >= this.maxBytes / 2 ? 1 : (this.clock.now() - this.openedAt) / this.maxAgeMs;
    if (share >= 0.5) this.spare.prepare(this.current!.n, this.bytes, share);
  }

  private async startSegment(): Promise<void> {
    const n = this.last + 1;
    const file = join(this.dir, `journal-${n}.wal`);
    // Written from its start whether made ahead or new: each write goes where the last ended.
    const fd = (await this.spare.take(file)) ?? (await this.options.files.open(file, 'w'));
    try {
      // The new file's name must be durable before anything in it is acknowledged.
      await syncDir(this.dir);
    } catch (error) {
      await this.options.files.close(fd).catch(() => {});
      throw error;
    }
    this.last = n;
    this.fd = fd;
    this.current = {n, records: []};
    this.bytes = 0;
    this.openedAt = this.clock.now();
  }

  private async finish(): Promise<void> {
    const fd = this.fd;
    const segment = this.current;
    this.fd = undefined;
    this.current = undefined;
    if (segment) this.finished.push(segment);
    if (fd !== undefined) await this.options.files.close(fd);
    if (segment) this.onFinished();
  }

  /** Finishes the current segment once the appends asked for so far are done (idle, shutdown). */
  seal(): Promise<void> {
    const run = this.queue.then(() => (this.current && this.current.records.length > 0 ? this.finish() : undefined));
    this.queue = run.catch(() => {});
    return run;
  }

  /** Whether a segment is open with records in it (the checkpoint is not done yet). */
  get holding(): boolean {
    return (this.current?.records.length ?? 0) > 0;
  }

  /**
   * Deletes segments whose records are all in their own files now, oldest first. One that
   * cannot be deleted stops it there (the checkpoint fails and tries again): a segment left
   * behind a newer one deleted would be replayed at the next start over what came after it,
   * putting older records back.
   */
  async remove(numbers: number[]): Promise<void> {
    try {
      for (const n of [...numbers].sort((a, b) => a - b)) await this.options.files.remove(join(this.dir, `journal-${n}.wal`));
    } finally {
      if (numbers.length > 0) await syncDir(this.dir);
    }
  }

  async close(): Promise<void> {
    await this.seal();
    const fd = this.fd;
    this.fd = undefined;
    this.current = undefined;
    if (fd !== undefined) await this.options.files.close(fd);
    await this.spare.discard();
  }
}
