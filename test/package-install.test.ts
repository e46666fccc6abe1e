import {execFileSync, spawn} from 'node:child_process';
import {existsSync, readFileSync, realpathSync} from 'node:fs';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import t from 'tap';
import {noPostgres, testPostgres} from './helpers/postgres.js';
import {freePort} from './helpers/spawn.js';

/*
 * The package as a user gets it from a registry: packed (`npm pack`, which keeps only the
 * package.json "files"), then installed globally, so without the dev dependencies. Its install
 * script must not need them (patch-package is one), and the hub it installs must run the
 * PostgreSQL driver as patched (vendored into dist/bundle by scripts/build-cli.js), while the
 * driver in its node_modules is the one released.
 */

const root = fileURLToPath(new URL('../', import.meta.url));
const npm = (args: string[], cwd: string): string => execFileSync('npm', args, {cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']});

const missing = noPostgres();
const dir = t.testdir();
// The build `npm test` ran is what is packed; the dependencies come from npm's cache where they are.
const tarball = npm(['pack', '--ignore-scripts', '--pack-destination', dir, '--silent'], root).trim().split('\n').pop()!;
const prefix = join(dir, 'global');
npm(['install', '--global', join(dir, tarball), '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], dir);
const installed = join(prefix, 'lib', 'node_modules', 'cac');

/** Runs the installed `cac` until `pattern` shows in its output (or it exits). */
function runInstalled(args: string[], pattern: RegExp): Promise<{code: number | null; out: string; matched: boolean}> {
  const child = spawn(process.execPath, [realpathSync(join(prefix, 'bin', 'cac')), ...args], {stdio: ['ignore', 'pipe', 'pipe']});
  let out = '';
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const seen = (chunk: Buffer): void => {
      out += chunk.toString();
      if (pattern.test(out)) child.kill('SIGTERM');
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({code, out, matched: pattern.test(out)});
    });
  });
}

t.test('installed from the packed package: the install ran its script without the dev dependencies', async (t) => {
  t.ok(existsSync(join(installed, 'scripts', 'postinstall.js')), 'the install script is in the package');
  t.notOk(existsSync(join(installed, 'node_modules', 'patch-package')), 'no dev dependency was installed');
  t.notOk(readFileSync(join(installed, 'node_modules', 'postgres', 'src', 'connection.js'), 'utf8').includes('Patched:'), "its node_modules holds the driver as released");
  t.ok(existsSync(join(installed, 'dist', 'bundle', 'vendor', 'postgres.mjs')), 'the bundle carries its own driver');
  const help = await runInstalled(['--help'], /Usage: cac/);
  t.equal(help.code, 0, '`cac --help` exits 0', {out: help.out});
  t.match(help.out, /Usage: cac/, 'and prints the usage');
});

t.test('installed from the packed package: a hub on an empty data folder serves', async (t) => {
  const port = await freePort();
  const ran = await runInstalled(['hub', '--data', join(dir, 'data'), '--port', String(port), '--host', '127.0.0.1'], /hub listening on http:\/\/127\.0\.0\.1:\d+/);
  t.ok(ran.matched, 'it said it was listening', {out: ran.out});
});

if (missing) {
  t.test('installed from the packed package, on PostgreSQL', {skip: missing}, () => {});
} else {
  t.test('installed from the packed package: a hub on PostgreSQL runs the patched driver and does not warn', async (t) => {
    const pg = await testPostgres();
    t.teardown(() => pg.stop());
    const url = await pg.database();
    const port = await freePort();
    const ran = await runInstalled(['hub', '--database', url, '--port', String(port), '--host', '127.0.0.1'], /hub listening on/);
    t.ok(ran.matched, 'it said it was listening', {out: ran.out});
    t.notMatch(ran.out, /lacks the project's patch/, "no warning: the bundle's driver is the patched one");
  });
}
