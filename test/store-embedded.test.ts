import {spawn} from 'node:child_process';
import {readFile, readdir, truncate, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import t from 'tap';
import {ManualTimers} from './helpers/manual-timers.js';
import {EmbeddedStore} from '../src/store/embedded-store.js';
import {lockDataDir} from '../src/store/lock.js';
import {Tails} from '../src/store/tails.js';
import {Pending} from '../src/store/pending.js';
import type {JournalRecord} from '../src/store/journal.js';
import {countingFiles} from './helpers/files.js';
import type {ChatRecord, NewEvent} from '../src/store/types.js';

const chat = (id: string, over: Partial<ChatRecord> = {}): ChatRecord => ({
  id,
  kind: 'visitor',
  site: 'example.com',
  state: 'active',
  owner: 'alice',
  operators: ['alice'],
  requestedAt: 1,
  ...over,
});
const msg = (text: string, id?: string): NewEvent => ({kind: 'msg', from: 'operator', name: 'Alice', text, at: 1_790_000_000_000, ...(id ? {id} : {})});

t.test('a message writes the same few hundred bytes in a chat of 10 events and of 10,000', async (t) => {
  const {files, journalBytes} = countingFiles();
  const store = new EmbeddedStore(t.testdir(), {journal: true, files, log: () => {}});
  await store.open();
  for (const [id, length] of [['short', 10], ['long', 10_000]] as const) {
    await store.putChat(chat(id));
    for (let i = 0; i < length; i += 1000) {
      await Promise.all(Array.from({length: Math.min(1000, length - i)}, (_, j) => store.appendEvent(id, msg(`earlier message ${i + j}`))));
    }
  }
  const cost = async (id: string) => {
    const before = journalBytes();
    await store.appendEvent(id, msg('How can I help you today?', `client-id-${id}`));
    return journalBytes() - before;
  };
  const short = await cost('short');
  const long = await cost('long');
  t.ok(short > 0 && short < 400, `a message in a short chat: ${short} bytes`);
  // Only the numbers' digits differ (seq 11 against 10001, in the line and its event).
  t.ok(Math.abs(long - short) <= 8, `a message in a chat of 10,000 events: ${long} bytes (short: ${short})`);
  await store.close();
});

t.test('a page view of a visitor with 1,000 earlier visits writes less than 1 KB', async (t) => {
  const {files, journalBytes} = countingFiles();
  const store = new EmbeddedStore(t.testdir(), {journal: true, files, log: () => {}});
  await store.open();
  await store.putVisitor({id: 'regular', site: 'example.com', tokenHash: 'h', firstSeen: 1, chats: []});
  const start = (i: number) => ({id: `visit-${i}`, start: i * 1000, ip: '203.0.113.7', browser: 'Firefox 120', os: 'Linux', userAgent: 'Mozilla/5.0 '.repeat(40)});
  for (let i = 0; i < 1000; i += 100) {
    await Promise.all(
      Array.from({length: 100}, async (_, j) => {
        await store.appendVisit('regular', start(i + j));
        await store.appendPage('regular', `visit-${i + j}`, {url: 'https://example.com/', title: 'Home', at: (i + j) * 1000});
      }),
    );
  }
  const before = journalBytes();
  await store.appendPage('regular', 'visit-999', {url: 'https://example.com/products/42', title: 'Blue kettle', at: 2_000_000});
  const bytes = journalBytes() - before;
  t.ok(bytes < 1024, `one page view wrote ${bytes} bytes`);
  t.equal((await store.visits('regular', 1))[0]?.pages.length, 2);
  await store.close();
});

t.test('a full disk in the middle of a journal write: nothing of that group is acked, every acked message survives SIGKILL', async (t) => {
  const dir = t.testdir();
  const script = fileURLToPath(new URL('./fixtures/full-disk-writer.ts', import.meta.url));
  const child = spawn(process.execPath, [...process.execArgv, script, dir], {stdio: ['ignore', 'pipe', 'inherit']});
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 30_000;
  while (!out.includes('DONE\n') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  t.match(out, /DONE/, 'the writer got through every group');
  const acked = new Map([...out.matchAll(/^ACK (\S+) (\d+) (\d+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
  const cursors = new Map([...out.matchAll(/^ACK (\S+) (\d+) (\d+)$/gm)].map((m) => [m[1]!, Number(m[3])]));
  const failed = [...out.matchAll(/^FAIL (\S+) NotStoredError$/gm)].map((m) => m[1]!);
  // Four journal writes fail (one cut short, three on a full disk); how many messages each held
  // depends on how the appends were grouped, which a loaded machine changes.
  t.ok(failed.length >= 10 && failed.length <= 40, `the writes cut short or refused failed as NotStoredError (${failed.length} messages)`);
  t.equal(acked.size + failed.length, 200, 'every other message was acked: each one either acked or refused');

  const store = new EmbeddedStore(dir, {journal: true, log: () => {}});
  await store.open();
  const events = await store.events('c1');
  t.same(
    events.map((e) => [e.id, e.seq]),
    [...acked].sort((a, b) => a[1] - b[1]),
    'after the kill every acked message is there once, with the seq it was acked with',
  );
  t.same(events.map((e) => e.seq), events.map((_, i) => i + 1), 'no gap in seq');
  t.notOk(events.some((e) => failed.includes(e.id!)), 'nothing that was refused was kept');
  // The feed line of each message went in the same write, and refused cursors were handed out again.
  const {entries} = await store.feed(0, 1000);
  t.same(entries.map((e) => e.cursor), entries.map((_, i) => i + 1), 'no gap in the feed either');
  t.same(
    entries.map((e) => [e.type === 'chat.message' && e.event?.id, e.cursor]),
    [...cursors].sort((a, b) => a[1] - b[1]),
    'each acked message has the feed entry it was acked with, and nothing else is in the feed',
  );
  await store.close();
});

t.test('a visitor log cut short keeps every complete line and says so', async (t) => {
  const dir = t.testdir();
  const store = new EmbeddedStore(dir, {journal: true, log: () => {}});
  await store.open();
  await store.putVisitor({id: 'v1', site: 'example.com', tokenHash: 'h', firstSeen: 1, chats: []});
  await store.appendVisit('v1', {id: 'a', start: 1, ip: '', browser: 'b', os: 'o', userAgent: ''});
  for (let i = 0; i < 3; i++) await store.appendPage('v1', 'a', {url: `https://example.com/${i}`, title: `P${i}`, at: 10 + i});
  await store.close();
  const file = join(dir, 'visitors', 'v1.log');
  const text = await readFile(file, 'utf8');
  await truncate(file, text.length - 20);

  const said: string[] = [];
  const again = new EmbeddedStore(dir, {journal: true, log: (line) => said.push(line)});
  await again.open();
  const [visit] = await again.visits('v1');
  t.same(visit?.pages.map((p) => p.title), ['P0', 'P1'], 'the lines before the cut');
  t.match(said.join('\n'), /v1\.log: its last line was cut short/, 'the file is named');
  // Appending after the cut goes on from a whole line, never behind half of one.
  await again.appendPage('v1', 'a', {url: 'https://example.com/next', title: 'Next', at: 20});
  await again.close();
  const third = new EmbeddedStore(dir, {journal: true, log: () => {}});
  await third.open();
  t.same((await third.visits('v1'))[0]?.pages.map((p) => p.title), ['P0', 'P1', 'Next']);
  await third.close();
});

t.test('damaged or wrong-shaped files are named, never overwritten', async (t) => {
  const dir = t.testdir();
  const store = new EmbeddedStore(dir, {journal: true, log: () => {}});
  await store.open();
  await store.putChat(chat('old', {state: 'ended'}));
  await store.close();
  const doc = join(dir, 'chats', 'old.json');
  await writeFile(doc, JSON.stringify({id: 'old', state: 'lost'}));
  const again = new EmbeddedStore(dir, {journal: true, log: () => {}});
  await again.open();
  await t.rejects(again.chat('old'), {name: 'DamagedError', file: doc, message: /old\.json is damaged: kind: /});
  await again.close();
  t.equal(await readFile(doc, 'utf8'), JSON.stringify({id: 'old', state: 'lost'}), 'left as it was');

  await writeFile(join(dir, 'open-chats.json'), '{"chats": [{"chat": {"id": 3}}]}');
  await t.rejects(new EmbeddedStore(dir, {journal: true, log: () => {}}).open(), {name: 'DamagedError', message: /open-chats\.json is damaged/});
});

t.test('a visitor coming back: the page after its visits are read is numbered from what they read, once each', async (t) => {
  const dir = t.testdir();
  const first = new EmbeddedStore(dir, {journal: true, log: () => {}});
  await first.open();
  await first.appendVisit('v1', {id: 'a', start: 1, ip: '', browser: 'b', os: 'o', userAgent: ''});
  for (let i = 0; i < 3; i++) await first.appendPage('v1', 'a', {url: `https://example.com/${i}`, title: `P${i}`, at: 10 + i});
  await first.close();

  const again = new EmbeddedStore(dir, {journal: true, log: () => {}});
  await again.open();
  const [last] = await again.visits('v1', 1);
  t.equal(last!.pages.length, 3);
  // One page journalled and not yet in the log, then visits read again: the held line counts too.
  await again.appendPage('v1', 'a', {url: 'https://example.com/3', title: 'P3', at: 13});
  t.equal((await again.visits('v1', 1))[0]!.pages.length, 4);
  await again.appendPage('v1', 'a', {url: 'https://example.com/4', title: 'P4', at: 14});
  await again.close();
  const lines = (await readFile(join(dir, 'visitors', 'v1.log'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  t.same(lines.map((l) => l.n), [1, 2, 3, 4, 5, 6], 'numbered on from the log, none twice');
  t.same(lines.slice(1).map((l) => l.page.title), ['P0', 'P1', 'P2', 'P3', 'P4']);
});

t.test('a tail learnt by a reader never replaces one loaded, loading, or let go meanwhile', async (t) => {
  const tails = new Tails(2);
  const mark = tails.mark();
  tails.learn('a.log', 5, mark);
  t.same(tails.get('a.log'), {last: 5, committed: 5, file: 'a.log'}, 'a learnt tail names its log');
  await tails.with('b.log', async () => ({last: 9, committed: 9}), (tail) => (tail.last += 1));
  tails.learn('b.log', 3, mark);
  t.equal(tails.get('b.log')!.last, 10, 'a loaded tail stays');
  t.equal(tails.get('b.log')!.file, 'b.log', 'a loaded tail names its log');
  const before = tails.mark();
  tails.forget('a.log');
  tails.learn('c.log', 1, before);
  t.equal(tails.get('c.log'), undefined, 'a tail was let go while the reader read: not taken');
  const now = tails.mark();
  let release!: () => void;
  const loading = tails.with('d.log', () => new Promise((resolve) => (release = () => resolve({last: 7, committed: 7}))), (tail) => tail.last);
  tails.learn('d.log', 2, now);
  release();
  t.equal(await loading, 7, 'a loading tail stays');
});

t.test('bulk reads: files read at once inside, through the thread pool outside, also after a bulk read fails', async (t) => {
  const store = new EmbeddedStore(t.testdir(), {journal: true, log: () => {}});
  await store.open();
  await store.putChat(chat('c1'));
  await store.appendEvent('c1', msg('hello'));
  await store.close();
  const again = new EmbeddedStore(store.dir, {journal: true, log: () => {}});
  await again.open();
  // Whether a read of the log finishes before the event loop turns once.
  const beforeATurn = async () => {
    let turned = false;
    setImmediate(() => (turned = true));
    t.same((await again.events('c1')).map((e) => e.text), ['hello']);
    return !turned;
  };
  t.equal(await again.bulk(beforeATurn), true, 'inside: read at once');
  t.equal(await beforeATurn(), false, 'outside: through the pool');
  await t.rejects(again.bulk(async () => Promise.reject(new Error('page failed'))), /page failed/);
  t.equal(await beforeATurn(), false, 'a failed bulk read leaves reads as they were');
  await again.close();
});

t.test('the checkpoint lets go of what it wrote a slice at a time; what is held meanwhile stays', async (t) => {
  const pending = new Pending();
  const written: JournalRecord[] = [];
  for (let i = 1; i <= 50; i++) written.push({k: 'l', f: `chats/c${i % 5}.log`, n: Math.ceil(i / 5), text: `{"n":${Math.ceil(i / 5)}}`});
  written.push({k: 'd', f: 'chats/c1.json', text: '{"v":1}'});
  pending.hold(written);
  let turns = 0;
  const between = async () => {
    turns++;
    // Written while the release goes on: a newer line of a log, a newer version of a document.
    if (turns === 1) pending.hold([{k: 'l', f: 'chats/c1.log', n: 11, text: '{"n":11}'}, {k: 'd', f: 'chats/c1.json', text: '{"v":2}'}]);
  };
  await pending.release(written, between, 7);
  t.ok(turns >= 7, `the loop turned between slices (${turns} times)`);
  t.same([...pending.lineFiles()], ['chats/c1.log'], 'only the log written to meanwhile holds anything');
  t.equal(pending.floor('chats/c1.log'), 11, 'and only its new line');
  t.equal(pending.doc('chats/c1.json'), '{"v":2}', 'the newer document stays');
});

t.test('a log with a torn last line: the next checkpoint cuts it off and appends after the last whole line', async (t) => {
  const dir = t.testdir();
  const first = new EmbeddedStore(dir, {journal: true, log: () => {}});
  await first.open();
  await first.putChat(chat('c1'));
  for (const text of ['one', 'two', 'three']) await first.appendEvent('c1', msg(text));
  await first.close();
  // A crash in the middle of a checkpoint's append left half a line (the journal held all of it).
  await writeFile(join(dir, 'chats', 'c1.log'), '{"n":4,"e":{"kind":"msg","fr', {flag: 'a'});
  const said: string[] = [];
  const again = new EmbeddedStore(dir, {journal: true, log: (line) => said.push(line)});
  await again.open();
  t.equal((await again.appendEvent('c1', msg('four'))).event.seq, 4, 'numbered after the last whole line');
  await again.close();
  const lines = (await readFile(join(dir, 'chats', 'c1.log'), 'utf8')).split('\n');
  t.same(lines.at(-1), '', 'the log ends with a whole line');
  t.same(lines.slice(0, -1).map((l) => [JSON.parse(l).n, JSON.parse(l).e.text]), [[1, 'one'], [2, 'two'], [3, 'three'], [4, 'four']], 'each line once, in order');
  t.match(said.join('\n'), /cut off a torn last line before appending/);

  // Its last line unreadable but whole: that line is skipped and named, the next numbered after the one before.
  await writeFile(join(dir, 'chats', 'c1.log'), 'not json\n', {flag: 'a'});
  const third = new EmbeddedStore(dir, {journal: true, log: (line) => said.push(line)});
  await third.open();
  t.equal((await third.appendEvent('c1', msg('five'))).event.seq, 5);
  await third.close();
  const reread = new EmbeddedStore(dir, {journal: true, log: () => {}});
  await reread.open();
  t.same((await reread.events('c1')).map((e) => e.text), ['one', 'two', 'three', 'four', 'five']);
  await reread.close();
});

t.test('the journal after a crash: a torn last line is dropped, a bad middle line stops with the file named', async (t) => {
  const dir = t.testdir();
  const store = new EmbeddedStore(dir, {journal: true, log: () => {}, segmentAgeMs: 60_000});
  await store.open();
  await store.putChat(chat('c1'));
  await store.appendEvent('c1', msg('journalled'));
  // The process is gone before any checkpoint; a power cut left half a line behind.
  const [segment] = (await readdir(dir)).filter((n) => n.endsWith('.wal'));
  await writeFile(join(dir, segment!), '{"k":"l","f":"chats/c1.log","n":2,"l":{"n":2', {flag: 'a'});
  const said: string[] = [];
  const again = new EmbeddedStore(dir, {journal: true, log: (line) => said.push(line)});
  await again.open();
  t.same((await again.events('c1')).map((e) => e.text), ['journalled'], 'replayed; the torn record was never acked');
  t.match(said.join('\n'), /dropped a torn last line/);
  await again.close();
  t.same((await readdir(dir)).filter((n) => n.endsWith('.wal')), [], 'replayed segments are removed once written');
  t.match(await readFile(join(dir, 'chats', 'c1.log'), 'utf8'), /journalled/, 'and their lines are in the chat log');

  await writeFile(join(dir, 'journal-7.wal'), 'garbage\n{"k":"d","f":"status.json","d":{"status":{}}}\n');
  await t.rejects(new EmbeddedStore(dir, {journal: true, log: () => {}}).open(), {name: 'DamagedError', message: /journal-7\.wal/});
  t.equal(await readFile(join(dir, 'journal-7.wal'), 'utf8'), 'garbage\n{"k":"d","f":"status.json","d":{"status":{}}}\n', 'left as it was');
  await store.close().catch(() => {});
});

t.test('replaying a segment whose lines already reached the log appends each line once', async (t) => {
  const dir = t.testdir();
  const store = new EmbeddedStore(dir, {journal: true, log: () => {}});
  await store.open();
  await store.putChat(chat('c1'));
  await store.appendEvent('c1', msg('one'));
  await store.appendEvent('c1', msg('two'));
  await store.close();
  // As if the hub died after the checkpoint appended these lines but before it deleted the segment.
  const line = (n: number, text: string) => JSON.stringify({k: 'l', f: 'chats/c1.log', n, l: {n, e: {...msg(text), seq: n}}});
  await writeFile(join(dir, 'journal-9.wal'), [line(1, 'one'), line(2, 'two'), line(3, 'three')].join('\n') + '\n');
  const again = new EmbeddedStore(dir, {journal: true, log: () => {}});
  await again.open();
  t.same((await again.events('c1')).map((e) => e.text), ['one', 'two', 'three']);
  t.equal((await again.appendEvent('c1', msg('four'))).event.seq, 4, 'numbering goes on after the replayed line');
  await again.close();
});

t.test('the checkpoint empties the journal and then rests', async (t) => {
  const dir = t.testdir();
  const store = new EmbeddedStore(dir, {journal: true, log: () => {}, segmentAgeMs: 50});
  await store.open();
  await store.putChat(chat('c1'));
  for (let i = 0; i < 5; i++) await store.appendEvent('c1', msg(`m${i}`));
  const deadline = Date.now() + 10_000;
  while ((await readdir(dir)).some((n) => n.endsWith('.wal')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  t.same((await readdir(dir)).filter((n) => n.endsWith('.wal')), [], 'no segment left once idle');
  const log = await readFile(join(dir, 'chats', 'c1.log'), 'utf8');
  t.equal(log.trim().split('\n').length, 5, 'every event is in the chat log');
  t.same(JSON.parse(await readFile(join(dir, 'open-chats.json'), 'utf8')).chats[0].lastSeq, 5);
  await store.close();
});

t.test('a busy journal finishes its segments by their age alone, not also when the idle wait comes round', async (t) => {
  const dir = t.testdir();
  const timers = new ManualTimers(0);
  const opened: number[] = [];
  const {files} = countingFiles();
  const journalFds = new Set<number>();
  const watched = {
    ...files,
    async open(path: string, flags: string, mode?: number) {
      const fd = await files.open(path, flags, mode);
      if (path.endsWith('.wal')) {
        opened.push(timers.now());
        journalFds.add(fd);
      }
      return fd;
    },
    // A journal flush takes 20 ms: a group is acknowledged (and the idle wait counted from then)
    // a moment after its segment was opened, as on a slow disk.
    async datasync(fd: number) {
      if (journalFds.has(fd)) timers.advance(20);
      return files.datasync(fd);
    },
  };
  const store = new EmbeddedStore(dir, {journal: true, log: () => {}, segmentAgeMs: 500, files: watched, clock: timers});
  await store.open();
  await store.putChat(chat('c1'));
  // Groups back to back for 4 s: the idle wait (as long as a segment's age) never sees quiet.
  for (let i = 0; timers.now() < 4000; i++) {
    await store.appendEvent('c1', msg(`m${i}`));
    timers.advance(1);
  }
  await store.close();
  const gaps = opened.slice(1).map((at, i) => at - opened[i]!);
  t.ok(gaps.length >= 6 && gaps.length <= 7, `a new segment about each 500 ms (opened at ${opened.join(', ')} ms)`);
  t.ok(
    gaps.every((gap) => gap >= 500 && gap <= 530),
    `none started sooner (gaps ${gaps.join(', ')} ms): a second one, a moment after each rotation, was a new file in the checkpoint's burst`,
  );
});

t.test('temp files left by a crash are removed at start', async (t) => {
  const dir = t.testdir({tmp: {'sites.json.123.4.tmp': 'half'}});
  const store = new EmbeddedStore(dir, {journal: true, log: () => {}});
  await store.open();
  t.same(await readdir(join(dir, 'tmp')), []);
  await store.close();
});

t.test('the data folder lock: our own pid is stale (a restarted container), another live hub is named', async (t) => {
  const dir = t.testdir({'hub.lock': String(process.pid)});
  const unlock = await lockDataDir(dir);
  t.equal(await readFile(join(dir, 'hub.lock'), 'utf8'), String(process.pid), 'taken over');
  await t.rejects(lockDataDir(dir), /this process already holds/);
  await unlock();
  const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
  t.teardown(() => other.kill());
  await writeFile(join(dir, 'hub.lock'), String(other.pid));
  await t.rejects(lockDataDir(dir), new RegExp(`another hub \\(pid ${other.pid}\\)`));
});

t.test('no file outside src/store imports lowdb', async (t) => {
  const root = fileURLToPath(new URL('../src/', import.meta.url));
  const offenders: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, {withFileTypes: true})) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (/\.tsx?$/.test(entry.name) && !path.startsWith(join(root, 'store')) && /from 'lowdb/.test(await readFile(path, 'utf8'))) offenders.push(path);
    }
  };
  await walk(root);
  t.same(offenders, []);
});

t.test('a checkpoint of many chats at once writes every log (synced together)', async (t) => {
  const dir = t.testdir();
  const store = new EmbeddedStore(dir, {journal: true, log: () => {}, segmentAgeMs: 60_000});
  await store.open();
  const ids = Array.from({length: 150}, (_, i) => `many-${i}`);
  for (const id of ids) await store.putChat(chat(id));
  await Promise.all(ids.flatMap((id) => [store.appendEvent(id, msg(`${id} one`)), store.appendEvent(id, msg(`${id} two`))]));
  await store.close();
  t.same((await readdir(dir)).filter((n) => n.endsWith('.wal')), [], 'the journal is empty: everything is in the logs');
  for (const id of [ids[0]!, ids[149]!]) {
    t.same((await readFile(join(dir, 'chats', `${id}.log`), 'utf8')).trim().split('\n').map((l) => JSON.parse(l).e.text), [`${id} one`, `${id} two`]);
  }
});

t.test('a checkpoint of many chat records at once puts every one in place (synced together, then renamed)', async (t) => {
  const dir = t.testdir();
  const store = new EmbeddedStore(dir, {journal: true, log: () => {}, segmentAgeMs: 60_000});
  await store.open();
  const ids = Array.from({length: 100}, (_, i) => `doc-${i}`);
  await Promise.all(ids.map((id) => store.putChat(chat(id, {state: 'ended', endedAt: 7}))));
  await store.close();
  for (const id of ids) t.equal(JSON.parse(await readFile(join(dir, 'chats', `${id}.json`), 'utf8')).endedAt, 7);
  t.same(await readdir(join(dir, 'tmp')), [], 'no temp file left');
});
