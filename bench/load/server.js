// The server under test, hub or relay, in its own process, started as an outsider would: the
// hub through its command line, the relay as a plain script. Both serve GET /healthz, which is
// how "serving" is detected.

import {closeSync, existsSync, openSync, readFileSync} from 'node:fs';
import {request} from 'node:http';
import {createServer} from 'node:net';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {nowMs, sleep} from './clock.js';
import {spawnChild, stopChild} from './procs.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const relayScript = fileURLToPath(new URL('./relay.js', import.meta.url));
export const HOST = '127.0.0.1';

/** Exits with a word to whoever runs `bench` when the hub has not been built: it runs from dist/. */
export function requireBuild(bench) {
  if (!existsSync(join(root, 'dist', 'cli', 'index.js'))) {
    process.stderr.write(`${bench}: dist/ is missing: run npm run build first\n`);
    process.exit(1);
  }
}

/** A port free right now on the server address; kept for the server's restart. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const {port} = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** A hub keeps its records in the data folder `dir`, or in PostgreSQL at `database` (with `redis` to join others). */
function commandFor(kind, {port, dir, log, database, redis}) {
  if (kind === 'hub') {
    const store = database ? ['--database', database, ...(redis ? ['--redis', redis] : [])] : ['--data', dir];
    // No node flags, as `npm start` and deploy/ run it (README, "Running the hub"), unless
    // CAC_BENCH_HUB_FLAGS gives some, to look inside a run (--cpu-prof --cpu-prof-dir=DIR).
    const flags = (process.env.CAC_BENCH_HUB_FLAGS ?? '').split(' ').filter(Boolean);
    return ['node', [...flags, 'bin/cac.js', 'hub', ...store, '--port', String(port), '--host', HOST, '--log', log]];
  }
  return ['node', [relayScript, '--port', String(port), '--host', HOST]];
}

/** One GET /healthz; resolves true on a 200, false on anything else (refused, still starting). */
function healthy(port) {
  return new Promise((resolve) => {
    const req = request({host: HOST, port, path: '/healthz', agent: false, timeout: 1000}, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/**
 * Spawns the server and waits until GET /healthz answers. Resolves with the child and when it
 * started serving; `spawnedAt` to `servingAt` is the cold start. Polls every 2 ms, so the figure
 * is at most that much late.
 */
export async function startServer(kind, {port, dir, log, database, redis, timeoutMs = 120_000}) {
  const [command, args] = commandFor(kind, {port, dir, log, database, redis});
  const spawnedAt = nowMs();
  // CAC_BENCH_HUB_STDOUT=FILE keeps what a hub prints to stdout (with --trace-gc among the flags).
  const keep = kind === 'hub' && process.env.CAC_BENCH_HUB_STDOUT;
  const out = keep ? openSync(keep, 'a') : undefined;
  const child = spawnChild(command, args, {cwd: root, ...(out === undefined ? {} : {stdio: ['ignore', out, 'pipe']})});
  if (out !== undefined) closeSync(out);
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  child.kind = kind;
  child.port = port;
  let exited = false;
  child.exited.then(() => (exited = true));
  while (!(await healthy(port))) {
    if (exited) throw new Error(`${kind} exited before serving: ${stderr.trim() || '(no output)'}`);
    if (nowMs() - spawnedAt > timeoutMs) {
      await stopChild(child, 'SIGKILL');
      throw new Error(`${kind} did not serve /healthz within ${timeoutMs / 1000} s`);
    }
    await sleep(2);
  }
  return {child, spawnedAt, servingAt: nowMs(), stderr: () => stderr};
}

/** Resident memory of a process, in MB (VmRSS). */
export function rssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

export {stopChild};
