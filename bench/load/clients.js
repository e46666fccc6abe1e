// The load-client processes of one scenario: visitor clients, each on its own source address,
// and the operator client on the next one.

import {fileURLToPath} from 'node:url';
import {SITE} from './accounts.js';
import {nowMs} from './clock.js';
import {forkClient, stopChild} from './procs.js';
import {HOST} from './server.js';

const visitorsScript = fileURLToPath(new URL('./visitors.js', import.meta.url));
const operatorsScript = fileURLToPath(new URL('./operators.js', import.meta.url));

/** Loopback addresses: 127.0.0.2 and up for the visitor clients, the next for operators. */
const sourceAddress = (k) => `127.0.0.${2 + k}`;

/**
 * Forks and initialises the clients; `operators` are {name, token} and may name a `port` of
 * their own. `port` is the server's, or `(k) => port` for visitor client k when there are several.
 */
export async function startClients(opts, port, operators) {
  const portOf = typeof port === 'function' ? port : () => port;
  const shares = Array.from({length: opts.clients}, (_, k) =>
    Math.floor(opts.visitors / opts.clients) + (k < opts.visitors % opts.clients ? 1 : 0),
  );
  const visitors = shares.map((_, k) => forkClient(visitorsScript, `visitor client ${k + 1}`));
  const ops = forkClient(operatorsScript, 'operator client');
  const clients = {visitors, operators: ops, all: [...visitors, ops]};
  try {
    const inits = await Promise.all([
      ...visitors.map((c, k) =>
        c.call('init', {host: HOST, port: portOf(k), site: SITE, count: shares[k], localAddress: sourceAddress(k), index: k}),
      ),
      ops.call('init', {host: HOST, port: portOf(0), operators, localAddress: sourceAddress(opts.clients)}),
    ]);
    // A socket is an open file: a client whose limit is below its share would fail half-way.
    inits.forEach((init, k) => {
      const needs = (k < opts.clients ? shares[k] : operators.length) + 100;
      if (init.openFiles !== null && init.openFiles < needs) {
        throw new Error(`load client ${k + 1} may open ${init.openFiles} files but needs ${needs}: raise ulimit -n or --clients`);
      }
    });
    clients.openFiles = inits.map((i) => i.openFiles);
    return clients;
  } catch (error) {
    await stopClients(clients);
    throw error;
  }
}

export async function stopClients(clients) {
  await Promise.all(clients.all.map((c) => c.call('close', undefined, 5000).catch(() => {})));
  await Promise.all(clients.all.map((c) => stopChild(c, 'SIGTERM', 2000)));
}

/** Each client's pid, for CPU accounting. */
export const clientPids = (clients) => clients.all.map((c) => c.pid);

/**
 * Largest difference between a child's clock and the parent's, bounded by the IPC round trip:
 * the best of a few rounds, as one round may wait for a busy scheduler.
 */
export async function clockSkewMs(clients) {
  let worst = 0;
  for (const c of clients.all) {
    let best = Infinity;
    for (let round = 0; round < 5; round++) {
      const before = nowMs();
      const theirs = await c.call('clock');
      const after = nowMs();
      best = Math.min(best, Math.abs(theirs - (before + after) / 2) + (after - before) / 2);
    }
    worst = Math.max(worst, best);
  }
  return worst;
}
