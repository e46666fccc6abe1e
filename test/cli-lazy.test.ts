import {spawn} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import t from 'tap';
import {cacBin, freePort} from './helpers/spawn.js';

const logImports = fileURLToPath(new URL('./fixtures/log-imports.mjs', import.meta.url));

/** Runs `cac ARGS` until `ready` shows in its output, then stops it; resolves with what it imported. */
async function importsOf(args: string[], ready: RegExp): Promise<{imports: string[]; out: string}> {
  const child = spawn(process.execPath, ['--import', logImports, cacBin, ...args], {stdio: ['ignore', 'pipe', 'pipe']});
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 20_000;
  while (!ready.test(out) && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  // A command that ends by itself (--help) may be gone already: its 'exit' has been and gone.
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  return {imports: [...out.matchAll(/^IMPORT (\S+)$/gm)].map((m) => m[1]!), out};
}

const heavy = /\/node_modules\/(ink|react|react-reconciler|yoga-layout)\//;

t.test('cac hub never loads the client (Ink, React)', async (t) => {
  const port = await freePort();
  const {imports, out} = await importsOf(['hub', '--port', String(port), '--data', t.testdir()], /hub listening/);
  t.match(out, /hub listening/);
  t.ok(imports.some((u) => u.includes('/hub/server.js')), 'the hub itself was loaded (the trace works)');
  t.same(imports.filter((u) => heavy.test(u)), [], 'no Ink or React');
});

t.test('cac --help loads neither', async (t) => {
  const {imports, out} = await importsOf(['--help'], /Usage: cac/);
  t.match(out, /Usage: cac/);
  t.same(imports.filter((u) => heavy.test(u)), []);
});

t.test('cac events loads neither', async (t) => {
  const {imports, out} = await importsOf(['events', '--help'], /Usage: cac events/);
  t.match(out, /Usage: cac events/);
  t.ok(imports.some((u) => u.includes('/cli/events-stream.js')), 'the events command itself was loaded');
  t.same(imports.filter((u) => heavy.test(u)), []);
});
