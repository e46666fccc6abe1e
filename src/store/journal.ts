import {open, readFile, readdir, unlink, type FileHandle} from 'node:fs/promises';
import {join} from 'node:path';
import {CorruptFileError, syncDir} from './durable-file.js';

const segmentName = /^journal-(\d+)\.wal$/;

/** One document state as the journal keeps it: path relative to the data folder, and the data. */
export interface JournalRecord {
  f: string;
  d: unknown;
}

/**
 * The hub's write-ahead journal. A group of document writes is appended as one write and one
 * fsync, and acknowledged then; the documents themselves are written (durably) a moment later by
 * a checkpoint, after which the journal segments they were in are deleted. After a crash the
 * segments still present are replayed. This turns N fsyncs per group into one.
 */
export class Journal {
  private handle: FileHandle | undefined;
  private segment = 0;
  /** Appends and rotations run one at a time, in order. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly dir: string) {}

  async segments(): Promise<string[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    return names
      .map((n) => segmentName.exec(n))
      .filter((m): m is RegExpExecArray => m !== null)
      .sort((a, b) => Number(a[1]) - Number(b[1]))
      .map((m) => m[0]);
  }

  /** The last state of every document found in leftover segments, oldest segment first. */
  async leftovers(): Promise<{records: Map<string, unknown>; files: string[]}> {
    const files = await this.segments();
    const records = new Map<string, unknown>();
    for (const name of files) {
      const file = join(this.dir, name);
      const lines = (await readFile(file, 'utf8')).split('\n');
      lines.forEach((line, i) => {
        if (line === '') return;
        try {
          const record = JSON.parse(line) as JournalRecord;
          records.set(record.f, record.d);
        } catch (error) {
          // A torn last line is a group whose fsync never finished: it was never acknowledged.
          if (i < lines.length - 1 && lines.slice(i + 1).some((l) => l !== '')) throw new CorruptFileError(file, error);
        }
      });
    }
    this.segment = Math.max(0, ...files.map((n) => Number(segmentName.exec(n)![1])));
    return {records, files};
  }

  async start(): Promise<void> {
    this.handle = await this.newSegment();
  }

  /** Appends one group of records and waits until it is on disk. */
  append(records: JournalRecord[]): Promise<void> {
    const body = records.map((r) => JSON.stringify(r) + '\n').join('');
    return this.serial(async () => {
      if (!this.handle) throw new Error('journal is not open');
      await this.handle.write(body);
      await this.handle.datasync();
    });
  }

  /** Starts a new segment; resolves with the older ones, to delete once a checkpoint covers them. */
  rotate(): Promise<string[]> {
    return this.serial(async () => {
      const old = await this.segments();
      const previous = this.handle;
      this.handle = await this.newSegment();
      await previous?.close();
      const current = `journal-${this.segment}.wal`;
      return old.filter((n) => n !== current);
    });
  }

  async remove(names: string[]): Promise<void> {
    for (const name of names) await unlink(join(this.dir, name)).catch(() => {});
    if (names.length > 0) await syncDir(this.dir);
  }

  async close(): Promise<void> {
    await this.serial(async () => {
      await this.handle?.close();
      this.handle = undefined;
    });
  }

  private async newSegment(): Promise<FileHandle> {
    this.segment += 1;
    const handle = await open(join(this.dir, `journal-${this.segment}.wal`), 'a', 0o600);
    await syncDir(this.dir);
    return handle;
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => {});
    return run;
  }
}
