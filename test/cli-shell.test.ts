import {execFileSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import t from 'tap';
import {VERSION} from '../src/lib/version.js';
import {runCac} from './helpers/spawn.js';
import {spawnTui} from './helpers/tui.js';

/** What bash offers after `words`, with the script `cac completion bash` printed loaded. */
function complete(script: string, words: string[]): string[] {
  const dir = t.testdir({'cac.bash': script});
  const line = `source ${JSON.stringify(join(dir, 'cac.bash'))}; COMP_WORDS=(${words.map((w) => JSON.stringify(w)).join(' ')}); COMP_CWORD=${words.length - 1}; _cac; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return execFileSync('bash', ['-c', line], {encoding: 'utf8'}).split('\n').filter(Boolean);
}

t.test('bash completion offers commands, subcommands and their options', async (t) => {
  const r = await runCac(['completion', 'bash']);
  t.equal(r.code, 0);
  t.same(complete(r.stdout, ['cac', 'bl']), ['blocks']);
  const blocks = complete(r.stdout, ['cac', 'blocks', '']);
  t.ok(['list', 'add', 'remove'].every((w) => blocks.includes(w)), 'the subcommands of blocks');
  t.notOk(blocks.includes('canned'), 'and not the top level');
  t.same(complete(r.stdout, ['cac', 'blocks', 'add', '--si']), ['--site']);
  t.same(complete(r.stdout, ['cac', 'blocks', 'add', '--site', 'example.com', '--vi']), ['--visitor'], 'an option value does not break the path');
  const zsh = await runCac(['completion', 'zsh']);
  t.match(zsh.stdout, /^#compdef cac\n/);
  const bad = await runCac(['completion', 'fish']);
  t.equal(bad.code, 2);
  t.equal(bad.stderr, 'cac: no completion for "fish": use bash or zsh\n');
});

t.test('--version is the package version; a usage error exits 2 and shows the usage', async (t) => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {version: string};
  t.equal(VERSION, pkg.version);
  const r = await runCac(['--version']);
  t.equal(r.code, 0);
  t.equal(r.stdout.trim(), pkg.version);
  const unknown = await runCac(['frobnicate']);
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, /unknown command 'frobnicate'/);
  const missing = await runCac(['canned', 'add', 'only-a-shortcut']);
  t.equal(missing.code, 2);
  t.match(missing.stderr, /missing required argument 'text'[\s\S]*Usage: cac canned add/);
});

t.test('colours on a terminal only, and never with NO_COLOR or --no-color', async (t) => {
  const dir = t.testdir();
  t.equal((await runCac(['sites', 'add', 'example.com', '--data', dir])).code, 0, 'a data folder to read');
  const screen = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const tui = spawnTui([...args, '--data', dir], {env: {FORCE_COLOR: undefined, NO_COLOR: undefined, ...env}});
    await tui.waitUntil('the command to end', () => tui.exitCode !== undefined);
    return tui.raw();
  };
  t.match(await screen(['status']), /\x1b\[33mnot running\x1b\[39m/, 'on a terminal: coloured');
  t.notMatch(await screen(['status'], {NO_COLOR: '1'}), /\x1b\[3\dm/, 'NO_COLOR');
  t.notMatch(await screen(['status', '--no-color']), /\x1b\[3\dm/, '--no-color');
  t.notMatch(await screen(['status', '--no-color'], {FORCE_COLOR: '1'}), /\x1b\[3\dm/, '--no-color wins over FORCE_COLOR');
  t.match(await screen(['blocks', 'remove', 'nope']), /\x1b\[31mcac:\x1b\[39m no block nope/, 'errors too');
  const piped = await runCac(['status', '--data', dir]);
  t.notMatch(piped.stdout + piped.stderr, /\x1b\[/, 'piped: none');
});
