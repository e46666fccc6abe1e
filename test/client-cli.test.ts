import {spawn} from 'node:child_process';
import {mkdtemp, readFile, stat} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import t from 'tap';
import {startTestHub} from './helpers/hub.js';
import {cacBin, runCac} from './helpers/spawn.js';
import {spawnTui} from './helpers/tui.js';

/** Runs cac with `input` on a piped stdin (not a terminal). */
function withStdin(args: string[], input: string, env: NodeJS.ProcessEnv): Promise<{code: number | null; out: string}> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cacBin, ...args], {env: {...process.env, ...env}, stdio: ['pipe', 'pipe', 'pipe']});
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => resolve({code, out}));
    child.stdin.end(input);
  });
}

t.test('cac login saves hub, operator and token privately; cac client finds them', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const config = await mkdtemp(join(tmpdir(), 'cac-config-'));
  const env = {XDG_CONFIG_HOME: config, CAC_TOKEN: ''};

  const bad = await withStdin(['login', '--hub', hub.url, '--operator', 'alice'], 'not-the-token\n', env);
  t.equal(bad.code, 1);
  t.match(bad.out, /refused this operator name and token/);

  const ok = await withStdin(['login', '--hub', hub.url, '--operator', 'alice'], `${hub.tokens.alice}\n`, env);
  t.equal(ok.code, 0, ok.out);
  t.match(ok.out, /logged in as alice/);
  const file = join(config, 'cac', 'config.json');
  t.equal((await stat(file)).mode & 0o777, 0o600, 'the config file is private');
  t.match(JSON.parse(await readFile(file, 'utf8')), {hub: hub.url, operator: 'alice', token: hub.tokens.alice});

  // Bad input is refused before the token is asked for, and the saved login stays as it was.
  for (const [args, input, said] of [
    [['--hub', 'notaurl', '--operator', 'alice'], 'tok\n', /--hub wants the hub's address, like https:\/\/chat\.example\.com, not "notaurl"/],
    [['--hub', 'ftp://x.example', '--operator', 'alice'], 'tok\n', /--hub wants the hub's address/],
    [['--hub', hub.url, '--operator', 'Bad Name!'], 'tok\n', /--operator wants an operator name/],
    [['--hub', hub.url, '--operator', 'alice'], '\n', /no token given/],
  ] as const) {
    const refused = await withStdin(['login', ...args, '--no-check'], input, env);
    t.equal(refused.code, 2, `${args.join(' ')}: exit 2`);
    t.match(refused.out, said);
  }
  t.match(JSON.parse(await readFile(file, 'utf8')), {hub: hub.url, operator: 'alice', token: hub.tokens.alice}, 'the saved login is untouched');

  const noTty = await runCac(['client'], env);
  t.equal(noTty.code, 1);
  t.match(noTty.out, /needs a terminal/, 'credentials were found; only the terminal is missing');
  const other = await runCac(['client', '--operator', 'bob'], env);
  t.match(other.out, /no token for bob/, "alice's token is never sent as bob");
});

t.test('cac client without a login says what to do', async (t) => {
  const config = await mkdtemp(join(tmpdir(), 'cac-config-'));
  const r = await runCac(['client'], {XDG_CONFIG_HOME: config, CAC_TOKEN: ''});
  t.equal(r.code, 1);
  t.match(r.out, /cac login --hub URL --operator NAME/);
  const unreachable = await withStdin(['login', '--hub', 'http://127.0.0.1:1', '--operator', 'alice'], 'x\n', {XDG_CONFIG_HOME: config});
  t.match(unreachable.out, /cannot reach/);
});

t.test('in a terminal cac login reads the token without echoing it', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const config = await mkdtemp(join(tmpdir(), 'cac-config-'));
  const tui = spawnTui(['login', '--hub', hub.url, '--operator', 'alice'], {env: {XDG_CONFIG_HOME: config}});
  t.teardown(() => tui.kill());
  await tui.waitForText('Token for alice:');
  tui.write(`${hub.tokens.alice}\r`);
  await tui.waitForText('logged in as alice');
  t.notOk(tui.raw().includes(hub.tokens.alice!), 'the token never appears on the terminal');
  t.match(JSON.parse(await readFile(join(config, 'cac', 'config.json'), 'utf8')), {token: hub.tokens.alice});
});
