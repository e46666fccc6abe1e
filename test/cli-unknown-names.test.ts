import {existsSync} from 'node:fs';
import {mkdir, mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import t from 'tap';
import {z} from 'zod';
import {chatRecord} from '../src/protocol/index.js';
import {runCac} from './helpers/spawn.js';
import {seedTranscripts} from './helpers/transcripts.js';

/*
 * A listing narrowed by a --site or --operator that names nothing says so and exits 1, where it
 * used to print an empty list and exit 0 (a typo read as "nothing there"). A removed site's or
 * operator's records are still listed under its name.
 */

async function folder(t: {teardown(fn: () => unknown): void}) {
  const dir = await mkdtemp(join(tmpdir(), 'cac-names-'));
  t.teardown(() => rm(dir, {recursive: true, force: true}));
  const seeded = await seedTranscripts(dir);
  return {...seeded, cac: (...args: string[]) => runCac([...args, '--data', dir])};
}

const NO_SITE = 'cac: no site exmaple.com, and nothing is stored under that name (cac sites list names them)\n';

t.test('every listing with --site refuses a site there is not, printing nothing', async (t) => {
  const {cac} = await folder(t);
  for (const args of [
    ['transcripts', 'list'],
    ['transcripts', 'list', '--json'],
    ['transcripts', 'search', 'Hello'],
    ['transcripts', 'export', '--format', 'jsonl'],
    ['visitors', 'list'],
    ['visitors', 'list', '--json'],
    ['messages', 'list'],
    ['blocks', 'list', '--all'],
  ]) {
    const run = await cac(...args, '--site', 'exmaple.com');
    t.equal(run.code, 1, `${args.join(' ')}: exit 1`);
    t.equal(run.stderr, NO_SITE, `${args.join(' ')}: says which name is unknown`);
    t.equal(run.stdout, '', `${args.join(' ')}: prints nothing (no empty list, no [])`);
  }
});

t.test('a known site with nothing to list is still an empty list, exit 0', async (t) => {
  const {cac} = await folder(t);
  const messages = await cac('messages', 'list', '--site', 'example.com');
  t.equal(messages.code, 0, messages.stderr);
  t.equal(messages.stderr, 'no left messages\n');
  const blocks = await cac('blocks', 'list', '--site', 'shop.example', '--json');
  t.equal(blocks.code, 0, blocks.stderr);
  t.same(JSON.parse(blocks.stdout), []);
  const search = await cac('transcripts', 'search', 'no such words anywhere', '--site', 'example.com');
  t.equal(search.code, 0, search.stderr);
  t.equal(search.stderr, 'no matches\n');
});

t.test('--operator likewise; both unknown are named together', async (t) => {
  const {cac} = await folder(t);
  const one = await cac('transcripts', 'list', '--operator', 'alcie');
  t.equal(one.code, 1);
  t.equal(one.stderr, 'cac: no operator alcie, and nothing is stored under that name (cac operators list names them)\n');
  const both = await cac('transcripts', 'list', '--json', '--site', 'exmaple.com', '--operator', 'alcie');
  t.equal(both.code, 1);
  t.equal(both.stderr, 'cac: no site exmaple.com and no operator alcie, and nothing is stored under those names (cac sites list and cac operators list name them)\n');
  t.equal(both.stdout, '');
  // A real operator with nothing in the window: empty, not an error.
  const none = await cac('transcripts', 'list', '--operator', 'alice', '--since', '2030-01-01');
  t.equal(none.code, 0, none.stderr);
  t.equal(none.stderr, 'no chats\n');
});

t.test("an alias names its site's domain, where the records are kept", async (t) => {
  const {cac} = await folder(t);
  const added = await cac('sites', 'add', 'other.example', '--alias', 'www.other.example');
  t.equal(added.code, 0, added.stderr);
  const run = await cac('visitors', 'list', '--site', 'www.other.example');
  t.equal(run.code, 1);
  t.equal(run.stderr, "cac: nothing under www.other.example: records are kept under the site's domain, other.example (--site other.example)\n");
});

t.test("a removed site's and a removed operator's records are still listed under their names", async (t) => {
  const {cac, chats} = await folder(t);
  t.equal((await cac('sites', 'remove', 'shop.example')).code, 0);
  t.equal((await cac('operators', 'remove', 'bob')).code, 0);
  const bySite = await cac('transcripts', 'list', '--json', '--site', 'shop.example');
  t.equal(bySite.code, 0, bySite.stderr);
  const expected = chats.filter((c) => c.site === 'shop.example').map((c) => c.id);
  t.ok(expected.length > 0);
  t.same(z.array(chatRecord).parse(JSON.parse(bySite.stdout)).map((c) => c.id), expected);
  const byOperator = await cac('transcripts', 'list', '--operator', 'bob');
  t.equal(byOperator.code, 0, byOperator.stderr);
  t.ok(byOperator.stdout.trim().split('\n').length > 0 && byOperator.stdout.includes('\tbob\t'), 'bob\'s chats, though bob is gone');
});

t.test('an export into a folder leaves nothing behind when the name is unknown', async (t) => {
  const {cac} = await folder(t);
  const out = await mkdtemp(join(tmpdir(), 'cac-names-out-'));
  t.teardown(() => rm(out, {recursive: true, force: true}));
  const fresh = join(out, 'archive', '2026');
  const refused = await cac('transcripts', 'export', '--format', 'html', '--out', fresh, '--site', 'exmaple.com');
  t.equal(refused.code, 1);
  t.equal(refused.stderr, NO_SITE);
  t.notOk(existsSync(join(out, 'archive')), 'the folders made for it are gone');
  const kept = join(out, 'kept');
  await mkdir(kept);
  t.equal((await cac('transcripts', 'export', '--format', 'html', '--out', kept, '--site', 'exmaple.com')).code, 1);
  t.ok(existsSync(kept), 'a folder that was there stays');
  const empty = await cac('transcripts', 'export', '--format', 'html', '--out', fresh, '--site', 'example.com', '--since', '2030-01-01');
  t.equal(empty.code, 0, empty.stderr);
  t.match(empty.stderr, /exported 0 transcripts/);
  t.ok(existsSync(fresh), 'a known site with nothing to export still gets its folder');
});
