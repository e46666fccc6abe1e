// One setup of the cluster bench, in the run's process tree: its hub or hubs, the services they
// share (PostgreSQL and Redis) and its load clients, brought to the state the steps measure. With
// several hubs, visitor client k talks to hub k % H and operator i to hub i % H, and every chat is
// accepted by an operator on another hub than its visitor's: a message and its echo always cross
// Redis.

import {execFile} from 'node:child_process';
import {existsSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import {copyData} from '../load/accounts.js';
import {clientPids, clockSkewMs, startClients, stopClients} from '../load/clients.js';
import {removeFolder, stopChild, tempFolder} from '../load/procs.js';
import {say} from '../load/report.js';
import {freePort, startServer} from '../load/server.js';
import {alive, setUp} from '../load/setup.js';
import {capacity} from '../load/steps.js';
import {startRedis} from './services.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

/** The setups compared, in the order they start. */
export const SETUPS = {
  folder: {label: '1 hub, data folder', hubs: 1, pg: false},
  pg1: {label: '1 hub, PostgreSQL + Redis', hubs: 1, pg: true},
  pg2: {label: '2 hubs, PostgreSQL + Redis', hubs: 2, pg: true},
};

/**
 * Chats of visitors on hub h go round-robin to the operators on the other hubs (to all of them
 * with one hub). `requested[k]` is what visitor client k asked for.
 */
export function acrossHubs(hubs) {
  return (requested, operatorCount) => {
    const taken = new Array(hubs).fill(0);
    return requested.flatMap((r, k) => {
      const h = k % hubs;
      const others = Array.from({length: operatorCount}, (_, i) => i).filter((i) => hubs === 1 || i % hubs !== h);
      return r.chats.map((chatId) => [others[taken[h]++ % others.length], chatId]);
    });
  };
}

/** `cac db import`: the accounts made in a data folder with the CLI, into a new database. */
async function importAccounts(template, pg, name) {
  const database = await pg.createDatabase(name);
  await run('node', ['bin/cac.js', 'db', 'import', template, '--database', database], {cwd: root, timeout: 120_000});
  return database;
}

/**
 * Starts setup `name` and brings it to the steady state (every visitor chatting), then leaves it
 * so: the steps are run by bench/cluster/turns.js, the setups taking turns. `pg` is the run's
 * PostgreSQL (startPostgres); each setup gets a database and a Redis of its own. Resolves with a
 * handle; when the setup could not be started its `result.error` says why and it is not `live`.
 */
export async function startSetup(name, opts, {template, operators, pg}) {
  const setup = SETUPS[name];
  const handle = {name, live: false, servers: [], work: tempFolder(name), result: {name, label: setup.label, hubs: setup.hubs}};
  const {servers, work, result} = handle;
  try {
    let store;
    if (setup.pg) {
      [handle.redis, store] = await Promise.all([startRedis(), importAccounts(template, pg, `cac_${name}`)]);
    } else {
      copyData(template, join(work, 'data'));
    }
    for (let i = 0; i < setup.hubs; i++) {
      const port = await freePort();
      const hub = await startServer('hub', {port, dir: join(work, 'data'), database: store, redis: handle.redis?.url, log: join(work, `hub${i + 1}.log`)});
      hub.name = setup.hubs === 1 ? 'hub' : `hub${i + 1}`;
      hub.port = port;
      servers.push(hub);
    }
    const portOf = (i) => servers[i % servers.length].port;
    handle.clients = await startClients(opts, portOf, operators.map((op, i) => ({...op, port: portOf(i)})));
    result.clockSkewMs = await clockSkewMs(handle.clients);
    const state = await setUp(name, servers, handle.clients, operators.length, {settleMs: opts.settleMs, assign: acrossHubs(setup.hubs)});
    Object.assign(result, state);
    result.capacity = capacity(state.chats.chatting, operators.length);
    handle.common = {drainMs: opts.drainMs, quietMs: opts.quietMs, ready: state.ready, operators: operators.length};
    // Every process of the setup by name, for the CPU each used during a step.
    handle.groups = () => ({
      ...Object.fromEntries(servers.map((s) => [s.name, [s.child.pid]])),
      ...(setup.pg ? {postgres: pg.pids(), redis: [handle.redis.pid]} : {}),
    });
    handle.live = true;
  } catch (error) {
    await failSetup(handle, error);
  }
  return handle;
}

/** Every process of a setup: its hubs, its Redis and its load clients (PostgreSQL is the run's). */
export const setupPids = (handle) => [...handle.servers.map((s) => s.child.pid), ...(handle.redis ? [handle.redis.pid] : []), ...(handle.clients ? clientPids(handle.clients) : [])];

/** Throws when one of the setup's hubs has gone (crashed). */
export const checkSetup = (handle) => alive(handle.servers);

/** Records why a setup stopped, with the end of each hub's log, and stops it. */
export async function failSetup(handle, error) {
  handle.result.error = error instanceof Error ? error.message : String(error);
  say(`${handle.name}: FAILED: ${handle.result.error}`);
  // The end of each hub's log, for whoever reads the failure: the folder goes next.
  handle.servers.forEach((server, i) => {
    const log = join(handle.work, `hub${i + 1}.log`);
    if (existsSync(log)) say(`${server.name}'s log ends:\n${readFileSync(log, 'utf8').slice(-3000)}`);
  });
  await stopSetup(handle);
}

/** Stops everything of a setup: killed, not stopped, as nothing of it is kept. */
export async function stopSetup(handle) {
  handle.live = false;
  if (handle.clients) await stopClients(handle.clients);
  handle.clients = undefined;
  await Promise.all(handle.servers.map((s) => stopChild(s.child, 'SIGKILL')));
  await handle.redis?.stop();
  handle.redis = undefined;
  removeFolder(handle.work);
}
