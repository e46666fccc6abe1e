import {existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import t from 'tap';
import {nodeFiles, type FileLayer} from '../src/store/file-layer.js';
import {Journal, type JournalRecord} from '../src/store/journal.js';

/*
 * The next journal segment is made ahead (zeros, made durable) while the current one fills, so
 * appends overwrite allocated blocks. Its unwritten rest must never read as records, nor as
 * damage, after a crash as after a clean stop.
 */

const SPARE = 'journal.spare';
const line = (n: number): JournalRecord => ({k: 'l', f: 'chats/c1.log', n, text: JSON.stringify({n, e: {text: 'x'.repeat(200)}})});
const segments = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.wal')).sort();

async function until(what: string, ok: () => boolean): Promise<void> {
  // Made in the background on the file pool: looked for until it is there (or 20 s have gone).
  for (let i = 0; i < 2000 && !ok(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!ok()) throw new Error(`never: ${what}`);
}

/** Waits until the spare exists at its full size. */
const spareMade = (dir: string) => until('the spare is made', () => existsSync(join(dir, SPARE)) && statSync(join(dir, SPARE)).size === 4096);

/** The line numbers of `records`, and 1..count, to compare them with. */
const numbers = (records: JournalRecord[]) => records.map((r) => (r.k === 'l' ? r.n : 0));
const oneTo = (count: number) => Array.from({length: count}, (_, i) => i + 1);

/** Appends one record a group from `sent` until the journal has a second segment; the count sent. */
async function untilSecondSegment(dir: string, journal: Journal, sent: number): Promise<number> {
  while (segments(dir).length < 2) await journal.append([line(++sent)]);
  return sent;
}

/** A journal of 4 KiB segments, fed one record a group until the spare exists. */
async function filled(dir: string, files: FileLayer = nodeFiles): Promise<{journal: Journal; sent: number}> {
  const journal = new Journal(dir, {files, maxBytes: 4096, maxAgeMs: 600_000, log: () => {}});
  await journal.leftovers();
  let sent = 0;
  while (sent < 12) await journal.append([line(++sent)]);
  return {journal, sent};
}

t.test('the next segment is made ahead, written from its start, and read back without its zeros after a crash', async (t) => {
  const dir = t.testdir();
  const {journal, sent: first} = await filled(dir);
  await spareMade(dir);
  t.ok(readFileSync(join(dir, SPARE)).every((b) => b === 0), 'made of zeros');

  let sent = await untilSecondSegment(dir, journal, first);
  await journal.append([line(++sent)]);
  const second = join(dir, segments(dir)[1]!);
  t.equal(statSync(second).size, 4096, 'the second segment is the spare, renamed: its size was allocated ahead');
  t.match(readFileSync(second, 'utf8'), /^\{"g":1\}\n\{"k":"l"/, 'written from its start');

  // The process dies here. A new start reads every record, in order, and nothing else.
  const said: string[] = [];
  const again = new Journal(dir, {files: nodeFiles, log: (l) => said.push(l)});
  const records = (await again.leftovers()).flatMap((s) => s.records);
  t.same(numbers(records), oneTo(sent));
  t.same(said, [], 'the zeros are neither a record nor damage');
  t.notOk(existsSync(join(dir, SPARE)), 'a spare left by the crash is removed at start');
  await journal.close();
});

t.test('a group torn inside a segment made ahead is dropped whole, even with later pages of it on disk', async (t) => {
  const dir = t.testdir();
  const {journal, sent: first} = await filled(dir);
  await spareMade(dir);
  const sent = await untilSecondSegment(dir, journal, first);
  await journal.close();
  const file = join(dir, segments(dir)[1]!);
  const bytes = readFileSync(file);
  const end = bytes.indexOf(0) === -1 ? bytes.length : bytes.indexOf(0);
  // A crash in the middle of a group of two: its header and half a line written, a hole of
  // zeros (a page that never reached the disk), then the end of its second line (one that did).
  const torn = Buffer.alloc(4096);
  bytes.copy(torn, 0, 0, end);
  torn.write('{"g":2}\n{"k":"l","f":"chats/c1.log","n":99', end);
  torn.write('x"}}\n', 3000);
  writeFileSync(file, torn);

  const said: string[] = [];
  const records = (await new Journal(dir, {files: nodeFiles, log: (l) => said.push(l)}).leftovers()).flatMap((s) => s.records);
  t.same(numbers(records), oneTo(sent), 'every acknowledged record, and nothing of the torn group');
  t.match(said.join('\n'), /dropped an unfinished last group of 2 records/);
});

t.test('a spare that cannot be made (a full disk) costs nothing but the speed-up, and is not retried in a loop', async (t) => {
  const dir = t.testdir();
  let tries = 0;
  const files: FileLayer = {
    ...nodeFiles,
    async open(path, flags, mode) {
      if (path.endsWith(SPARE)) {
        tries += 1;
        throw Object.assign(new Error(`ENOSPC: no space left on device, open '${path}'`), {code: 'ENOSPC'});
      }
      return nodeFiles.open(path, flags, mode);
    },
  };
  const {journal, sent: first} = await filled(dir, files);
  let sent = await untilSecondSegment(dir, journal, first);
  await journal.append([line(++sent)]);
  t.equal(tries, 1, 'tried once in the first segment, however many groups followed');
  t.ok(statSync(join(dir, segments(dir)[1]!)).size < 4096, 'the next segment is a new file, grown as written');
  await journal.close();
  const records = (await new Journal(dir, {files: nodeFiles}).leftovers()).flatMap((s) => s.records);
  t.equal(records.length, sent, 'every record is there');
  t.notOk(existsSync(join(dir, SPARE)));
});

t.test('a clean stop removes the spare', async (t) => {
  const dir = t.testdir();
  const {journal} = await filled(dir);
  await spareMade(dir);
  await journal.close();
  t.notOk(existsSync(join(dir, SPARE)));
  t.equal(segments(dir).length, 1, 'the segment itself stays for the checkpoint');
});

t.test('a spare gone from under the journal (removed by hand) is no loss: the next segment is a new file', async (t) => {
  const dir = t.testdir();
  const {journal, sent: first} = await filled(dir);
  await spareMade(dir);
  rmSync(join(dir, SPARE));
  let sent = await untilSecondSegment(dir, journal, first);
  await journal.append([line(++sent)]);
  t.ok(statSync(join(dir, segments(dir)[1]!)).size < 4096, 'a new file, grown as written');
  await journal.close();
  const records = (await new Journal(dir, {files: nodeFiles}).leftovers()).flatMap((s) => s.records);
  t.same(numbers(records), oneTo(sent));
});
