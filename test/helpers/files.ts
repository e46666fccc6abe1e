import {nodeFiles, type FileLayer} from '../../src/store/file-layer.js';
import {asyncReads, type ReadLayer} from '../../src/store/read-layer.js';

/**
 * The real file layer with `over`'s calls in place of its own, which are told the path behind a
 * descriptor: for a test that fails or watches the writes of one file.
 */
export function filesByPath(over: (pathOf: (fd: number) => string) => Partial<FileLayer>): FileLayer {
  const paths = new Map<number, string>();
  return {
    ...nodeFiles,
    async open(path, flags, mode) {
      const fd = await nodeFiles.open(path, flags, mode);
      paths.set(fd, path);
      return fd;
    },
    ...over((fd) => paths.get(fd) ?? ''),
  };
}

/** A real file layer that counts what is written to journal segments. */
export function countingFiles(): {files: FileLayer; journalWrites: () => number; journalBytes: () => number} {
  const wal = new Set<number>();
  let writes = 0;
  let bytes = 0;
  return {
    journalWrites: () => writes,
    journalBytes: () => bytes,
    files: {
      ...nodeFiles,
      async open(path, flags, mode) {
        const fd = await nodeFiles.open(path, flags, mode);
        if (path.endsWith('.wal')) wal.add(fd);
        else wal.delete(fd);
        return fd;
      },
      async write(fd, buffer, offset) {
        const n = await nodeFiles.write(fd, buffer, offset);
        if (wal.has(fd)) {
          writes += 1;
          bytes += n;
        }
        return n;
      },
    },
  };
}

/**
 * The hub's way of reading files, counting the bytes read from files whose path ends with a
 * suffix; `onRead` hears of each read once it has come back.
 */
export function countingReads(onRead: (path: string) => void = () => {}): {reads: ReadLayer; bytesFrom: (suffix: string) => number} {
  const paths = new Map<number, string>();
  const bytes = new Map<string, number>();
  const count = (path: string, n: number) => {
    bytes.set(path, (bytes.get(path) ?? 0) + n);
    onRead(path);
  };
  return {
    bytesFrom: (suffix) => [...bytes].filter(([path]) => path.endsWith(suffix)).reduce((sum, [, n]) => sum + n, 0),
    reads: {
      ...asyncReads,
      async open(path) {
        const fd = await asyncReads.open(path);
        paths.set(fd, path);
        return fd;
      },
      async read(fd, buffer, position) {
        const n = await asyncReads.read(fd, buffer, position);
        count(paths.get(fd) ?? '', n);
        return n;
      },
      async readText(path) {
        const text = await asyncReads.readText(path);
        count(path, Buffer.byteLength(text));
        return text;
      },
    },
  };
}
