// The services several hubs share, each a child process of the run in a temporary folder of its
// own, so that they go when the run goes (bench/load/procs.js): a PostgreSQL server (initdb,
// then the postmaster in the foreground) and a redis-server keeping nothing on disk, as the
// README advises for the hubs' Redis.

import {execFile, spawnSync} from 'node:child_process';
import {chownSync, existsSync, readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {connect} from 'node:net';
import {promisify} from 'node:util';
import {nowMs, sleep} from '../load/clock.js';
import {removeFolder, spawnChild, stopChild, tempFolder} from '../load/procs.js';
import {freePort, HOST} from '../load/server.js';

const run = promisify(execFile);

/** The folder of initdb and the server: $CAC_PG_BIN, else what pg_config says. */
function pgBin() {
  const dir = process.env.CAC_PG_BIN || spawnSync('pg_config', ['--bindir'], {encoding: 'utf8'}).stdout?.trim();
  if (!dir || !existsSync(join(dir, 'initdb'))) throw new Error('no PostgreSQL server here (apt-get install postgresql, or set CAC_PG_BIN to the folder of initdb)');
  return dir;
}

/** PostgreSQL refuses to run as root: as root, it runs as the `postgres` user. */
function serverUser() {
  if (process.getuid?.() !== 0) return {};
  const ids = spawnSync('id', ['postgres'], {encoding: 'utf8'});
  const uid = /uid=(\d+)/.exec(ids.stdout)?.[1];
  const gid = /gid=(\d+)/.exec(ids.stdout)?.[1];
  if (ids.status !== 0 || !uid || !gid) throw new Error('running as root, PostgreSQL needs the `postgres` user (apt-get install postgresql creates it)');
  return {uid: Number(uid), gid: Number(gid)};
}

function redisBin() {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], {encoding: 'utf8'}).stdout.trim();
  const bin = found || ['/usr/sbin/redis-server', '/usr/local/sbin/redis-server'].find(existsSync);
  if (!bin) throw new Error('redis-server is not installed (apt-get install redis-server)');
  return bin;
}

/** Why PostgreSQL and Redis cannot run here, or false when they can. */
export function servicesMissing() {
  try {
    pgBin();
    serverUser();
    redisBin();
    return false;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Whether a TCP connection to `port` is accepted. */
const listening = (port) =>
  new Promise((resolve) => {
    const socket = connect(port, HOST);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

/** Resolves once `ready()` does, or rejects when `child` exits first or the time is up. */
async function untilReady(child, ready, what, tail, timeoutMs = 60_000) {
  const started = nowMs();
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited: ${tail().trim() || '(no output)'}`);
    if (await ready()) return;
    if (nowMs() - started > timeoutMs) throw new Error(`${what} was not ready within ${timeoutMs / 1000} s: ${tail().trim()}`);
    await sleep(20);
  }
}

/** What a child wrote, the last few KB, for an error message. */
function keepTail(child) {
  let tail = '';
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (chunk) => {
      tail = (tail + chunk).slice(-4000);
    });
  }
  return () => tail;
}

/**
 * A PostgreSQL server on a free port of 127.0.0.1, durable as one would deploy it (fsync and
 * synchronous commit on, the defaults). Returns {createDatabase(name), pids(), stop()}:
 * `createDatabase` resolves with the new database's URL, `pids()` is the postmaster and every
 * process it forked (one per connection).
 */
export async function startPostgres() {
  const bin = pgBin();
  const user = serverUser();
  const dir = tempFolder('pg');
  if (user.uid !== undefined) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const asServer = {cwd: dir, ...user};
  await run(join(bin, 'initdb'), ['-D', data, '-U', 'cac', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'], asServer);
  const port = await freePort();
  const settings = {listen_addresses: HOST, port, unix_socket_directories: dir, max_connections: 200};
  const args = ['-D', data, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
  const child = spawnChild(join(bin, 'postgres'), args, asServer);
  // Quits at once and takes its workers with it (SIGKILL would leave them to notice alone).
  child.lastSignal = 'SIGQUIT';
  const tail = keepTail(child);
  // Listening is not yet taking connections (it may still be starting up): pg_isready tells.
  const accepting = () => run(join(bin, 'pg_isready'), ['-q', '-h', HOST, '-p', String(port), '-U', 'cac']).then(() => true, () => false);
  await untilReady(child, accepting, 'PostgreSQL', tail);
  return {
    async createDatabase(name) {
      await run(join(bin, 'createdb'), ['-h', HOST, '-p', String(port), '-U', 'cac', name]);
      return `postgres://cac@${HOST}:${port}/${name}`;
    },
    pids: () => [child.pid, ...childrenOf(child.pid)],
    async stop() {
      // Fast shutdown: its connections are closed, nothing is left running.
      await stopChild(child, 'SIGINT', 10_000);
      removeFolder(dir);
    },
  };
}

/** The processes whose parent is `pid`, from /proc. */
function childrenOf(pid) {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...: the name may hold spaces and parentheses, so read after the last ')'.
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/**
 * A redis-server on a free port of 127.0.0.1 that keeps nothing on disk (no snapshot, no
 * append-only file). Returns {url, pid, stop()}.
 */
export async function startRedis() {
  const dir = tempFolder('redis');
  const port = await freePort();
  const args = ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', ''];
  const child = spawnChild(redisBin(), args, {cwd: dir, stdio: ['ignore', 'pipe', 'pipe']});
  const tail = keepTail(child);
  await untilReady(child, () => listening(port), 'redis-server', tail);
  return {
    url: `redis://${HOST}:${port}`,
    pid: child.pid,
    async stop() {
      await stopChild(child, 'SIGTERM', 5000);
      removeFolder(dir);
    },
  };
}
