import {existsSync, mkdirSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import {mkdtemp, readFile, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import t from 'tap';
import {runCac, spawnCac} from './helpers/spawn.js';

t.test('operators and sites from the command line', async (t) => {
  // A folder not made yet: the first command makes it.
  const data = join(t.testdir(), 'new', 'data');
  const added = await runCac(['operators', 'add', 'alice', '--admin', '--json', '--data', data]);
  t.equal(added.code, 0, added.out);
  const {token, role} = JSON.parse(added.out) as {token: string; role: string};
  t.equal(role, 'admin');
  t.match(token, /^cac_[a-z0-9]{12}_[\w-]{43}$/);
  const stored = await readFile(join(data, 'operators.json'), 'utf8');
  t.notMatch(stored, token, 'the token itself is not stored');

  // Without --json: the token alone on stdout (the data), the words around it on stderr.
  const bob = await runCac(['operators', 'add', 'bob', '--data', data]);
  t.equal(bob.code, 0, bob.out);
  t.match(bob.stdout, /^cac_[a-z0-9]{12}_[\w-]{43}\n$/, 'stdout is the token');
  t.match(bob.stderr, /added operator bob[\s\S]*cac login --hub URL --operator bob/, 'stderr says what was done and what next');
  const reset = await runCac(['operators', 'reset-token', 'bob', '--data', data]);
  t.match(reset.stdout, /^cac_[a-z0-9]{12}_[\w-]{43}\n$/, 'so for a new token');
  t.not(reset.stdout, bob.stdout, 'a new one');
  t.match(reset.stderr, /new login token for bob/);
  t.equal((await runCac(['operators', 'remove', 'bob', '--data', data])).code, 0);

  const dup = await runCac(['operators', 'add', 'alice', '--data', data]);
  t.equal(dup.code, 1);
  t.match(dup.out, /operator alice already exists/);
  const bad = await runCac(['operators', 'add', 'Bad Name!', '--data', data]);
  t.equal(bad.code, 2, 'a bad name is a usage error');
  t.match(bad.out, /bad operator name/);

  const list = await runCac(['operators', 'list', '--json'], {CAC_DATA: data});
  t.same(JSON.parse(list.out).map((o: {name: string}) => o.name), ['alice'], 'CAC_DATA picks the folder');

  const site = await runCac(['sites', 'add', 'Example.com', '--alias', 'www.example.com', '--timezone', 'Europe/Paris', '--data', data]);
  t.equal(site.code, 0, site.out);
  t.match(site.out, '<script src="http://127.0.0.1:8080/widget.js" data-site="example.com" async></script>');
  const zone = await runCac(['sites', 'add', 'b.example', '--timezone', 'Mars/Olympus', '--data', data]);
  t.equal(zone.code, 2, 'so is an unknown time zone');
  t.match(zone.out, /unknown time zone/);
  const taken = await runCac(['sites', 'add', 'other.example', '--alias', 'www.example.com', '--data', data]);
  t.match(taken.out, /already a site or alias/);
  const sites = JSON.parse((await runCac(['sites', 'list', '--json', '--data', data])).out);
  t.match(sites, [{domain: 'example.com', aliases: ['www.example.com'], timezone: 'Europe/Paris', url: 'https://example.com/'}]);
  const byAlias = await runCac(['sites', 'remove', 'www.example.com', '--data', data]);
  t.equal(byAlias.code, 1, 'an alias does not remove its site');
  t.equal(byAlias.stderr, 'cac: no site www.example.com: it is an alias of example.com (remove example.com to remove the site)\n');

  // The last admin stays: a running hub would take account changes from nobody.
  const last = await runCac(['operators', 'remove', 'alice', '--data', data]);
  t.equal(last.code, 1, 'the last admin is not removed');
  t.equal(last.stderr, 'cac: alice is the last admin: make another operator an admin first (cac operators set NAME --admin)\n');
  const demoted = await runCac(['operators', 'set', 'alice', '--no-admin', '--data', data]);
  t.equal(demoted.code, 1, 'nor made an operator');
  t.match(demoted.stderr, /alice is the last admin/);
  t.match(JSON.parse((await runCac(['operators', 'list', '--json', '--data', data])).out), [{name: 'alice', role: 'admin'}], 'alice is still there, an admin');
  t.equal((await runCac(['operators', 'add', 'carol', '--admin', '--data', data])).code, 0);
  t.equal((await runCac(['operators', 'set', 'alice', '--no-admin', '--data', data])).code, 0, 'with another admin, alice may be made an operator');
  const carolLast = await runCac(['operators', 'remove', 'carol', '--data', data]);
  t.match(carolLast.stderr, /carol is the last admin/, 'carol is the last admin now');
  t.equal((await runCac(['operators', 'remove', 'alice', '--data', data])).code, 0, 'an operator who is not an admin may go');
  const gone = await runCac(['operators', 'remove', 'alice', '--data', data]);
  t.equal(gone.code, 1);
  t.match(gone.out, /no operator alice/);

  const help = await runCac(['operators', 'add', '--help']);
  t.match(help.out, /--admin/);
});

t.test('a data folder that cannot be parsed stops the hub, naming the file, and is left alone', async (t) => {
  const data = await mkdtemp(join(tmpdir(), 'cac-cli-'));
  await writeFile(join(data, 'sites.json'), '{"sites": [ oops');
  const run = await runCac(['hub', '--port', '0', '--data', data]);
  t.equal(run.code, 1);
  t.match(run.out, /sites\.json is damaged/);
  t.equal(await readFile(join(data, 'sites.json'), 'utf8'), '{"sites": [ oops');
});

t.test('a second hub on the same data folder is refused while the first runs', async (t) => {
  const data = await mkdtemp(join(tmpdir(), 'cac-cli-'));
  const first = spawnCac(['hub', '--port', '0', '--data', data]);
  t.teardown(() => void first.child.kill('SIGKILL'));
  await first.waitFor(/hub listening on/);
  const second = await runCac(['hub', '--port', '0', '--data', data]);
  t.equal(second.code, 1);
  t.match(second.out, /another hub \(pid \d+\) is using/);
  first.child.kill('SIGKILL');
  await first.exited;
  const third = spawnCac(['hub', '--port', '0', '--data', data]);
  t.teardown(() => void third.child.kill('SIGKILL'));
  await third.waitFor(/hub listening on/);
  t.pass('a lock left by a killed hub is taken over');
});

t.test('a port already in use: a clear message, exit 1, and the data folder is not left locked', async (t) => {
  const busy = await mkdtemp(join(tmpdir(), 'cac-cli-'));
  const first = spawnCac(['hub', '--port', '0', '--data', busy]);
  t.teardown(() => void first.child.kill('SIGKILL'));
  const [, url] = await first.waitFor(/hub listening on (http:\/\/\S+)/);
  const port = new URL(url!).port;
  const data = await mkdtemp(join(tmpdir(), 'cac-cli-'));
  const clash = await runCac(['hub', '--port', port, '--data', data]);
  t.equal(clash.code, 1);
  t.match(clash.out, new RegExp(`127\\.0\\.0\\.1:${port} is already in use: stop what uses it or pass --port`));
  const after = spawnCac(['hub', '--port', '0', '--data', data]);
  t.teardown(() => void after.child.kill('SIGKILL'));
  await after.waitFor(/hub listening on/);
  t.pass('the same data folder starts at once on another port');
});

t.test('a hub with a bad option says which and starts nothing; a log that goes away later does not stop it stopping', async (t) => {
  const parent = t.testdir();
  const data = join(parent, 'data');
  for (const [args, said] of [
    [['--log', join(parent, 'no-such-folder', 'hub.log')], /^cac: cannot write --log \S+ \(ENOENT\): nothing was started\n$/],
    [['--geoip', join(parent, 'missing.mmdb')], /^cac: cannot read --geoip \S+ \(ENOENT\): nothing was started\n$/],
    [['--port', 'abc'], /^cac: --port wants a number from 0 to 65535, not "abc"\n$/],
    [['--port', '99999'], /^cac: --port wants a number/],
  ] as const) {
    const r = await runCac(['hub', '--port', '0', '--data', data, ...args]);
    t.equal(r.code, 2, `${args.join(' ')}: exit 2`);
    t.match(r.stderr, said, `${args.join(' ')}: says what is wrong`);
    t.equal(existsSync(data), false, `${args.join(' ')}: no data folder made`);
  }
  const database = await runCac(['hub', '--port', '0', '--database', 'notaurl']);
  t.equal(database.code, 2);
  t.match(database.stderr, /^cac: --database wants a PostgreSQL URL, postgres:\/\/USER:PASSWORD@HOST:PORT\/NAME, not "notaurl"\n$/);
  const host = await runCac(['hub', '--port', '0', '--data', data, '--host', '999.9.9.9']);
  t.equal(host.code, 2);
  t.match(host.stderr, /^cac: cannot listen on --host 999\.9\.9\.9: not an address of this machine/);

  // The log's folder removed while the hub runs: its lines go to stderr, and SIGTERM still
  // stops it cleanly (store closed, lock let go).
  const logs = join(parent, 'logs');
  mkdirSync(logs);
  const hub = spawnCac(['hub', '--port', '0', '--data', data, '--log', join(logs, 'hub.log')]);
  t.teardown(() => void hub.child.kill('SIGKILL'));
  for (;;) {
    if (existsSync(join(logs, 'hub.log')) && readFileSync(join(logs, 'hub.log'), 'utf8').includes('hub listening on')) break;
    if (hub.child.exitCode !== null) throw new Error(`the hub exited: ${hub.out()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  rmSync(logs, {recursive: true});
  hub.child.kill('SIGTERM');
  t.equal(await hub.exited, 0, 'stopped cleanly');
  t.match(hub.stderr(), /cannot write the log \S+hub\.log \(ENOENT[^\n]*logging to stderr meanwhile\n[^\n]*SIGTERM: stopping/);
  t.equal(existsSync(join(data, 'hub.lock')), false, 'the data folder is not left locked');
});

t.test('commands that read refuse a folder holding no records, and make none', async (t) => {
  const parent = t.testdir({other: {'notes.txt': 'mine'}});
  for (const args of [['status'], ['transcripts', 'list'], ['visitors', 'list'], ['operators', 'list'], ['blocks', 'list']]) {
    const typo = join(parent, 'typo');
    const r = await runCac([...args, '--data', typo]);
    t.equal(r.code, 1, `${args.join(' ')}: exit 1`);
    t.equal(r.stderr, `cac: no cac data folder at ${typo}: give --data DIR or set CAC_DATA (a first cac sites add makes one)\n`);
    t.equal(existsSync(typo), false, `${args.join(' ')}: no folder left behind`);
    const other = await runCac([...args, '--data', join(parent, 'other')]);
    t.equal(other.code, 1);
    t.match(other.stderr, /is not a cac data folder \(it holds other files\)/);
  }
  t.same(readdirSync(join(parent, 'other')), ['notes.txt'], 'the other folder is left as it was');
  const file = await runCac(['status', '--data', join(parent, 'other', 'notes.txt')]);
  t.equal(file.code, 1);
  t.match(file.stderr, /notes\.txt is a file, not a data folder/);
  // Setting up is what makes one, or sets one up beside what a folder holds (a volume's lost+found).
  const made = await runCac(['sites', 'add', 'example.com', '--data', join(parent, 'new')]);
  t.equal(made.code, 0);
  t.equal((await runCac(['status', '--data', join(parent, 'new')])).code, 0, 'and then it reads');
  t.equal((await runCac(['operators', 'add', 'alice', '--data', join(parent, 'other')])).code, 0, 'set up in the other folder when asked to');
  t.equal((await runCac(['operators', 'list', '--data', join(parent, 'other')])).code, 0);
});
