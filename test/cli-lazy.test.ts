import {spawn} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {join, relative, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import t from 'tap';
import {cacBin, freePort} from './helpers/spawn.js';

const logImports = fileURLToPath(new URL('./fixtures/log-imports.mjs', import.meta.url));
const root = fileURLToPath(new URL('../', import.meta.url));

/** The bundle bin/cac.js runs (scripts/build-cli.js): which modules went into each of its files. */
const bundled = JSON.parse(readFileSync(resolve(root, 'dist/bundle/meta.json'), 'utf8')) as Record<string, string[]>;

/** The modules a loaded file holds: itself, or for a file of the bundle, what was bundled into it. */
function modulesOf(url: string): string[] {
  if (!url.startsWith('file:')) return [url];
  const path = fileURLToPath(url);
  return bundled[relative(root, path)]?.map((input) => resolve(root, input)) ?? [path];
}

/** Runs `cac ARGS` until `ready` shows in its output, then stops it; resolves with the modules it loaded. */
async function importsOf(args: string[], ready: RegExp, env: NodeJS.ProcessEnv = {}): Promise<{imports: string[]; out: string}> {
  const child = spawn(process.execPath, ['--import', logImports, cacBin, ...args], {stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, ...env}});
  const exited = new Promise((r) => child.once('close', r));
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 20_000;
  while (!ready.test(out) && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGTERM');
  await exited;
  return {imports: [...out.matchAll(/^IMPORT (\S+)$/gm)].flatMap((m) => modulesOf(m[1]!)), out};
}

const heavy = /\/node_modules\/(ink|react|react-reconciler|yoga-layout)\//;

t.test('cac hub never loads the client (Ink, React)', async (t) => {
  const port = await freePort();
  const dir = t.testdir();
  // Under coverage, the hub's bundle is required as any CommonJS file, which the trace sees; from
  // its code cache it is read as a file (src/cli/code-cache.ts). The same bundle either way.
  const coverage = process.env.NODE_V8_COVERAGE ?? join(dir, 'coverage');
  const {imports, out} = await importsOf(['hub', '--port', String(port), '--data', join(dir, 'data')], /hub listening/, {NODE_V8_COVERAGE: coverage});
  t.match(out, /hub listening/);
  t.ok(imports.some((u) => u.includes('/hub/server.js')), 'the hub itself was loaded (the trace works)');
  t.same(imports.filter((u) => heavy.test(u)), [], 'no Ink or React');
});

t.test('cac --help loads neither, nor the store, the schemas or the hub: only the command table', async (t) => {
  const {imports, out} = await importsOf(['--help'], /Usage: cac/);
  t.match(out, /Usage: cac/);
  t.ok(imports.some((u) => u.includes('/cli/blocks.js')), 'the trace works');
  t.same(imports.filter((u) => heavy.test(u)), []);
  const machinery = /\/node_modules\/(zod|lowdb|ws|maxmind|chalk)\/|\/(store\/embedded-store|protocol\/index|hub\/server|admin\/ops)\.js$/;
  t.same(imports.filter((u) => machinery.test(u)), [], 'what commands need loads when they run');
});

t.test('the other commands load no Ink or React either', async (t) => {
  const dir = t.testdir();
  for (const args of [['status', '--data', dir], ['canned', 'list', '--data', dir], ['completion', 'bash']]) {
    const {imports, out} = await importsOf(args, /open chats|no canned|complete -o default/);
    t.ok(imports.length > 0 && out.length > 0, `${args[0]} ran`);
    t.same(imports.filter((u) => heavy.test(u)), [], `${args.join(' ')}: no Ink or React`);
  }
});

t.test('cac events loads neither', async (t) => {
  const {imports, out} = await importsOf(['events', '--help'], /Usage: cac events/);
  t.match(out, /Usage: cac events/);
  t.ok(imports.some((u) => u.includes('/cli/events.js')), 'the events command itself was loaded');
  t.same(imports.filter((u) => heavy.test(u)), []);
});
