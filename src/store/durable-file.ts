import {open, readdir, rename, unlink} from 'node:fs/promises';
import {basename, join} from 'node:path';
import type {Adapter} from 'lowdb';
import type {z} from 'zod';
import {quickSafeParse} from '../lib/quick-parse.js';
import {asyncReads, type ReadLayer} from './read-layer.js';
import {DamagedError} from './store.js';

let tmpCounter = 0;

/** Reads a JSON document and checks its shape; a missing file is `null`, a bad one DamagedError. */
export async function readJSON<T>(file: string, schema: z.ZodType<T>, reads: ReadLayer = asyncReads): Promise<T | null> {
  let raw: string;
  try {
    raw = await reads.readText(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new DamagedError(file, (error as Error).message);
  }
  const parsed = quickSafeParse(schema, json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DamagedError(file, `${issue?.path.join('.') || 'document'}: ${issue?.message ?? 'wrong shape'}`);
  }
  return parsed.data;
}

/**
 * Replaces a file in a way that survives a power cut: the text goes to a temp file (in the data
 * folder's tmp/, so leftovers are found without listing big folders) that is fsynced before it
 * is renamed over the old one. The caller syncs the target folder, once per group of writes.
 */
export async function writeDurably(file: string, text: string, tmpDir: string): Promise<void> {
  const tmp = await writeTemp(file, text, tmpDir, true);
  await renameInto(tmp, file);
}

/** Writes a temp file for `file` (fsynced when `sync`); resolves with its path. */
export async function writeTemp(file: string, text: string, tmpDir: string, sync: boolean): Promise<string> {
  const tmp = join(tmpDir, `${basename(file)}.${process.pid}.${++tmpCounter}.tmp`);
  const handle = await open(tmp, 'w', 0o600);
  let written = false;
  try {
    await handle.writeFile(text);
    if (sync) await handle.sync();
    written = true;
  } finally {
    await handle.close().catch(() => {});
    if (!written) await unlink(tmp).catch(() => {});
  }
  return tmp;
}

/** Puts a temp file (whose data is durable by now) in place of `file`. */
export async function renameInto(tmp: string, file: string): Promise<void> {
  try {
    await rename(tmp, file);
  } catch (error) {
    await unlink(tmp).catch(() => {});
    throw error;
  }
}

/** Removes temp files a crash left behind (a failed write removes its own). */
export async function removeTemps(tmpDir: string): Promise<void> {
  for (const name of await readdir(tmpDir).catch(() => [] as string[])) {
    if (name.endsWith('.tmp')) await unlink(join(tmpDir, name)).catch(() => {});
  }
}

/** lowdb adapter over the two functions above: validated reads, durable writes. */
export class DurableJSONFile<T> implements Adapter<T> {
  constructor(
    readonly file: string,
    readonly schema: z.ZodType<T>,
    readonly tmpDir: string,
  ) {}

  read(): Promise<T | null> {
    return readJSON(this.file, this.schema);
  }

  write(data: T): Promise<void> {
    return writeDurably(this.file, JSON.stringify(data), this.tmpDir);
  }
}

/** fsync a folder so that a rename or a new file inside it is itself durable. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
