import {appendFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import t from 'tap';
import {loadCompiled} from '../src/cli/code-cache.js';
import {freePort, spawnCac} from './helpers/spawn.js';
import {waitUntil} from './helpers/wait.js';

/*
 * `cac hub` starts from its own bundle, compiled from a code cache made by the build
 * (src/cli/code-cache.ts). A cache that does not fit (another Node, another source) must only
 * make the start slower, never change what runs.
 */

const MODULE = `
const {join} = require('node:path');
exports.where = __filename;
exports.folder = __dirname;
exports.joined = join('a', 'b');
exports.twice = function twice(n) { return n * 2; };
`;

t.test('a CommonJS file runs as Node runs it, with or without a cache that fits', async (t) => {
  const dir = t.testdir();
  const file = join(dir, 'module.cjs');
  const cache = join(dir, 'module.cjs.cache');
  writeFileSync(file, MODULE);

  const first = loadCompiled(file, cache);
  t.equal(first.cache, 'missing', 'no cache yet: compiled from source');
  t.same({where: first.exports.where, folder: first.exports.folder, joined: first.exports.joined}, {where: file, folder: dir, joined: join('a', 'b')});
  t.equal((first.exports.twice as (n: number) => number)(21), 42);
  writeFileSync(cache, first.makeCache());

  const second = loadCompiled(file, cache);
  t.equal(second.cache, 'used', 'the cache of the same source, made by the same Node, is taken');
  t.equal((second.exports.twice as (n: number) => number)(4), 8, 'and the code it holds runs');

  // Another source (an update, a cache left from an older build): V8 refuses the cache.
  appendFileSync(file, 'exports.more = true;\n');
  const third = loadCompiled(file, cache);
  t.equal(third.cache, 'rejected', 'a cache made for another source is refused');
  t.equal(third.exports.more, true, 'and the file as it is now runs');
});

t.test('an error in the file is thrown to the caller, naming the file', async (t) => {
  const dir = t.testdir();
  const file = join(dir, 'broken.cjs');
  writeFileSync(file, "throw new Error('broken at load');\n");
  t.throws(() => loadCompiled(file, join(dir, 'none.cache')), /broken at load/);
  writeFileSync(file, 'exports.x = ;\n');
  let thrown: unknown;
  try {
    loadCompiled(file, join(dir, 'none.cache'));
  } catch (error) {
    thrown = error;
  }
  t.ok(thrown instanceof SyntaxError, 'a syntax error is one');
  t.match(String((thrown as Error).stack), file, 'and its stack names the file');
});

t.test('cac hub starts from the code cache the build made, and serves', async (t) => {
  const port = await freePort();
  const dir = t.testdir();
  // Without coverage, as a user runs it (under coverage the bundle is required instead).
  const hub = spawnCac(['hub', '--data', join(dir, 'data'), '--port', String(port), '--log', join(dir, 'hub.log')], {CAC_CODE_CACHE: 'report', NODE_V8_COVERAGE: undefined});
  t.teardown(() => {
    if (hub.child.exitCode === null) hub.child.kill('SIGKILL');
  });
  await hub.waitFor(/code cache \w+/);
  t.match(hub.stderr(), /^cac: code cache used$/m, 'V8 took the cache: the build made one, for this Node');
  await waitUntil('the hub serving', async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status === 200);
  t.match(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json(), {ok: true, store: 'ok'});
  const widget = await fetch(`http://127.0.0.1:${port}/widget.js`);
  t.equal(widget.status, 200, 'the widget is served from the package (the bundle finds its files)');
  t.ok((await widget.text()).length > 1000);
  hub.child.kill('SIGTERM');
  t.equal(await hub.exited, 0, 'and it stops cleanly');
});

t.test('cac --no-color hub is cac hub: the root flag before the command still takes the cache', async (t) => {
  const port = await freePort();
  const dir = t.testdir();
  const hub = spawnCac(['--no-color', 'hub', '--data', join(dir, 'data'), '--port', String(port), '--log', join(dir, 'hub.log')], {CAC_CODE_CACHE: 'report', NODE_V8_COVERAGE: undefined});
  t.teardown(() => {
    if (hub.child.exitCode === null) hub.child.kill('SIGKILL');
  });
  await waitUntil('the hub serving', async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status === 200);
  t.match(hub.stderr(), /^cac: code cache used$/m);
  hub.child.kill('SIGTERM');
  t.equal(await hub.exited, 0);
});
