// Everything measured under load for one server (hub or relay), in one process tree: the server
// child, the visitor load clients (one source address each) and the operator load client.
// The same sequence, with the same load, runs for both servers; only the server differs.

import {join} from 'node:path';
import {copyData} from './accounts.js';
import {clockSkewMs, startClients, stopClients} from './clients.js';
import {openFileLimit, waitForIdle} from './machine.js';
import {removeFolder, stopChild, tempFolder} from './procs.js';
import {describeResume, describeStep, say} from './report.js';
import {restartAndResume} from './resume.js';
import {freePort, startServer} from './server.js';
import {alive, setUp} from './setup.js';
import {capacity, climb, runStepOnce} from './steps.js';

/**
 * Runs every load phase against `kind`. `template` is the hub's data folder with accounts and
 * `operators` their tokens; the relay ignores both (it takes anyone).
 */
export async function runScenario(kind, opts, {template, operators}) {
  const result = {kind};
  const work = tempFolder(kind);
  const dir = join(work, 'data');
  if (kind === 'hub') copyData(template, dir);
  const log = join(work, 'hub.log');
  const port = await freePort();
  let server;
  let clients;
  try {
    server = await startServer(kind, {port, dir, log});
    clients = await startClients(opts, port, operators);
    result.openFiles = clients.openFiles;
    result.serverOpenFiles = openFileLimit(server.child.pid);
    if (result.serverOpenFiles !== null && result.serverOpenFiles < opts.visitors + opts.operators + 100) {
      throw new Error(`the server may open ${result.serverOpenFiles} files, fewer than the sockets it will hold: raise ulimit -n`);
    }
    result.clockSkewMs = await clockSkewMs(clients);

    // (c) is read during the setup, with every visitor connected and idle.
    const state = await setUp(kind, server, clients, operators.length, {settleMs: opts.settleMs, restMs: opts.restMs});
    Object.assign(result, state);
    result.capacity = capacity(state.chats.chatting, operators.length);

    // The steps measure a steady state: the setup's own work (ten thousand accepted chats, which
    // the hub's checkpoint writes out 10 s after they were journaled) is let finish first, on
    // either server alike.
    const idle = await waitForIdle(server.child.pid, 90_000, opts.idleForMs);
    result.settledMs = idle.waitedMs;
    say(`${kind}: the steps start ${(idle.waitedMs / 1000).toFixed(1)} s after the setup, the server idle for ${opts.idleForMs / 1000} s (${Math.round(idle.used * 100)}% of a core at the end)`);

    const common = {drainMs: opts.drainMs, quietMs: opts.quietMs, ready: state.ready, operators: operators.length};
    const fixed = async (rate) => {
      const step = await runStepOnce(clients, server.child, {rate, ...opts.fixed, ...common}, () => true, (s) =>
        say(`${kind}: ${describeStep(s)}`),
      );
      alive(server);
      return step;
    };
    // (a) at 1,000 msg/s; (b) the climb; (a) at 10,000 msg/s last, as it may swamp a slow server.
    result.at1k = await fixed(1000);
    result.climb = await climb(clients, server.child, {
      rates: opts.rates,
      ...opts.ladder,
      ...common,
      onStep: (step) => say(`${kind}: climb ${describeStep(step)}`),
    });
    say(`${kind}: highest rate held: ${result.climb.best ?? 'none'} msg/s (${result.climb.stop})`);
    alive(server);
    result.at10k = await fixed(10_000);

    // (d) Kill, restart, resume. CAC_BENCH_NO_RESUME=1 leaves it out, so that a hub run with
    // --cpu-prof is stopped, not killed, and writes the profile of its steps.
    if (process.env.CAC_BENCH_NO_RESUME) return result;
    const expected = state.chats.chatting;
    const resumed = await restartAndResume(kind, server, clients, {port, dir, log, expected, timeoutMs: opts.resumeTimeoutMs, quietMs: opts.quietMs});
    server = resumed.server;
    delete resumed.server;
    result.resume = resumed;
    say(`${kind}: ${describeResume(resumed)}`);
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
    say(`${kind}: FAILED: ${result.error}`);
  } finally {
    if (clients) await stopClients(clients);
    // Killed, not stopped: its folder is thrown away, so there is nothing to write out first
    // (unless the hub runs with node flags, such as a profile it writes as it exits).
    if (server) await stopChild(server.child, process.env.CAC_BENCH_HUB_FLAGS ? 'SIGTERM' : 'SIGKILL', 30_000);
    removeFolder(work);
  }
  return result;
}
