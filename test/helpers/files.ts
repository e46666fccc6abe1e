import {nodeFiles, type FileLayer} from '../../src/store/file-layer.js';

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
