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
  t.match(bob.stderr, /added operator bob[\s\S]*cac login --operator bob/, 'stderr says what was done and what next');
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

  t.equal((await runCac(['operators', 'remove', 'alice', '--data', data])).code, 0);
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
