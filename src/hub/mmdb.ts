import {closeSync, fstatSync, openSync, readSync} from 'node:fs';
import {isIP} from 'node:net';

/*
 * A reader of MaxMind DB files (https://maxmind.github.io/MaxMind-DB/) that reads what a lookup
 * needs from the file, a few small reads each, instead of holding the whole file in memory: the
 * built-in country database alone was 8 MB of the hub's memory, for a lookup per visit.
 */

const METADATA_MARKER = Buffer.from('abcdef4d61784d696e642e636f6d', 'hex'); // \xAB\xCD\xEF MaxMind.com
const METADATA_MAX_BYTES = 128 * 1024;
const DATA_SEPARATOR_BYTES = 16;
const PAGE_BYTES = 4096;
/** Pages kept: the top of the search tree, which every lookup walks, stays read. */
const PAGES_KEPT = 64;

/** File bytes by page, the most recently used kept. */
class Pages {
  private readonly pages = new Map<number, Buffer>();

  constructor(
    private readonly fd: number,
    readonly size: number,
  ) {}

  private page(n: number): Buffer {
    let page = this.pages.get(n);
    if (page) {
      this.pages.delete(n);
    } else {
      page = Buffer.alloc(Math.min(PAGE_BYTES, this.size - n * PAGE_BYTES));
      readSync(this.fd, page, 0, page.length, n * PAGE_BYTES);
      if (this.pages.size >= PAGES_KEPT) this.pages.delete(this.pages.keys().next().value!);
    }
    this.pages.set(n, page);
    return page;
  }

  byte(offset: number): number {
    if (offset < 0 || offset >= this.size) throw new Error(`offset ${offset} is outside the database`);
    return this.page(Math.floor(offset / PAGE_BYTES))[offset % PAGE_BYTES]!;
  }

  /** An unsigned big-endian number of `length` bytes (at most 6). */
  uint(offset: number, length: number): number {
    let value = 0;
    for (let i = 0; i < length; i++) value = value * 256 + this.byte(offset + i);
    return value;
  }

  bytes(offset: number, length: number): Buffer {
    if (offset < 0 || offset + length > this.size) throw new Error(`bytes ${offset}+${length} are outside the database`);
    const out = Buffer.alloc(length);
    for (let done = 0; done < length; ) {
      const at = offset + done;
      const page = this.page(Math.floor(at / PAGE_BYTES));
      done += page.copy(out, done, at % PAGE_BYTES, Math.min(page.length, (at % PAGE_BYTES) + length - done));
    }
    return out;
  }
}

/** Decodes the data section's values; `base` is where pointers count from. */
class Decoder {
  constructor(
    private readonly pages: Pages,
    private readonly base: number,
  ) {}

  /** The value at `offset`, and where the next one starts. */
  decode(offset: number): {value: unknown; next: number} {
    const p = this.pages;
    const control = p.byte(offset++);
    let type = control >> 5;
    if (type === 1) {
      // A pointer: its size bits say how many bytes follow.
      const size = (control >> 3) & 3;
      const low = control & 7;
      const target =
        size === 0
          ? low * 256 + p.byte(offset)
          : size === 1
            ? low * 65536 + p.uint(offset, 2) + 2048
            : size === 2
              ? low * 16777216 + p.uint(offset + 0, 3) + 526336
              : p.uint(offset, 4);
      return {value: this.decode(this.base + target).value, next: offset + size + 1};
    }
    if (type === 0) type = 7 + p.byte(offset++);
    let size = control & 31;
    if (size === 29) size = 29 + p.byte(offset++);
    else if (size === 30) (size = 285 + p.uint(offset, 2)), (offset += 2);
    else if (size === 31) (size = 65821 + p.uint(offset, 3)), (offset += 3);
    switch (type) {
      case 2:
        return {value: p.bytes(offset, size).toString('utf8'), next: offset + size};
      case 3:
        return {value: p.bytes(offset, 8).readDoubleBE(0), next: offset + 8};
      case 4:
        return {value: p.bytes(offset, size), next: offset + size};
      case 5:
      case 6:
      case 9:
      case 10:
        return {value: this.unsigned(offset, size), next: offset + size};
      case 7: {
        const map: Record<string, unknown> = {};
        let at = offset;
        for (let i = 0; i < size; i++) {
          const key = this.decode(at);
          const value = this.decode(key.next);
          map[String(key.value)] = value.value;
          at = value.next;
        }
        return {value: map, next: at};
      }
      case 8:
        // Shorter than four bytes, it is positive.
        return {value: size === 4 ? p.bytes(offset, 4).readInt32BE(0) : this.unsigned(offset, size), next: offset + size};
      case 11: {
        const list: unknown[] = [];
        let at = offset;
        for (let i = 0; i < size; i++) {
          const item = this.decode(at);
          list.push(item.value);
          at = item.next;
        }
        return {value: list, next: at};
      }
      case 14:
        return {value: size !== 0, next: offset};
      case 15:
        return {value: p.bytes(offset, 4).readFloatBE(0), next: offset + 4};
      default:
        throw new Error(`unknown data type ${type} at ${offset - 1}`);
    }
  }

  /** An unsigned number; past 2^53 as a bigint. */
  private unsigned(offset: number, size: number): number | bigint {
    if (size <= 6) return this.pages.uint(offset, size);
    let value = 0n;
    for (let i = 0; i < size; i++) value = value * 256n + BigInt(this.pages.byte(offset + i));
    return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  }
}

/** The 4 bytes of an IPv4 address, or the 16 of an IPv6 one. */
export function addressBytes(ip: string): number[] {
  if (isIP(ip) === 4) return ip.split('.').map(Number);
  let text = ip.replace(/%.*$/, '');
  // An IPv4 ending (::ffff:1.2.3.4) is the last two groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${(a * 256 + b).toString(16)}:${(c * 256 + d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const before = head ? head.split(':') : [];
  const after = tail ? tail.split(':') : [];
  const groups = tail === undefined ? before : [...before, ...Array<string>(8 - before.length - after.length).fill('0'), ...after];
  return groups.flatMap((group) => {
    const n = parseInt(group, 16);
    return [n >> 8, n & 255];
  });
}

export interface MmdbReader {
  /** The record for an address (its network's), or null when the database has none. */
  get(ip: string): unknown;
  close(): void;
}

/** Opens a database: reads its metadata now, everything else when a lookup needs it. */
export function openMmdb(file: string): MmdbReader {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const pages = new Pages(fd, size);
    const tailStart = Math.max(0, size - METADATA_MAX_BYTES);
    const marker = pages.bytes(tailStart, size - tailStart).lastIndexOf(METADATA_MARKER);
    if (marker < 0) throw new Error(`${file} is not a MaxMind database (no metadata)`);
    const metaStart = tailStart + marker + METADATA_MARKER.length;
    const meta = new Decoder(pages, metaStart).decode(metaStart).value as Record<string, unknown>;
    const nodeCount = Number(meta.node_count);
    const recordSize = Number(meta.record_size);
    const ipVersion = Number(meta.ip_version);
    if (![24, 28, 32].includes(recordSize) || !(nodeCount > 0)) throw new Error(`${file}: unsupported database (record size ${recordSize})`);
    const nodeBytes = recordSize / 4;
    const treeBytes = nodeCount * nodeBytes;
    const data = new Decoder(pages, treeBytes + DATA_SEPARATOR_BYTES);

    const record = (node: number, right: boolean): number => {
      const at = node * nodeBytes;
      if (recordSize === 24) return pages.uint(at + (right ? 3 : 0), 3);
      if (recordSize === 32) return pages.uint(at + (right ? 4 : 0), 4);
      // 28 bits: the middle byte's high nibble belongs to the left record, its low to the right.
      const middle = pages.byte(at + 3);
      return right ? (middle & 15) * 16777216 + pages.uint(at + 4, 3) : (middle >> 4) * 16777216 + pages.uint(at, 3);
    };

    // IPv4 addresses sit under ::/96 of an IPv6 tree.
    let ipv4Start = 0;
    if (ipVersion === 6) for (let i = 0; i < 96 && ipv4Start < nodeCount; i++) ipv4Start = record(ipv4Start, false);

    return {
      get(ip) {
        const bytes = addressBytes(ip);
        if (bytes.length === 16 && ipVersion === 4) return null;
        let node = bytes.length === 4 ? ipv4Start : 0;
        for (let bit = 0; bit < bytes.length * 8 && node < nodeCount; bit++) {
          node = record(node, ((bytes[bit >> 3]! >> (7 - (bit & 7))) & 1) === 1);
        }
        if (node <= nodeCount) return null;
        return data.decode(node - nodeCount + treeBytes).value;
      },
      close: () => closeSync(fd),
    };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}
