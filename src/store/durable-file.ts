import {open, readFile, rename, unlink} from 'node:fs/promises';
import {basename, dirname, join} from 'node:path';
import type {Adapter} from 'lowdb';

/** A data file that exists but cannot be read back as JSON. The hub stops rather than overwrite it. */
export class CorruptFileError extends Error {
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    super(`cannot parse ${file}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'CorruptFileError';
  }
}

let tmpCounter = 0;

/**
 * lowdb adapter whose write survives a power cut: the JSON goes to a temp file that is fsynced
 * before it is renamed over the old one (steno, lowdb's own writer, renames without fsync, which
 * can leave an empty file). The folder itself is synced by the store, once per group of writes.
 */
export class DurableJSONFile<T> implements Adapter<T> {
  constructor(readonly file: string) {}

  async read(): Promise<T | null> {
    let raw: string;
    try {
      raw = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    try {
      return JSON.parse(raw) as T;
    } catch (error) {
      throw new CorruptFileError(this.file, error);
    }
  }

  async write(data: T): Promise<void> {
    // Serialise before the first await so the snapshot is the state at the time of the call.
    const body = JSON.stringify(data);
    const tmp = join(dirname(this.file), `.${basename(this.file)}.${process.pid}.${++tmpCounter}.tmp`);
    const handle = await open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(body);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(tmp, this.file);
    } catch (error) {
      await unlink(tmp).catch(() => {});
      throw error;
    }
  }
}

/** fsync a folder so that a rename inside it is itself durable. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
