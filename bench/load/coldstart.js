// Figure (e): from spawning the server process to its first successful GET /healthz, the median
// of a few starts (one start is at the mercy of the scheduler). The hub starts on an empty data
// folder, and on folders holding stored chats; the relay stores nothing, so it has one figure.

import {join} from 'node:path';
import {waitForQuiet} from './machine.js';
import {removeFolder, tempFolder} from './procs.js';
import {freePort, startServer, stopChild} from './server.js';

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/**
 * `dir(run)` gives the data folder of each start (a fresh empty one, or the same seeded one).
 * The server is stopped gently between starts, so a seeded folder stays as it was.
 */
export async function coldStart(kind, runs, dir, quietMs) {
  const times = [];
  const others = [];
  const logs = tempFolder('cold');
  try {
    for (let run = 0; run < runs; run++) {
      // A short wait only: five starts must not each wait out someone's whole build.
      others.push((await waitForQuiet([], Math.min(quietMs, 5000))).others);
      const port = await freePort();
      const server = await startServer(kind, {port, dir: dir(run), log: join(logs, 'hub.log'), timeoutMs: 300_000});
      times.push(server.servingAt - server.spawnedAt);
      await stopChild(server.child, 'SIGTERM', 30_000);
    }
  } finally {
    removeFolder(logs);
  }
  return {ms: median(times), runs: times, otherCpu: Math.max(...others)};
}
