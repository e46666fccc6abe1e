import {closeSync, fstatSync, openSync, readSync, statSync} from 'node:fs';
import {trimOldest} from '../lib/trim-oldest.js';

/**
 * An MMDB file read a page at a time, in the shape of the Buffer the `maxmind` reader walks.
 *
 * Why: the reader wants the whole database in memory, and reading it whole kept all of it
 * resident in every hub (7.8 MB for the country database shipped, 60-70 MB for a city one) for
 * lookups that touch a few dozen of its pages each. Here a lookup reads the 4 KB pages it walks
 * with `pread` (from the page cache once warm), and at most `maxPages` of them stay in memory,
 * the most recently used.
 *
 * Only the Buffer members the reader uses are here; any other one throws, naming itself, so a
 * reader that came to need more fails its tests rather than answering wrong.
 */
export interface PagedFile {
  /** Stands in for the file's bytes wherever the reader takes a Buffer. */
  readonly buffer: Buffer;
  /** Pages read from the file so far, and held in memory now. */
  pages(): {read: number; held: number};
  close(): void;
}

const PAGE = 4096;

/**
 * The file was written over in place (`cp new.mmdb old.mmdb`) since it was opened, so pages read
 * now would mix two databases, or another was renamed into its place (as updaters do). Seen at
 * the next page read from the file; the caller opens it again.
 */
export class FileChanged extends Error {}

export function openPaged(file: string, maxPages = 256): PagedFile {
  const fd = openSync(file, 'r');
  const opened = fstatSync(fd);
  const size = opened.size;
  const pages = new Map<number, Buffer>();
  let reads = 0;
  let closed = false;
  let changed = false;
  // A walk reads a node's bytes several times in a row: those skip the recency bookkeeping.
  let lastN = -1;
  let last: Buffer | undefined;

  /** Whether another file has the name now (an updater renamed a new one into place). */
  function renamedOver(): boolean {
    const named = statSync(file, {throwIfNoEntry: false});
    return named !== undefined && (named.ino !== opened.ino || named.dev !== opened.dev);
  }

  function stale(why: string): never {
    changed = true;
    throw new FileChanged(`${file} ${why} since it was opened`);
  }

  function page(n: number): Buffer {
    if (changed) stale('changed');
    if (n === lastN) return last!;
    const hit = pages.get(n);
    if (hit) {
      // Map order is recency: the first key is the least recently used.
      pages.delete(n);
      pages.set(n, hit);
      lastN = n;
      return (last = hit);
    }
    if (closed) throw new Error(`${file}: the location database is closed`);
    const now = fstatSync(fd);
    if (now.size !== size || now.mtimeMs !== opened.mtimeMs) stale('changed');
    if (renamedOver()) stale('was replaced');
    const buf = Buffer.allocUnsafe(Math.min(PAGE, size - n * PAGE));
    let got = 0;
    while (got < buf.length) {
      const r = readSync(fd, buf, got, buf.length - got, n * PAGE + got);
      if (r === 0) stale(`was cut to ${n * PAGE + got} bytes`);
      got += r;
    }
    reads++;
    pages.set(n, buf);
    trimOldest(pages, maxPages);
    lastN = n;
    return (last = buf);
  }

  /** The bytes [start, end) of the file, as a Buffer of their own when they cross a page. */
  function range(start: number, end: number): [Buffer, number] {
    if (start < 0 || end > size || start > end) throw new RangeError(`${file}: bytes ${start}-${end} are outside its ${size}`);
    const n = Math.floor(start / PAGE);
    if (end <= (n + 1) * PAGE) return [page(n), start - n * PAGE];
    const out = Buffer.allocUnsafe(end - start);
    for (let at = start; at < end; ) {
      const p = Math.floor(at / PAGE);
      const upto = Math.min(end, (p + 1) * PAGE);
      page(p).copy(out, at - start, at - p * PAGE, upto - p * PAGE);
      at = upto;
    }
    return [out, 0];
  }

  const fixed = (bytes: number, read: (b: Buffer, at: number) => number) => (offset: number) => {
    const [b, at] = range(offset, offset + bytes);
    return read(b, at);
  };
  const copy = (start = 0, end = size) => {
    const s = Math.max(0, Math.min(start, size));
    const e = Math.max(s, Math.min(end, size));
    const [b, at] = range(s, e);
    return Buffer.from(b.subarray(at, at + e - s));
  };
  const members: Record<string, unknown> = {
    length: size,
    readUInt8: fixed(1, (b, at) => b.readUInt8(at)),
    readUInt16BE: fixed(2, (b, at) => b.readUInt16BE(at)),
    readUInt32BE: fixed(4, (b, at) => b.readUInt32BE(at)),
    readInt32BE: fixed(4, (b, at) => b.readInt32BE(at)),
    readFloatBE: fixed(4, (b, at) => b.readFloatBE(at)),
    readDoubleBE: fixed(8, (b, at) => b.readDoubleBE(at)),
    readUIntBE: (offset: number, bytes: number) => {
      const [b, at] = range(offset, offset + bytes);
      return b.readUIntBE(at, bytes);
    },
    subarray: copy,
    slice: copy,
    toString: (encoding: BufferEncoding = 'utf8', start = 0, end = size) => copy(start, end).toString(encoding),
  };

  // A Proxy of an empty Buffer: `Buffer.isBuffer` (the reader's check) sees a Buffer, and
  // `db[i]` reaches the trap.
  const buffer = new Proxy(Buffer.alloc(0), {
    get(_target, key) {
      if (typeof key === 'string') {
        const c = key.charCodeAt(0);
        if (c >= 48 && c <= 57) {
          const i = Number(key);
          if (i >= size) return undefined;
          const n = Math.floor(i / PAGE);
          return page(n)[i - n * PAGE];
        }
        if (Object.hasOwn(members, key)) return members[key];
      }
      throw new Error(`${file}: Buffer member ${String(key)} is not read a page at a time`);
    },
  });

  return {
    buffer,
    pages: () => ({read: reads, held: pages.size}),
    close() {
      if (closed) return;
      closed = true;
      pages.clear();
      lastN = -1;
      last = undefined;
      closeSync(fd);
    },
  };
}
