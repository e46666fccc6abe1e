import {appendFile, mkdtemp, readdir, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {InvalidArgumentError} from 'commander';
import t from 'tap';
import {UsageError} from '../src/cli/common.js';
import {ProgressBar} from '../src/cli/progress.js';
import {pages} from '../src/cli/pages.js';
import {parseSince, parseUntil, sinceOption} from '../src/cli/when-option.js';
import {seedTranscripts} from './helpers/transcripts.js';
import {spawnTui} from './helpers/tui.js';
import {runCac, spawnCac} from './helpers/spawn.js';

const NOW = Date.parse('2026-06-15T12:00:00Z');
const H = 3_600_000;

t.test('--since and --until: a date, or a time ago', async (t) => {
  t.equal(parseSince('7d', NOW), NOW - 7 * 24 * H);
  t.equal(parseSince('24h', NOW), NOW - 24 * H);
  t.equal(parseSince('30m', NOW), NOW - 30 * 60_000);
  t.equal(parseSince('2w', NOW), NOW - 14 * 24 * H);
  t.equal(parseSince(' 90s ', NOW), NOW - 90_000);
  t.equal(parseSince('2026-03-01', NOW), Date.parse('2026-03-01T00:00:00Z'), 'a date alone is midnight UTC');
  t.equal(parseSince('2026-03-01T09:30+01:00', NOW), Date.parse('2026-03-01T08:30:00Z'));
  t.equal(parseSince('2030-01-01T00:00Z', NOW), Date.parse('2030-01-01T00:00:00Z'), 'a date is taken as it is, even in the future');
  t.equal(parseUntil('7d', NOW), NOW + 7 * 24 * H, 'blocks still count forward');
  for (const bad of ['yesterday', '7', 'd7', '7 days', '-7d', '1.5h', '2026-13-45', '03/01/2026', '']) {
    let caught: unknown;
    try {
      parseSince(bad, NOW);
    } catch (error) {
      caught = error;
    }
    t.ok(caught instanceof UsageError && /^not a date or duration: /.test(caught.message), JSON.stringify(bad));
  }
  t.throws(() => sinceOption('soon'), new InvalidArgumentError('not a date or duration: "soon" (use e.g. 2026-12-24, 2026-12-24T18:00Z, 24h, 7d)'));
  t.ok(Math.abs(sinceOption('1h') - (Date.now() - H)) < 5000, 'counted from now');
});

t.test('pages: the next page is asked for while this one is used, and never after the last', async (t) => {
  const asked: Array<string | undefined> = [];
  const book: Record<string, {items: number[]; next?: string}> = {'': {items: [1, 2], next: 'b'}, b: {items: [3], next: 'c'}, c: {items: [4]}};
  const got: number[][] = [];
  for await (const page of pages(async (cursor) => {
    asked.push(cursor);
    return book[cursor ?? '']!;
  })) {
    got.push(page.items);
    t.same(asked.at(-1), page.next ?? 'c', 'the next page is on its way already (none after the last)');
  }
  t.same(got, [[1, 2], [3], [4]]);
  t.same(asked, [undefined, 'b', 'c']);

  // A caller that stops early: the page asked for ahead may fail unseen.
  let failed = false;
  for await (const page of pages(async (cursor) => {
    if (cursor) {
      failed = true;
      throw new Error('the hub went away');
    }
    return {items: [1], next: 'x'};
  })) {
    t.same(page.items, [1]);
    break;
  }
  t.ok(failed);
  await t.rejects(
    (async () => {
      for await (const _ of pages(async (cursor) => (cursor ? Promise.reject(new Error('gone')) : {next: 'x'}))) void _;
    })(),
    {message: 'gone'},
    'a caller that goes on gets the failure',
  );
});

t.test('the progress bar: redrawn in place at most ten times a second, the last step always shown, then erased', async (t) => {
  let now = 1000;
  const writes: string[] = [];
  const bar = new ProgressBar(4, 'transcripts', {write: (s) => writes.push(s), columns: 60}, () => now);
  bar.tick('0.1 MB');
  now += 50;
  bar.tick();
  now += 100;
  bar.tick();
  bar.tick('0.4 MB');
  bar.clear();
  t.same(writes, [
    '\r[######------------------] 25% 1/4 transcripts, 0.1 MB\x1b[K',
    '\r[##################------] 75% 3/4 transcripts\x1b[K',
    '\r[########################] 100% 4/4 transcripts, 0.4 MB\x1b[K',
    '\r\x1b[K',
  ]);
  const narrow: string[] = [];
  const small = new ProgressBar(0, 'transcripts', {write: (s) => narrow.push(s), columns: 30}, () => now);
  small.tick();
  t.equal(narrow[0], '\r[########################] 10\x1b[K', 'never wider than the terminal; nothing to do is all done');
  const unseen: string[] = [];
  new ProgressBar(3, 'x', {write: (s) => unseen.push(s)}).clear();
  t.same(unseen, [], 'a bar never shown is not erased');
});

t.test('on a terminal, export shows a progress bar on stderr, then only the summary', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cac-progress-'));
  t.teardown(() => rm(dir, {recursive: true, force: true}));
  await seedTranscripts(dir, 60);
  const tui = spawnTui(['transcripts', 'export', '--format', 'txt', '--out', join(dir, 'out'), '--data', dir]);
  t.teardown(() => tui.kill());
  await tui.waitUntil('exit', () => tui.exitCode !== undefined, 60);
  t.equal(tui.exitCode, 0, tui.raw());
  t.match(tui.raw(), /\r\[#+-*\] \d+% \d+\/60 transcripts, [\d.]+ MB\x1b\[K/, 'the bar was drawn');
  t.match(tui.raw(), '\r[########################] 100% 60/60 transcripts');
  t.match(tui.screen().trim(), /^exported 60 transcripts, [\d.]+ MB, in [\d.]+ s to \S+$/, 'and erased: the summary alone remains');
  t.equal((await readdir(join(dir, 'out'))).length, 60);
});

t.test('a reader that goes away (| head) stops the export quietly', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cac-epipe-'));
  t.teardown(() => rm(dir, {recursive: true, force: true}));
  await seedTranscripts(dir, 120);
  const cac = spawnCac(['transcripts', 'export', '--format', 'txt', '--data', dir]);
  // Like `head -c 100`: read a little, then close the pipe while more is coming.
  await new Promise<void>((resolve) => cac.child.stdout!.once('data', () => resolve()));
  cac.child.stdout!.destroy();
  t.equal(await cac.exited, 0);
  t.equal(cac.stderr(), '', 'no EPIPE, no summary of an export nobody reads');
});

t.test('a damaged line in a chat log is named and skipped by an export; the lines around it come out', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cac-damaged-'));
  t.teardown(() => rm(dir, {recursive: true, force: true}));
  const {chats} = await seedTranscripts(dir, 3);
  const damaged = chats[1]!;
  const line = (n: number, e: object) => `${JSON.stringify({n, e})}\n`;
  const event = {kind: 'msg', from: 'visitor', name: 'Ann Lee', text: 'after the damage', at: damaged.requestedAt + 3_600_000};
  // Cut in half, of the wrong shape, unknown fields: then a good line again.
  await appendFile(join(dir, 'chats', `${damaged.id}.log`), `{"n":7,"e":{"kind":"msg"\n${line(8, {...event, kind: 'shout', seq: 8})}${line(9, {...event, seq: 9, mood: 'happy'})}${line(10, {...event, seq: 10})}`);
  const run = await runCac(['transcripts', 'export', '--format', 'jsonl', '--data', dir]);
  t.equal(run.code, 0, run.stderr);
  const log = `chats/${damaged.id}.log`;
  t.match(run.stderr, `${log}: line 7 is not JSON; skipped`);
  t.match(run.stderr, `${log}: line 8 has the wrong shape`);
  t.equal(run.stderr.match(/skipped/g)?.length, 2, 'nothing else is reported');
  const out = run.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as {chat: {id: string}; events: {seq: number; text: string}[]});
  t.same(out.map((o) => o.chat.id), chats.map((c) => c.id), 'every chat');
  const events = out[1]!.events;
  t.same(events.slice(-2).map((e) => [e.seq, e.text]), [[9, 'after the damage'], [10, 'after the damage']], 'the good lines after it, unknown fields left out');
  t.notOk('mood' in events.at(-2)!, 'what the schema does not name is not exported');
  t.equal(events.length, 8, 'the six lines before it, and the two good ones after');
});
