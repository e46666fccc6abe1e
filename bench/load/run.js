// npm run bench, the load part: the hub under many visitors, each figure beside the same load
// on a bare `ws` relay (relay.js), so what is the hub's own cost and what is the machine's shows.
// Servers and load clients are separate processes on loopback; figures are printed (and written
// as JSON with --json FILE), never asserted. node bench/load/run.js --help for the options.

import {join} from 'node:path';
import {makeAccounts} from './accounts.js';
import {nowMs} from './clock.js';
import {coldStart} from './coldstart.js';
import {machineFacts, noteBusy} from './machine.js';
import {parseOptions} from './options.js';
import {cleanUpOnExit, removeFolder, tempFolder} from './procs.js';
import {printTable, say, writeJson} from './report.js';
import {runScenario} from './scenario.js';
import {seedChats} from './seed.js';
import {requireBuild} from './server.js';

const opts = parseOptions(process.argv);
cleanUpOnExit(opts.deadlineMs);
requireBuild('bench/load');

const started = nowMs();
const results = {
  options: {visitors: opts.visitors, operators: opts.operators, clients: opts.clients, quick: opts.quick, stored: opts.stored},
  machine: machineFacts(),
  hub: {kind: 'hub', cold: {}},
  relay: {kind: 'relay', cold: {}},
  notes: [],
};
const {cores} = results.machine;
const servers = opts.only ? [opts.only] : ['relay', 'hub'];
process.stdout.write(
  `\nload: ${opts.visitors} visitors over ${opts.clients} client processes, ${opts.operators} operators, ` +
    `${cores} cores shared by the server and every load client${opts.quick ? ' (--quick)' : ''}\n`,
);
noteBusy();

// Preparation, nothing measured: operator accounts (with the CLI, once; only the hub checks
// them, the relay takes anyone) and the stored chats for the cold starts, side by side.
process.stdout.write('\npreparing (not measured):\n');
let template;
let operators = Array.from({length: opts.operators}, (_, i) => ({name: `op${String(i).padStart(3, '0')}`, token: 'relay-takes-any'}));
const accounts = (async () => {
  if (!servers.includes('hub')) return;
  template = join(tempFolder('accounts'), 'data');
  const t = nowMs();
  operators = await makeAccounts(template, opts.operators);
  say(`${opts.operators} operator accounts made with the CLI in ${((nowMs() - t) / 1000).toFixed(0)} s`);
})();
const stored = [];
const seeding = (async () => {
  for (const n of opts.stored) {
    const dir = join(tempFolder('stored'), 'data');
    try {
      const seeded = await seedChats(dir, n);
      say(`${n} stored chats seeded in ${(seeded.ms / 1000).toFixed(0)} s (through a real hub)`);
      stored.push({n, dir});
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      results.notes.push(`cold start with ${n} stored chats skipped: ${message}`);
      say(`${n} stored chats: skipped (${message})`);
      removeFolder(join(dir, '..'));
    }
  }
})();
await Promise.all([accounts, seeding]);

for (const kind of servers) {
  process.stdout.write(`\n${kind}:\n`);
  Object.assign(results[kind], await runScenario(kind, opts, {template, operators}));
}

// (e) Cold starts. Empty: a new empty data folder for every start.
process.stdout.write('\ncold start (spawn to first GET /healthz, median):\n');
const empties = [];
const emptyFolder = () => {
  const dir = tempFolder('empty');
  empties.push(dir);
  return dir;
};
const cold = async (kind, label, runs, dir) => {
  const figure = await coldStart(kind, runs, dir, opts.quietMs);
  const busy = figure.otherCpu > 0.25 ? `; other processes were using ${Math.round(figure.otherCpu * 100)}% CPU` : '';
  say(`${kind}, ${label}: ${figure.ms.toFixed(0)} ms (${figure.runs.map((v) => v.toFixed(0)).join(', ')})${busy}`);
  return figure;
};
results.hub.cold.empty = await cold('hub', 'empty data folder', opts.coldRuns, emptyFolder);
results.relay.cold.empty = await cold('relay', 'no data', opts.coldRuns, () => undefined);
for (const dir of empties) removeFolder(dir);
for (const {n, dir} of stored) {
  // One start of the largest: it is the slowest, and the median of one is that one.
  results.hub.cold[`stored${n}`] = await cold('hub', `${n} stored chats`, n >= 100_000 ? 1 : 3, () => dir);
}

printTable(results, opts);

// What the figures mean and where they may mislead.
results.notes.push(
  `The server and all load clients share ${cores} cores: the clients' own CPU (printed per step) is taken from the server, so absolute rates are lower than on a dedicated server; the relay pays the same.`,
  'Latency is stamped by the sender and read by the receiver (performance.timeOrigin + now(), same machine); a message never received counts as infinitely slow in p99.',
  'Offered rate R: visitors send R/2 (at most 0.6 msg/s each), operators the rest (at most 150 msg/s each); "+" after a max rate means the climb stopped at the topology or the clients, not at the server.',
  'Resume: visitors reconnect once the restarted server serves /healthz, each after 0-200 ms of jitter; operators reconnect at the same time.',
);
for (const kind of servers) {
  const r = results[kind];
  if (r.clockSkewMs !== undefined) {
    results.notes.push(`${kind}: clock skew between processes at most ${r.clockSkewMs.toFixed(2)} ms; open-file limit ${r.serverOpenFiles} in the server, ${r.openFiles.join('/')} in the load clients.`);
  }
  if (r.error) results.notes.push(`${kind}: the load phases stopped early: ${r.error}`);
  if (r.climb) results.notes.push(`${kind}: the climb stopped: ${r.climb.stop}.`);
  // Steps during which someone else's work had a good part of the cores: their figures are worse.
  const busy = [r.at1k, ...(r.climb?.steps ?? []), r.at10k].filter((s) => s?.offered && s.otherCpu > 0.2);
  if (busy.length) {
    results.notes.push(`${kind}: other processes used ${busy.map((s) => `${Math.round(s.otherCpu * 100)}% at ${s.rate}`).join(', ')} msg/s (of ${cores * 100}%).`);
  }
}
process.stdout.write('\n' + results.notes.map((n) => `- ${n}`).join('\n') + '\n');
results.seconds = (nowMs() - started) / 1000;
process.stdout.write(`\nload run took ${results.seconds.toFixed(0)} s\n`);
if (opts.json) writeJson(opts.json, results);
// Last, as removing 100,000 stored chats takes a while: the figures are out already.
for (const {dir} of stored) removeFolder(join(dir, '..'));
process.exit(0);
