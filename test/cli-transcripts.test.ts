import {spawnSync} from 'node:child_process';
import {mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {simpleParser} from 'mailparser';
import t from 'tap';
import {z} from 'zod';
import {adminOps, chatRecord, searchMatch} from '../src/protocol/index.js';
import {EmbeddedStore} from '../src/store/embedded-store.js';
import type {TranscriptJson} from '../src/transcript/index.js';
import {runCac} from './helpers/spawn.js';
import {seedTranscripts, storeChat, type Seeded} from './helpers/transcripts.js';

const VNU = 'node_modules/vnu-jar/build/dist/vnu.jar';

function noJava(): string | false {
  if (spawnSync('java', ['-version']).error === undefined) return false;
  if (process.env.CI === 'true') throw new Error('java is missing: CI must install a Java runtime for the HTML checks');
  return 'no java on this machine (install a Java runtime to check transcripts with the Nu HTML Checker)';
}

/** A data folder with the seeded chats (no hub runs on it), removed at the end. */
async function folder(t: {teardown(fn: () => unknown): void}): Promise<Seeded & {dir: string; cac: (...args: string[]) => ReturnType<typeof runCac>}> {
  const dir = await mkdtemp(join(tmpdir(), 'cac-transcripts-'));
  t.teardown(() => rm(dir, {recursive: true, force: true}));
  const seeded = await seedTranscripts(dir);
  return {...seeded, dir, cac: (...args) => runCac(['transcripts', ...args, '--data', dir])};
}

const records = z.array(chatRecord);
const transcriptJsonShape = z.object({format: z.literal('cac-transcript'), version: z.literal(1), chat: chatRecord, events: z.array(z.object({seq: z.number(), text: z.string()}))});

t.test('list: a line per chat, oldest first, filtered; --json is an array of chat records', async (t) => {
  const {cac, chats, dir} = await folder(t);
  const all = await cac('list');
  t.equal(all.code, 0, all.stderr);
  t.equal(all.stderr, '');
  const lines = all.stdout.trimEnd().split('\n');
  t.same(lines.map((l) => l.split('\t')[0]), chats.map((c) => c.id));
  t.equal(lines[0], `${chats[0]!.id}\t2026-03-01T09:00:00Z\texample.com\tended\talice\tEve\tHello, question number 0`);
  t.match(lines[2], '\t<b>Mallory</b>␛[2J\t', 'a hostile name made visible');
  t.notMatch(all.stdout, '\u001b', 'no raw escape reaches the terminal');

  const json = await cac('list', '--json', '--site', 'shop.example', '--operator', 'bob');
  t.equal(json.code, 0, json.stderr);
  t.same(records.parse(JSON.parse(json.stdout)).map((c) => c.id), [chats[1]!.id, chats[3]!.id, chats[5]!.id]);
  t.equal(json.stdout.split('\n').length, 3 + 3, 'one element a line between the brackets');

  const window = await cac('list', '--since', '2026-03-03', '--until', '2026-03-05T09:00Z', '--visitor', 'visitor2');
  t.same(window.stdout.trimEnd().split('\n').map((l) => l.split('\t')[0]), [chats[2]!.id]);

  // Durations count back from now.
  const store = new EmbeddedStore(dir, {journal: true, log: () => {}});
  await store.open();
  await storeChat(store, {...chats[0]!, id: 'recent-chat', requestedAt: Date.now() - 3 * 3600_000});
  await store.close();
  const ids = async (...args: string[]) => records.parse(JSON.parse((await cac('list', '--json', ...args)).stdout)).map((c) => c.id);
  t.same(await ids('--since', '1d'), ['recent-chat'], 'requested 3 hours ago: within a day');
  t.same(await ids('--since', '1d', '--until', '2h'), ['recent-chat']);
  t.same(await ids('--since', '1d', '--until', '4h'), []);
  t.same(await ids('--since', '1h'), []);
  t.same((await ids('--until', '1w')).length, 6);

  const none = await cac('list', '--site', 'example.com', '--since', '2030-01-01');
  t.same([none.code, none.stdout, none.stderr], [0, '', 'no chats\n']);
  // A site there is not (cli-unknown-names.test.ts): said as such, not as an empty list.
  const unknown = await cac('list', '--site', 'nowhere.example');
  t.same([unknown.code, unknown.stdout], [1, '']);
  t.match(unknown.stderr, /^cac: no site nowhere\.example, and nothing is stored under that name/);
});

t.test('show: one transcript as text (default), JSON, HTML or an e-mail draft', async (t) => {
  const {cac, chats} = await folder(t);
  const id = chats[2]!.id;
  const text = await cac('show', id);
  t.equal(text.code, 0, text.stderr);
  t.match(text.stdout, /^Chat with <b>Mallory<\/b>␛\[2J on example\.com\n=+\n/);
  t.match(text.stdout, 'Operators: Alice Smith (alice)\n');
  t.match(text.stdout, 'Started:   2026-03-03 09:00 GMT+00:00\n');
  t.match(text.stdout, '09:03 <b>Mallory</b>␛[2J: Where is my order 1002?\n      It was a Refund request.\n');
  t.notMatch(text.stdout, '\u001b');

  for (const args of [['--json'], ['--format', 'json']]) {
    const json = await cac('show', id, ...args);
    const doc = transcriptJsonShape.parse(JSON.parse(json.stdout)) as unknown as TranscriptJson;
    t.equal(doc.chat.id, id);
    t.same(doc.events.map((e) => e.seq), [1, 2, 3, 4, 5, 6]);
  }
  const html = await cac('show', id, '--format', 'html');
  t.match(html.stdout, /^<!DOCTYPE html>\n/);
  t.match(html.stdout, '<title>Chat with &lt;b&gt;Mallory&lt;/b&gt;␛[2J on example.com, 2026-03-03</title>');

  const eml = await cac('show', id, '--format', 'eml');
  const mail = await simpleParser(eml.stdout);
  t.equal(mail.subject, 'Chat with <b>Mallory</b>␛[2J on example.com, 2026-03-03');
  t.equal(mail.headers.get('x-unsent'), '1');
  t.match(mail.text, 'It ships today.');
});

t.test('search: matching lines with chat id and time; --json an array of matches; colour only when asked for', async (t) => {
  const {cac, chats, dir} = await folder(t);
  const found = await cac('search', 'REFUND', '--site', 'example.com');
  t.equal(found.code, 0, found.stderr);
  t.same(found.stdout.trimEnd().split('\n'), [
    `${chats[0]!.id}  2026-03-01T09:03:00Z  Eve: It was a Refund request.`,
    `${chats[2]!.id}  2026-03-03T09:03:00Z  <b>Mallory</b>␛[2J: It was a Refund request.`,
    `${chats[4]!.id}  2026-03-05T09:03:00Z  Ann Lee: It was a Refund request.`,
  ]);
  const json = await cac('search', 'order 1003', '--json');
  t.same(z.array(searchMatch).parse(JSON.parse(json.stdout)), [
    {chatId: chats[3]!.id, site: 'shop.example', seq: 4, at: chats[3]!.requestedAt + 3 * 60_000, from: 'visitor', name: 'Eve', line: 'Where is my order 1003?'},
  ]);
  const none = await cac('search', 'nothing like this');
  t.same([none.code, none.stdout, none.stderr], [0, '', 'no matches\n']);
  t.same(JSON.parse((await cac('search', 'nothing like this', '--json')).stdout), []);

  const forced = await runCac(['transcripts', 'search', 'refund', '--operator', 'bob', '--data', dir], {FORCE_COLOR: '1', NO_COLOR: ''});
  t.match(forced.stdout, '\u001b[31m\u001b[1mRefund\u001b[22m\u001b[39m', 'the match in bold red');
  t.equal(forced.stdout.split('\u001b[31m').length, 4, 'and nothing else coloured');
  for (const quiet of [{env: {FORCE_COLOR: '1', NO_COLOR: '1'}, args: []}, {env: {FORCE_COLOR: '1', NO_COLOR: ''}, args: ['--no-color']}]) {
    const plain = await runCac(['transcripts', 'search', 'refund', ...quiet.args, '--data', dir], quiet.env);
    t.notMatch(plain.stdout, '\u001b', JSON.stringify(quiet));
    t.match(plain.stdout, 'Refund');
  }
});

t.test('export: jsonl and json to stdout, txt separated by form feeds; a summary on stderr', async (t) => {
  const {cac, chats} = await folder(t);
  const jsonl = await cac('export');
  t.equal(jsonl.code, 0, jsonl.stderr);
  const docs = jsonl.stdout.trimEnd().split('\n').map((line) => transcriptJsonShape.parse(JSON.parse(line)));
  t.same(docs.map((d) => d.chat.id), chats.map((c) => c.id), 'jsonl: one chat a line, every line JSON');
  t.match(jsonl.stderr, /^exported 6 transcripts, 0\.0 MB, in \d+\.\d s\n$/);

  const json = await cac('export', '--format', 'json', '--operator', 'alice');
  t.same(z.array(transcriptJsonShape).parse(JSON.parse(json.stdout)).map((d) => d.chat.id), [chats[0]!.id, chats[2]!.id, chats[4]!.id]);
  t.match(json.stderr, /^exported 3 transcripts/);

  const txt = await cac('export', '--format', 'txt', '--site', 'shop.example');
  const pages = txt.stdout.split('\f\n');
  t.equal(pages.length, 3);
  for (const [i, page] of pages.entries()) t.match(page, new RegExp(`^Chat with .+ on shop\\.example\\n[^]*question number ${2 * i + 1}\\n`));
  const empty = await cac('export', '--format', 'json', '--since', '2030-01-01');
  t.same([JSON.parse(empty.stdout), empty.stderr.replace(/in \S+ s/, 'in T s')], [[], 'exported 0 transcripts, 0.0 MB, in T s\n']);
});

t.test('export to a folder: one file per chat, each valid; files already there are kept', async (t) => {
  const {cac, chats} = await folder(t);
  const out = await mkdtemp(join(tmpdir(), 'cac-export-'));
  t.teardown(() => rm(out, {recursive: true, force: true}));

  const html = await cac('export', '--format', 'html', '--out', join(out, 'html'));
  t.equal(html.code, 0, html.stderr);
  const files = (await readdir(join(out, 'html'))).sort();
  t.same(files, [
    `chat-example.com-2026-03-01-Eve-${chats[0]!.id}.html`,
    `chat-example.com-2026-03-03-b_Mallory_b_2J-${chats[2]!.id}.html`,
    `chat-example.com-2026-03-05-Ann_Lee-${chats[4]!.id}.html`,
    `chat-shop.example-2026-03-02-Ann_Lee-${chats[1]!.id}.html`,
    `chat-shop.example-2026-03-04-Eve-${chats[3]!.id}.html`,
    `chat-shop.example-2026-03-06-b_Mallory_b_2J-${chats[5]!.id}.html`,
  ], 'named from the chat; nothing else left in the folder');
  t.match(html.stderr, new RegExp(`^exported 6 transcripts, 0\\.0 MB, in \\S+ s to ${join(out, 'html')}\\n$`));

  const eml = await cac('export', '--format', 'eml', '--out', join(out, 'eml'), '--site', 'example.com');
  t.equal(eml.code, 0, eml.stderr);
  for (const name of await readdir(join(out, 'eml'))) {
    const mail = await simpleParser(await readFile(join(out, 'eml', name)));
    t.match(mail.subject, /^Chat with .+ on example\.com, 2026-03-0\d$/, name);
    t.match(mail.html, /^<!DOCTYPE html>/);
  }
  t.equal((await readdir(join(out, 'eml'))).length, 3);

  // Again, with one file changed by hand and one removed: only the missing one is written.
  await writeFile(join(out, 'html', files[0]!), 'kept as it is');
  await rm(join(out, 'html', files[1]!));
  const again = await cac('export', '--format', 'html', '--out', join(out, 'html'));
  t.match(again.stderr, /^exported 1 transcript, 0\.0 MB, in \S+ s to \S+; 5 already there, left as they were\n$/);
  t.equal(await readFile(join(out, 'html', files[0]!), 'utf8'), 'kept as it is');
  t.equal((await readdir(join(out, 'html'))).length, 6);

  const json = await cac('export', '--format', 'json', '--out', join(out, 'json'));
  for (const name of await readdir(join(out, 'json'))) transcriptJsonShape.parse(JSON.parse(await readFile(join(out, 'json', name), 'utf8')));
  t.equal(json.code, 0);
});

t.test('exported HTML passes the Nu HTML Checker with no error', {skip: noJava()}, async (t) => {
  const {cac} = await folder(t);
  const out = await mkdtemp(join(tmpdir(), 'cac-export-'));
  t.teardown(() => rm(out, {recursive: true, force: true}));
  t.equal((await cac('export', '--format', 'html', '--out', out)).code, 0);
  const files = (await readdir(out)).map((f) => join(out, f));
  t.equal(files.length, 6);
  const run = spawnSync('java', ['-jar', VNU, '--errors-only', '--format', 'json', ...files], {encoding: 'utf8'});
  t.same((JSON.parse(run.stderr) as {messages: unknown[]}).messages, [], 'no error in any document');
  t.equal(run.status, 0);
});

t.test('failures: an unknown chat exits 1 with one line; bad flags, dates and formats exit 2 with usage', async (t) => {
  const {cac, dir} = await folder(t);
  const unknown = await cac('show', 'no-such-chat');
  t.same([unknown.code, unknown.stdout, unknown.stderr], [1, '', 'cac: no chat no-such-chat\n']);

  for (const args of [
    ['list', '--bogus'],
    ['list', '--since', 'yesterday'],
    ['search', 'x', '--until', '2026-13-45'],
    ['export', '--since', '7 days'],
    ['export', '--format', 'pdf'],
    ['show', 'x', '--format', 'jsonl'],
    ['search'],
    ['show'],
  ]) {
    const r = await cac(...args);
    t.equal(r.code, 2, `${args.join(' ')}: exit 2`);
    t.match(r.stderr, new RegExp(`error: [^\\n]+\\n[^]*Usage: cac transcripts ${args[0]}`), `${args.join(' ')}: says why, then the usage`);
    t.equal(r.stdout, '');
  }
  for (const [args, message] of [
    [['export', '--format', 'html'], 'cac: --format html writes one document per chat: give --out DIR\n'],
    [['export', '--format', 'eml', '--out', '-'], 'cac: --format eml writes one document per chat: give --out DIR\n'],
    [['export', '--out', 'somewhere'], 'cac: --format jsonl is one stream: write it to stdout (--out -); --format json writes a file per chat\n'],
    [['list', '--since', '2d', '--until', '3d'], 'cac: --since must come before --until\n'],
    [['export', '--format', 'txt', '--out', join(dir, 'format.json')], `cac: --out ${join(dir, 'format.json')} is a file, not a folder\n`],
  ] as const) {
    const r = await cac(...args);
    t.same([r.code, r.stdout, r.stderr], [2, '', message], args.join(' '));
  }
});

t.test('every transcripts command has --help with an example', async (t) => {
  for (const sub of ['list', 'show', 'export', 'search']) {
    const r = await runCac(['transcripts', sub, '--help']);
    t.equal(r.code, 0);
    t.match(r.stdout, new RegExp(`Examples?:\\n  \\$ cac transcripts ${sub}`), sub);
  }
  t.match((await runCac(['transcripts', '--help'])).stdout, /Example:\n {2}\$ cac transcripts export/);
  t.ok(adminOps['transcripts.export'], 'the operation the CLI uses is in the protocol');
});
