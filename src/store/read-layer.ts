import {close, closeSync, fstat, fstatSync, open, openSync, read, readFileSync, readSync} from 'node:fs';

/*
 * How the store reads its files. A hub reads without blocking, through the callback API (it
 * costs less per call than FileHandle). A command working on the data folder alone serves nobody
 * while it reads, so it reads synchronously: a small file then costs a fraction of the round trip
 * through the thread pool, which is what an export of thousands of chats is made of.
 */
export interface ReadLayer {
  /** A file descriptor for reading. */
  open(path: string): Promise<number>;
  size(fd: number): Promise<number>;
  /** Reads into all of `buffer` from `position`; resolves with the bytes read. */
  read(fd: number, buffer: Buffer, position: number): Promise<number>;
  close(fd: number): Promise<void>;
  readText(path: string): Promise<string>;
}

function call<T>(fn: (done: (error: NodeJS.ErrnoException | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((error, value) => (error ? reject(error) : resolve(value))));
}

/** The first read of a whole file: a chat's document or log fits, most of the time. */
const FIRST_READ = 16 * 1024;

export const asyncReads: ReadLayer = {
  open: (path) => call((done) => open(path, 'r', done)),
  size: (fd) => call<{size: number}>((done) => fstat(fd, done)).then((s) => s.size),
  read: (fd, buffer, position) => call((done) => read(fd, buffer, 0, buffer.length, position, done)),
  close: (fd) => call<void>((done) => close(fd, (error) => done(error, undefined))),
  /**
   * Read until a read comes back short, the end of a regular file: a round trip through the
   * thread pool less than readFile makes (it asks for the size first), per document and log.
   */
  readText: async (path) => {
    const fd = await asyncReads.open(path);
    try {
      const chunks: Buffer[] = [];
      for (let size = FIRST_READ, position = 0; ; size *= 2) {
        const chunk = Buffer.allocUnsafe(size);
        const bytesRead = await asyncReads.read(fd, chunk, position);
        chunks.push(chunk.subarray(0, bytesRead));
        position += bytesRead;
        if (bytesRead < size) break;
      }
      return (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8');
    } finally {
      await asyncReads.close(fd);
    }
  },
};

export const syncReads: ReadLayer = {
  open: async (path) => openSync(path, 'r'),
  size: async (fd) => fstatSync(fd).size,
  read: async (fd, buffer, position) => readSync(fd, buffer, 0, buffer.length, position),
  close: async (fd) => closeSync(fd),
  readText: async (path) => readFileSync(path, 'utf8'),
};

/** Reads as `sync()` says at each call: synchronous while a bulk read runs, without otherwise. */
export function switchedReads(sync: () => boolean): ReadLayer {
  const now = () => (sync() ? syncReads : asyncReads);
  return {
    open: (path) => now().open(path),
    size: (fd) => now().size(fd),
    read: (fd, buffer, position) => now().read(fd, buffer, position),
    close: (fd) => now().close(fd),
    readText: (path) => now().readText(path),
  };
}
