// Figure (d): a server crash and restart under a full house. The server is SIGKILLed (nothing is
// flushed, as in a real crash) and started again on the same port and data folder. Visitors do
// not hammer a closed port meanwhile (10,000 sockets retrying would eat the cores the restart
// needs); they reconnect as soon as it serves, each after a random jitter of up to 200 ms, with
// their visitor id, resume secret and last seq. Operators reconnect at the same moment, as their
// clients would. The figure runs from "serving again" to the last visitor's `welcome`.

import {clientPids} from './clients.js';
import {nowMs, sleep} from './clock.js';
import {cpuSeconds, listenOverflows, waitForQuiet} from './machine.js';
import {startServer, stopChild} from './server.js';

const JITTER_MS = 200;

function percentile(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : null;
}

export async function restartAndResume(kind, server, clients, {port, dir, log, expected, timeoutMs, quietMs}) {
  const quiet = await waitForQuiet([server.child.pid, ...clientPids(clients)], quietMs);
  await stopChild(server.child, 'SIGKILL');
  // Bounded wait until every client has seen its sockets close.
  const deadline = nowMs() + 10_000;
  let dropped = 0;
  while (nowMs() < deadline) {
    dropped = (await Promise.all(clients.visitors.map((c) => c.call('dropped')))).reduce((a, b) => a + b, 0);
    if (dropped >= expected) break;
    await sleep(50);
  }
  const overflowsBefore = listenOverflows();
  const restarted = await startServer(kind, {port, dir, log, timeoutMs: 300_000});
  const at = restarted.servingAt;
  const cpuAtServing = cpuSeconds(restarted.child.pid);
  const [operators, ...visitors] = await Promise.all([
    clients.operators.call('reconnect', {at, jitterMs: JITTER_MS, timeoutMs}, timeoutMs + 10_000),
    ...clients.visitors.map((c) => c.call('reconnect', {at, jitterMs: JITTER_MS, timeoutMs}, timeoutMs + 10_000)),
  ]);
  // The server's share of a core while visitors came back: near 100% means it was the limit.
  const serverCpu = (cpuSeconds(restarted.child.pid) - cpuAtServing) / ((nowMs() - at) / 1000);
  const times = visitors.flatMap((v) => v.welcomeTimes).map((t) => t - at).sort((a, b) => a - b);
  const welcomed = visitors.reduce((s, v) => s + v.welcomed, 0);
  return {
    server: restarted,
    dropped,
    welcomed,
    timeoutMs,
    // Until the last visitor is back; a visitor that never got its welcome makes this null.
    ms: welcomed >= dropped && times.length ? times.at(-1) : null,
    p50Ms: percentile(times, 50),
    p99Ms: percentile(times, 99),
    restartMs: restarted.servingAt - restarted.spawnedAt,
    operatorsBack: operators.ready,
    otherCpuBefore: quiet.others,
    serverCpu,
    acceptQueueOverflows: listenOverflows() - overflowsBefore,
    retries: visitors.reduce((s, v) => s + v.retries, 0),
    errors: visitors.reduce((all, v) => {
      for (const [code, n] of Object.entries(v.errors)) all[code] = (all[code] ?? 0) + n;
      return all;
    }, {}),
  };
}
