import {close, closeSync, fdatasync, ftruncate, open, openSync, unlink, write, writeSync} from 'node:fs';

/**
 * The few file operations the journal and the logs append with, behind an interface so that a
 * test can make the disk fill up (ENOSPC) or a write come up short at a chosen moment. The
 * callback API is used on purpose: it costs less per call than FileHandle on the hot path.
 */
export interface FileLayer {
  open(path: string, flags: string, mode?: number): Promise<number>;
  /** Writes from `offset` of `buffer`; resolves with how many bytes were written (maybe fewer). */
  write(fd: number, buffer: Buffer, offset: number): Promise<number>;
  datasync(fd: number): Promise<void>;
  truncate(fd: number, length: number): Promise<void>;
  close(fd: number): Promise<void>;
  /**
   * Appends all of `data` to a file (created if missing) at once, on the calling thread, without
   * making it durable; throws as the system calls do. For the checkpoint's many small appends,
   * which one file-system sync then makes durable together: each costs a few µs of system calls
   * into the page cache, where three round trips through the thread pool cost the main thread
   * several times that, and wake pool threads that take the hub's cores from it.
   */
  appendNow(path: string, data: Buffer): void;
  /** Deletes a file; one already gone is no error. */
  remove(path: string): Promise<void>;
}

const done =
  <T>(resolve: (value: T) => void, reject: (error: unknown) => void) =>
  (error: NodeJS.ErrnoException | null, value?: T) =>
    error ? reject(error) : resolve(value as T);

/** A write that wrote nothing: a failure, never a silent loss. */
const noProgress = () => Object.assign(new Error('short write: no space was written'), {code: 'EIO'});

export const nodeFiles: FileLayer = {
  open: (path, flags, mode = 0o600) => new Promise((resolve, reject) => open(path, flags, mode, done(resolve, reject))),
  write: (fd, buffer, offset) =>
    new Promise((resolve, reject) => write(fd, buffer, offset, buffer.length - offset, null, done(resolve, reject))),
  datasync: (fd) => new Promise((resolve, reject) => fdatasync(fd, done(resolve, reject))),
  truncate: (fd, length) => new Promise((resolve, reject) => ftruncate(fd, length, done(resolve, reject))),
  close: (fd) => new Promise((resolve, reject) => close(fd, done(resolve, reject))),
  appendNow(path, data) {
    const fd = openSync(path, 'a', 0o600);
    try {
      for (let offset = 0; offset < data.length; ) {
        const written = writeSync(fd, data, offset, data.length - offset, null);
        if (written <= 0) throw noProgress();
        offset += written;
      }
    } finally {
      closeSync(fd);
    }
  },
  remove: (path) =>
    new Promise((resolve, reject) => unlink(path, (error) => (error && error.code !== 'ENOENT' ? reject(error) : resolve()))),
};

/** Writes all of `buffer`; a write that makes no progress is a failure, never a silent loss. */
export async function writeAll(files: FileLayer, fd: number, buffer: Buffer): Promise<void> {
  let offset = 0;
  while (offset < buffer.length) {
    const written = await files.write(fd, buffer, offset);
    if (written <= 0) throw noProgress();
    offset += written;
  }
}

/**
 * Appends `pieces` to a file (created if missing) in turn, and makes it durable unless `sync` is
 * false. Each piece is made only once the one before is written: a long append is never built
 * whole on the main thread.
 */
export async function appendDurably(files: FileLayer, path: string, pieces: Iterable<string>, sync = true): Promise<void> {
  const fd = await files.open(path, 'a');
  try {
    for (const piece of pieces) await writeAll(files, fd, Buffer.from(piece));
    if (sync) await files.datasync(fd);
  } finally {
    await files.close(fd);
  }
}

/** Makes a file's written data durable. */
export async function syncFile(files: FileLayer, path: string): Promise<void> {
  const fd = await files.open(path, 'r');
  try {
    await files.datasync(fd);
  } finally {
    await files.close(fd);
  }
}
