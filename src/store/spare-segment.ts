import {rename} from 'node:fs/promises';
import {join} from 'node:path';
import {writeAll, type FileLayer} from './file-layer.js';

/**
 * The journal's next segment, made ahead of time: zeros written and made durable while the
 * current segment fills. Appends into it then overwrite blocks already allocated, so their
 * fdatasync writes data and no file-system metadata (a size or an allocation): it never waits for
 * the file-system journal's commit, which the checkpoint's thousands of appends to logs fill every
 * few seconds. Not a segment until renamed into one; removed at start and at a stop. JSON holds no
 * zero byte, so a segment is read up to its first one (see the journal's writtenPart).
 */
const NAME = 'journal.spare';
const UNIT = 256 * 1024;

export class SpareSegment {
  /** Being made, or made (its size), or neither. */
  private making: Promise<number | undefined> | undefined;
  private size: number | undefined;
  /** The segment during which making one failed: not tried again before the next. */
  private failedIn = 0;

  constructor(
    private readonly dir: string,
    private readonly files: FileLayer,
    /** The journal's largest segment: a spare is never made larger. */
    private readonly maxBytes: number,
  ) {}

  private get path(): string {
    return join(this.dir, NAME);
  }

  /**
   * Starts making one, outside the journal's queue of appends, sized for what segment `n` is on
   * its way to (a quarter more) from its `bytes` so far at `share` of its life (0.5 and up).
   * A failure (a full disk) costs nothing but the speed-up: the next segment is then a new file.
   */
  prepare(n: number, bytes: number, share: number): void {
    if (this.making || this.failedIn === n) return;
    const expected = Math.min(this.maxBytes, (bytes / share) * 1.25);
    const unit = Math.min(UNIT, this.maxBytes);
    const size = Math.max(1, Math.ceil(expected / unit)) * unit;
    this.making = this.zeros(size).then(
      () => (this.size = size),
      async () => {
        this.failedIn = n;
        await this.files.remove(this.path).catch(() => {});
        this.making = undefined;
        return undefined;
      },
    );
  }

  private async zeros(size: number): Promise<void> {
    const fd = await this.files.open(this.path, 'w');
    try {
      const zeros = Buffer.alloc(Math.min(size, 1024 * 1024));
      for (let at = 0; at < size; at += zeros.length) await writeAll(this.files, fd, zeros.subarray(0, Math.min(zeros.length, size - at)));
      await this.files.datasync(fd);
    } finally {
      await this.files.close(fd);
    }
  }

  /** The spare opened under `file`'s name, if one is made (one still being made is left to finish). */
  async take(file: string): Promise<number | undefined> {
    if (this.size === undefined) return undefined;
    this.making = undefined;
    this.size = undefined;
    try {
      await rename(this.path, file);
      return await this.files.open(file, 'r+');
    } catch {
      return undefined;
    }
  }

  /** Removes what a crash left (at start), or what is made or being made (at a stop). */
  async discard(): Promise<void> {
    if (this.making) await this.making;
    this.making = undefined;
    this.size = undefined;
    await this.files.remove(this.path).catch(() => {});
  }
}
