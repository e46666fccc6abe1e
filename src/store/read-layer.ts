import {close, closeSync, fstat, fstatSync, open, openSync, read, readFile, readFileSync, readSync} from 'node:fs';

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

export const asyncReads: ReadLayer = {
  open: (path) => call((done) => open(path, 'r', done)),
  size: (fd) => call<{size: number}>((done) => fstat(fd, done)).then((s) => s.size),
  read: (fd, buffer, position) => call((done) => read(fd, buffer, 0, buffer.length, position, done)),
  close: (fd) => call<void>((done) => close(fd, (error) => done(error, undefined))),
  readText: (path) => call((done) => readFile(path, 'utf8', done)),
};

export const syncReads: ReadLayer = {
  open: async (path) => openSync(path, 'r'),
  size: async (fd) => fstatSync(fd).size,
  read: async (fd, buffer, position) => readSync(fd, buffer, 0, buffer.length, position),
  close: async (fd) => closeSync(fd),
  readText: async (path) => readFileSync(path, 'utf8'),
};
