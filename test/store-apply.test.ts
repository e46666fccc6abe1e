import {mkdirSync} from 'node:fs';
import {readFile} from 'node:fs/promises';
import {join} from 'node:path';
import t from 'tap';
import {applyRecords, type ApplyContext} from '../src/store/apply.js';
import {nodeFiles, type FileLayer} from '../src/store/file-layer.js';
import type {JournalRecord} from '../src/store/journal.js';
import {filesByPath} from './helpers/files.js';

/** Lines `from`..`to` of logs c0..c(count-1). */
const lines = (count: number, from: number, to: number): JournalRecord[] =>
  Array.from({length: count}, (_, i) =>
    Array.from({length: to - from + 1}, (_, k) => ({k: 'l' as const, f: `chats/c${i}.log`, n: from + k, text: JSON.stringify({n: from + k, text: `c${i} line ${from + k}`})})),
  ).flat();

t.test('a checkpoint append that fails part-way: the retry cuts the torn line and appends each line once', async (t) => {
  const dir = t.testdir();
  mkdirSync(join(dir, 'chats'));
  mkdirSync(join(dir, 'tmp'));
  // The disk fills in the middle of c7's append: part of it is written, then ENOSPC.
  let full = false;
  const files = filesByPath((pathOf) => ({
    async write(fd, buffer, offset) {
      if (!full || !pathOf(fd).endsWith('c7.log')) return nodeFiles.write(fd, buffer, offset);
      if (offset > 0) throw Object.assign(new Error('no space left on device'), {code: 'ENOSPC'});
      return nodeFiles.write(fd, buffer.subarray(0, Math.floor(buffer.length / 3)), 0);
    },
  }));
  const said: string[] = [];
  const ctx: ApplyContext = {dir, tmpDir: join(dir, 'tmp'), files, report: (line) => said.push(line), diskN: new Map(), concurrency: 2, writing: new Map(), syncFileSystem: async () => false};
  await applyRecords(ctx, lines(10, 1, 1));
  full = true;
  await t.rejects(applyRecords(ctx, lines(10, 2, 3)), {code: 'ENOSPC'}, 'the checkpoint fails (it keeps the segment and retries)');
  full = false;
  await applyRecords(ctx, lines(10, 2, 3));
  for (const i of [6, 7, 8]) {
    const text = await readFile(join(dir, 'chats', `c${i}.log`), 'utf8');
    t.same(text.split('\n').slice(0, -1).map((l) => (JSON.parse(l) as {n: number}).n), [1, 2, 3], `log ${i}: whole lines, each once`);
  }
  t.match(said.join('\n'), /c7\.log: cut off a torn last line/);
});

t.test('many logs at once: new ones and long ones through the thread pool, short appends on the main thread a slice at a time, synced together; one that fails part-way is cut and appended once on the retry', async (t) => {
  const dir = t.testdir();
  mkdirSync(join(dir, 'chats'));
  mkdirSync(join(dir, 'tmp'));
  const appended: string[] = [];
  let pooledWrites = 0;
  let full = false;
  const files: FileLayer = {
    ...nodeFiles,
    async write(fd, buffer, offset) {
      pooledWrites += 1;
      return nodeFiles.write(fd, buffer, offset);
    },
    // The disk fills in the middle of c70's append: a third of it is written, then ENOSPC.
    appendNow(path, data) {
      appended.push(path);
      if (!full || !path.endsWith('c70.log')) return nodeFiles.appendNow(path, data);
      nodeFiles.appendNow(path, data.subarray(0, Math.floor(data.length / 3)));
      throw Object.assign(new Error('no space left on device'), {code: 'ENOSPC'});
    },
  };
  const said: string[] = [];
  let syncs = 0;
  const ctx: ApplyContext = {dir, tmpDir: join(dir, 'tmp'), files, report: (line) => said.push(line), diskN: new Map(), concurrency: 2, writing: new Map(), syncFileSystem: async () => ++syncs > 0};
  const long = Array.from({length: 1200}, (_, k) => ({k: 'l' as const, f: 'chats/long.log', n: k + 1, text: JSON.stringify({n: k + 1})}));
  await applyRecords(ctx, [...lines(100, 1, 1), ...long]);
  t.equal(appended.length, 0, 'new logs are not made on the main thread');
  t.equal(pooledWrites, 100 + 3, 'each new log one write through the thread pool, the long one three pieces');
  t.equal(syncs, 1, 'one sync of the file system for all of them');
  const longText = await readFile(join(dir, 'chats', 'long.log'), 'utf8');
  t.same(longText.split('\n').slice(0, -1).map((l) => (JSON.parse(l) as {n: number}).n), long.map((r) => r.n), 'the long log: every line once, in order');

  full = true;
  pooledWrites = 0;
  let appendsBeforeTurn: number | undefined;
  setImmediate(() => (appendsBeforeTurn = appended.length));
  await t.rejects(applyRecords(ctx, lines(100, 2, 3)), {code: 'ENOSPC'}, 'the checkpoint fails (it keeps the segment and retries)');
  t.equal(pooledWrites, 0, 'appends to logs on disk are made on the main thread');
  t.ok(appendsBeforeTurn! > 0 && appendsBeforeTurn! < 71, `the event loop turned between appends (after ${appendsBeforeTurn})`);
  full = false;
  await applyRecords(ctx, lines(100, 2, 3));
  for (const i of [0, 69, 70, 71, 99]) {
    const text = await readFile(join(dir, 'chats', `c${i}.log`), 'utf8');
    t.same(text.split('\n').slice(0, -1).map((l) => (JSON.parse(l) as {n: number}).n), [1, 2, 3], `log ${i}: whole lines, each once`);
  }
  t.match(said.join('\n'), /c70\.log: cut off a torn last line/);
});

t.test('after a failed fdatasync the retry syncs the log and its new folder again, though it finds the lines written', async (t) => {
  const dir = t.testdir();
  mkdirSync(join(dir, 'tmp'));
  mkdirSync(join(dir, 'chats'));
  // The lines reach the page cache, then the log's fdatasync fails once (EIO): Linux may have
  // marked those pages clean, so reading them back proves nothing about the disk.
  let failSync = true;
  const synced: string[] = [];
  const files = filesByPath((pathOf) => ({
    async datasync(fd) {
      const path = pathOf(fd);
      if (path.endsWith('c0.log') && failSync) {
        failSync = false;
        throw Object.assign(new Error('i/o error, fdatasync'), {code: 'EIO'});
      }
      synced.push(path);
      return nodeFiles.datasync(fd);
    },
  }));
  const dirsSynced: string[] = [];
  const ctx: ApplyContext = {
    dir,
    tmpDir: join(dir, 'tmp'),
    files,
    report: () => {},
    diskN: new Map(),
    concurrency: 2,
    writing: new Map(),
    syncFileSystem: async () => false,
    syncDir: async (d) => void dirsSynced.push(d),
  };
  await t.rejects(applyRecords(ctx, lines(1, 1, 2)), {code: 'EIO'});
  t.same(dirsSynced, [], 'the failed run synced no folder');
  await applyRecords(ctx, lines(1, 1, 2));
  t.same(synced.map((p) => p.slice(dir.length)), ['/chats/c0.log'], 'the retry synced the log it wrote nothing to');
  t.same(dirsSynced, [join(dir, 'chats')], 'and the folder of the log the failed run created');
  const text = await readFile(join(dir, 'chats', 'c0.log'), 'utf8');
  t.same(text.split('\n').slice(0, -1).map((l) => (JSON.parse(l) as {n: number}).n), [1, 2], 'each line once');
  synced.length = 0;
  dirsSynced.length = 0;
  await applyRecords(ctx, lines(1, 1, 2));
  t.same([synced, dirsSynced], [[], []], 'once that succeeded, a replay of the same lines syncs nothing more');
});
