// One setup of the cluster bench under load, in one process tree: its hub or hubs, the services
// they share (PostgreSQL and Redis) and the load clients, then the same steps for every setup
// (bench/load/steps.js). With several hubs, visitor client k talks to hub k % H and operator i
// to hub i % H, and every chat is accepted by an operator on another hub than its visitor's: a
// message and its echo always cross Redis.

import {execFile} from 'node:child_process';
import {existsSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import {copyData} from '../load/accounts.js';
import {clockSkewMs, startClients, stopClients} from '../load/clients.js';
import {removeFolder, stopChild, tempFolder} from '../load/procs.js';
import {describeStep, say} from '../load/report.js';
import {freePort, startServer} from '../load/server.js';
import {alive, setUp} from '../load/setup.js';
import {capacity, climb, lessDisturbed, runStepOnce} from '../load/steps.js';
import {startRedis} from './services.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

/** The setups compared, in the order they run. */
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

/*
 * Of two runs of a step (the first was disturbed by other work), which to keep. Other work only
 * ever slows a run down, so the faster run is the nearer to what the setup can do: at 1k the one
 * with the lower p99 visitor to operator; in the climb the one that held, if one did.
 */
const faster = (first, second) => (second.visitorToOperator.p99 < first.visitorToOperator.p99 ? second : first);
const heldOrLessDisturbed = (first, second) => (first.held !== second.held ? (first.held ? first : second) : lessDisturbed(first, second));

/** `cac db import`: the accounts made in a data folder with the CLI, into a new database. */
async function importAccounts(template, pg, name) {
  const database = await pg.createDatabase(name);
  await run('node', ['bin/cac.js', 'db', 'import', template, '--database', database], {cwd: root, timeout: 120_000});
  return database;
}

/**
 * Starts setup `name` and runs its steps: the latency at 1,000 msg/s, then the climb. `pg` is
 * the run's PostgreSQL (startPostgres); each setup gets a database and a Redis of its own.
 */
export async function runSetup(name, opts, {template, operators, pg}) {
  const setup = SETUPS[name];
  const result = {name, label: setup.label, hubs: setup.hubs};
  const work = tempFolder(name);
  const servers = [];
  let redis;
  let clients;
  try {
    let store;
    if (setup.pg) {
      [redis, store] = await Promise.all([startRedis(), importAccounts(template, pg, `cac_${name}`)]);
    } else {
      copyData(template, join(work, 'data'));
    }
    for (let i = 0; i < setup.hubs; i++) {
      const port = await freePort();
      const hub = await startServer('hub', {
        port,
        dir: join(work, 'data'),
        database: store,
        redis: redis?.url,
        log: join(work, `hub${i + 1}.log`),
      });
      hub.name = setup.hubs === 1 ? 'hub' : `hub${i + 1}`;
      hub.port = port;
      servers.push(hub);
    }
    const portOf = (i) => servers[i % servers.length].port;
    clients = await startClients(
      opts,
      portOf,
      operators.map((op, i) => ({...op, port: portOf(i)})),
    );
    result.clockSkewMs = await clockSkewMs(clients);
    const state = await setUp(name, servers, clients, operators.length, opts.settleMs, acrossHubs(setup.hubs));
    Object.assign(result, state);
    result.capacity = capacity(state.chats.chatting, operators.length);

    // Every process of the setup, for the CPU each used during a step.
    const processes = {
      groups: () => ({
        ...Object.fromEntries(servers.map((s) => [s.name, [s.child.pid]])),
        ...(setup.pg ? {postgres: pg.pids(), redis: [redis.pid]} : {}),
      }),
    };
    const common = {drainMs: opts.drainMs, quietMs: opts.quietMs, ready: state.ready, operators: operators.length};
    result.at1k = await runStepOnce(clients, processes, {rate: 1000, ...opts.fixed, ...common}, () => true, (s) => say(`${name}: ${describeStep(s)}`), faster);
    alive(servers);
    if (!opts.climbs.includes(name)) return result;
    result.climb = await climb(clients, processes, {
      rates: opts.rates,
      keep: heldOrLessDisturbed,
      ...opts.ladder,
      ...common,
      onStep: (step) => say(`${name}: climb ${describeStep(step)}`),
    });
    alive(servers);
    say(`${name}: highest rate held: ${result.climb.best ?? 'none'} msg/s (${result.climb.stop})`);
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
    say(`${name}: FAILED: ${result.error}`);
    // The end of each hub's log, for whoever reads the failure: the folder goes next.
    for (let i = 0; i < servers.length; i++) {
      const log = join(work, `hub${i + 1}.log`);
      if (existsSync(log)) say(`${servers[i].name}'s log ends:\n${readFileSync(log, 'utf8').slice(-3000)}`);
    }
  } finally {
    if (clients) await stopClients(clients);
    // Killed, not stopped: nothing of a setup is kept.
    await Promise.all(servers.map((s) => stopChild(s.child, 'SIGKILL')));
    await redis?.stop();
    removeFolder(work);
  }
  return result;
}
