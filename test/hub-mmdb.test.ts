import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import t from 'tap';
import {defaultDatabase} from '../src/hub/geoip.js';
import {addressBytes, openMmdb} from '../src/hub/mmdb.js';

// A value of the MaxMind DB data format, encoded (https://maxmind.github.io/MaxMind-DB/).
type Field = Buffer;

function control(type: number, size: number): Buffer {
  const head = size < 29 ? [size] : size < 285 ? [29, size - 29] : size < 65821 ? [30, (size - 285) >> 8, (size - 285) & 255] : [31, (size - 65821) >> 16, ((size - 65821) >> 8) & 255, (size - 65821) & 255];
  const [first, ...rest] = head as [number, ...number[]];
  return type <= 7 ? Buffer.from([(type << 5) | first, ...rest]) : Buffer.from([first, type - 7, ...rest]);
}
const field = (type: number, body: Buffer, size = body.length): Field => Buffer.concat([control(type, size), body]);
const str = (s: string) => field(2, Buffer.from(s));
const dbl = (n: number) => field(3, Buffer.from(new Float64Array([n]).buffer).reverse());
const bytes = (b: number[]) => field(4, Buffer.from(b));
const uint = (type: number, n: bigint, width: number) => {
  const out = Buffer.alloc(width);
  for (let i = width - 1; i >= 0; i--, n >>= 8n) out[i] = Number(n & 255n);
  return field(type, out);
};
const int32 = (n: number) => field(8, Buffer.from([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]));
const flt = (n: number) => field(15, Buffer.from(new Float32Array([n]).buffer).reverse());
const bool = (b: boolean) => control(14, b ? 1 : 0);
const list = (items: Field[]) => Buffer.concat([control(11, items.length), ...items]);
const map = (pairs: Array<[string | Field, Field]>) =>
  Buffer.concat([control(7, pairs.length), ...pairs.flatMap(([k, v]) => [typeof k === 'string' ? str(k) : k, v])]);
/** A pointer of each size: 11, 19, 27 and 32 bits. */
function pointer(to: number, size: 0 | 1 | 2 | 3): Field {
  const v = [to, to - 2048, to - 526336, to][size]!;
  if (size === 3) return Buffer.from([(1 << 5) | (3 << 3), v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255]);
  const bytes = size + 1;
  const high = Math.floor(v / 256 ** bytes);
  const low = Array.from({length: bytes}, (_, i) => Math.floor(v / 256 ** (bytes - 1 - i)) & 255);
  return Buffer.from([(1 << 5) | (size << 3) | high, ...low]);
}

/**
 * A database of one node, with records of `recordSize` bits: the first bit of an IPv4 address
 * leads to a record holding every data type, or to a value of a type the format does not have.
 */
function database(dir: string, recordSize: 24 | 28 | 32): string {
  // Data section: strings where pointers of each size must reach them, then the record.
  const at = (offset: number, value: Field, before: Buffer) => Buffer.concat([before, Buffer.alloc(offset - before.length, 0xc0), value]);
  let data = str('France'); // at 0: an 11-bit pointer
  data = at(3000, str('Frankreich'), data); // a 19-bit one
  data = at(530_000, str('la France'), data); // a 27-bit one (0xc0 padding: never read)
  const names = map([['en', pointer(0, 0)]]);
  const record = map([
    ['country', map([['iso_code', str('FR')], ['names', names]])],
    ['city', map([['names', map([['en', pointer(0, 3)], ['de', pointer(3000, 1)], ['fr', pointer(530_000, 2)]])]])],
    ['double', dbl(1.5)],
    ['float', flt(0.25)],
    ['bytes', bytes([1, 2, 3])],
    ['u16', uint(5, 513n, 2)],
    ['u32', uint(6, 4_000_000_000n, 4)],
    ['u64', uint(9, 2n ** 60n, 8)],
    ['u128', uint(10, 5n, 16)],
    ['i32', int32(-2)],
    ['i32short', field(8, Buffer.from([1, 0]))],
    ['yes', bool(true)],
    ['list', list([str('a'), str('m'.repeat(100)), str('b'.repeat(300))])],
    ['long', str('x'.repeat(70_000))],
  ]);
  const recordAt = data.length;
  const badAt = recordAt + record.length;
  data = Buffer.concat([data, record, control(12, 0)]);
  const nodeCount = 1;
  const [left, right] = [recordAt, badAt].map((offset) => nodeCount + 16 + offset) as [number, number];
  const tree = Buffer.alloc(recordSize / 4);
  if (recordSize === 28) {
    tree.writeUIntBE(left % 2 ** 24, 0, 3);
    tree[3] = (Math.floor(left / 2 ** 24) << 4) | Math.floor(right / 2 ** 24);
    tree.writeUIntBE(right % 2 ** 24, 4, 3);
  } else {
    tree.writeUIntBE(left, 0, recordSize / 8);
    tree.writeUIntBE(right, recordSize / 8, recordSize / 8);
  }
  const meta = map([
    ['node_count', uint(6, BigInt(nodeCount), 4)],
    ['record_size', uint(5, BigInt(recordSize), 2)],
    ['ip_version', uint(5, 4n, 2)],
    ['database_type', str('test')],
    ['languages', list([str('en')])],
  ]);
  const marker = Buffer.from('abcdef4d61784d696e642e636f6d', 'hex');
  const file = join(dir, `test-${recordSize}.mmdb`);
  writeFileSync(file, Buffer.concat([tree, Buffer.alloc(16), data, marker, meta]));
  return file;
}

t.test('every data type and pointer size decodes; the first bit of the address finds the record', async (t) => {
  for (const size of [24, 28, 32] as const) {
    const reader = openMmdb(database(t.testdir(), size));
    t.teardown(() => reader.close());
    t.same(
      reader.get('1.2.3.4'),
      {
        country: {iso_code: 'FR', names: {en: 'France'}},
        city: {names: {en: 'France', de: 'Frankreich', fr: 'la France'}},
        double: 1.5,
        float: 0.25,
        bytes: Buffer.from([1, 2, 3]),
        u16: 513,
        u32: 4_000_000_000,
        u64: 2n ** 60n,
        u128: 5,
        i32: -2,
        i32short: 256,
        yes: true,
        list: ['a', 'm'.repeat(100), 'b'.repeat(300)],
        long: 'x'.repeat(70_000),
      },
      `${size}-bit records`,
    );
    t.throws(() => reader.get('200.1.1.1'), /unknown data type 12/, 'a type the format does not have is an error');
    t.equal(reader.get('2001:db8::1'), null, 'no IPv6 in an IPv4 database');
  }
});

t.test('the built-in country database, IPv4 and IPv6', async (t) => {
  const reader = openMmdb(defaultDatabase());
  t.teardown(() => reader.close());
  t.same(reader.get('8.8.8.8'), {country_code: 'US'});
  t.same(reader.get('2001:4860:4860::8888'), {country_code: 'US'});
  t.equal(reader.get('0.0.0.1'), null, 'an address no registry gave out');
});

t.test('a file that is not a database is refused', async (t) => {
  const file = join(t.testdir({'x.mmdb': 'not a database'}), 'x.mmdb');
  t.throws(() => openMmdb(file), /not a MaxMind database/);
});

t.test('addresses to bytes: IPv6 shorthand, an IPv4 ending, a zone', async (t) => {
  t.same(addressBytes('10.1.2.3'), [10, 1, 2, 3]);
  t.same(addressBytes('::1'), [...Array(15).fill(0), 1]);
  t.same(addressBytes('1::'), [0, 1, ...Array(14).fill(0)]);
  t.same(addressBytes('::ffff:1.2.3.4'), [...Array(10).fill(0), 255, 255, 1, 2, 3, 4]);
  t.same(addressBytes('fe80::1%eth0'), [254, 128, ...Array(13).fill(0), 1]);
  t.same(addressBytes('1:2:3:4:5:6:7:8'), [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]);
});
