// npm run bench, the cluster part: one hub on its data folder beside hubs sharing PostgreSQL and
// Redis, under the same load on loopback, in one run: the latency a message pays for crossing
// from one hub to another through Redis (visitors on one hub, their operators on the other),
// and the highest rate held by two hubs beside one hub on the same store. Every process is a
// child of this one; figures are printed (and written as JSON with --json FILE), never
// asserted. node bench/cluster-bench.js --help for the options.

import {join} from 'node:path';
import {parseOptions} from './cluster/options.js';
import {servicesMissing, startPostgres} from './cluster/services.js';
import {SETUPS, startSetup, stopSetup} from './cluster/setup.js';
import {climbInTurns, latencyRounds} from './cluster/turns.js';
import {makeAccounts} from './load/accounts.js';
import {nowMs} from './load/clock.js';
import {machineFacts, noteBusy} from './load/machine.js';
import {cleanUpOnExit, tempFolder} from './load/procs.js';
import {count, ms, printRows, say, writeJson} from './load/report.js';
import {requireBuild} from './load/server.js';
import {P99_LIMIT_MS} from './load/steps.js';

const opts = parseOptions(process.argv);
cleanUpOnExit(opts.deadlineMs);
requireBuild('bench/cluster-bench');

const started = nowMs();
const results = {
  options: {visitors: opts.visitors, operators: opts.operators, clients: opts.clients, quick: opts.quick},
  machine: machineFacts(),
  setups: {},
  notes: [],
};
const {cores} = results.machine;
process.stdout.write(
  `\ncluster: ${opts.visitors} visitors over ${opts.clients} client processes, ${opts.operators} operators; ` +
    `${opts.only.map((n) => SETUPS[n].label).join(' / ')}; ${cores} cores shared by every process${opts.quick ? ' (--quick)' : ''}\n`,
);
noteBusy();

// Without PostgreSQL or Redis, the data folder's figures are all this run can give.
const missing = opts.only.some((n) => SETUPS[n].pg) && servicesMissing();
if (missing) {
  results.notes.push(`the setups on PostgreSQL + Redis were skipped: ${missing}`);
  process.stdout.write(`note: skipping the setups on PostgreSQL + Redis: ${missing}\n`);
  opts.only = opts.only.filter((n) => !SETUPS[n].pg);
}

// Preparation, nothing measured: the accounts (with the CLI, in a data folder that every setup
// gets a copy or an import of) and PostgreSQL, side by side.
process.stdout.write('\npreparing (not measured):\n');
const template = join(tempFolder('accounts'), 'data');
const needsPg = opts.only.some((n) => SETUPS[n].pg);
const [operators, pg] = await Promise.all([
  (async () => {
    const t = nowMs();
    const made = await makeAccounts(template, opts.operators);
    say(`${opts.operators} operator accounts made with the CLI in ${((nowMs() - t) / 1000).toFixed(0)} s`);
    return made;
  })(),
  needsPg
    ? (async () => {
        const t = nowMs();
        const server = await startPostgres();
        say(`PostgreSQL started in ${((nowMs() - t) / 1000).toFixed(1)} s (initdb included)`);
        return server;
      })()
    : undefined,
]);

// Every setup up at once, then the steps in turns (bench/cluster/turns.js).
const setups = [];
for (const name of opts.only) {
  process.stdout.write(`\n${SETUPS[name].label} (${name}): starting\n`);
  setups.push(await startSetup(name, opts, {template, operators, pg}));
}
process.stdout.write(`\nlatency at 1,000 msg/s, ${opts.rounds} rounds, the setups in turn:\n`);
await latencyRounds(setups, opts);
process.stdout.write('\nthe climb, each rate on every setup still climbing in turn:\n');
await climbInTurns(setups, opts);
for (const s of setups) {
  if (s.live) await stopSetup(s);
  results.setups[s.name] = s.result;
}
await pg?.stop();

// The table: one column a setup, then the comparison each aim is about.
const r = results.setups;
const at1k = (x, dir, key) => (x?.at1k?.offered ? x.at1k[dir][key] : null);
const finite = (v) => v !== null && v !== undefined && Number.isFinite(v);
const plus = (a, b) => (finite(a) && finite(b) ? `${a - b >= 0 ? '+' : ''}${ms(a - b)} ms` : '-');
const held = (x) => x?.climb?.best ?? null;
const rows = [
  ['p50 v->o at 1k msg/s (ms)', (x) => at1k(x, 'visitorToOperator', 'p50'), ms, () => plus(at1k(r.pg2, 'visitorToOperator', 'p50'), at1k(r.folder, 'visitorToOperator', 'p50'))],
  [
    'p99 v->o at 1k msg/s (ms)',
    (x) => at1k(x, 'visitorToOperator', 'p99'),
    ms,
    () => plus(at1k(r.pg2, 'visitorToOperator', 'p99'), at1k(r.folder, 'visitorToOperator', 'p99')),
    () => {
      const [two, one] = [at1k(r.pg2, 'visitorToOperator', 'p99'), at1k(r.folder, 'visitorToOperator', 'p99')];
      return `2 hubs <= folder + 5 ms${finite(two) && finite(one) ? (two - one <= 5 ? '  ok' : '  MISS') : ''}`;
    },
  ],
  ['max v->o at 1k msg/s (ms)', (x) => at1k(x, 'visitorToOperator', 'max'), ms],
  ['p99 o->v at 1k msg/s (ms)', (x) => at1k(x, 'operatorToVisitor', 'p99'), ms, () => plus(at1k(r.pg2, 'operatorToVisitor', 'p99'), at1k(r.folder, 'operatorToVisitor', 'p99'))],
  ['delivered at 1k (msg/s)', (x) => (x?.at1k?.offered ? x.at1k.deliveredRate : null), count],
  [
    `max rate, p99 <= ${P99_LIMIT_MS} ms (msg/s)`,
    held,
    (v, x) => (v === null ? '-' : count(v) + (/^(topology|load clients|every rate)/.test(x?.climb?.stop ?? '') ? '+' : '')),
    () => (held(r.pg2) && held(r.pg1) ? `x${(held(r.pg2) / held(r.pg1)).toFixed(2)}` : '-'),
    () => `2 hubs >= x1.6 one (enough cores)${held(r.pg2) && held(r.pg1) ? (held(r.pg2) / held(r.pg1) >= 1.6 ? '  ok' : '  MISS') : ''}`,
  ],
];
const columns = opts.only;
printRows([
  ['figure', ...columns.map((n) => SETUPS[n].label), '2 hubs vs', 'aim'],
  ...rows.map(([label, get, fmt, compare = () => '', aim = () => '']) => [label, ...columns.map((n) => fmt(r[n] ? get(r[n]) : null, r[n])), compare(), aim()]),
]);
process.stdout.write('("2 hubs vs": latency beside the one hub on its data folder, the rate beside one hub on PostgreSQL + Redis)\n');

// Where the CPU went: every process of the run, in % of one core (the machine has cores x 100).
const pct = (v) => (finite(v) ? String(Math.round(v * 100)) : '-');
const cpuRow = (name, what, s) => {
  if (!s?.offered) return null;
  const by = s.cpuBy ?? {};
  const hubs = Object.entries(by).filter(([k]) => k.startsWith('hub')).map(([, v]) => pct(v)).join(' + ');
  const total = s.serverCpu + s.clients.cpuTotal + s.otherCpu;
  return [name, what, hubs, pct(by.postgres), pct(by.redis), pct(s.clients.cpuTotal), pct(by.idle), pct(s.otherCpu), `${pct(total)} of ${cores * 100}`];
};
const cpuRows = [];
for (const name of columns) {
  const x = r[name];
  const best = x?.climb?.bestStep;
  const failed = x?.climb?.failedStep;
  cpuRows.push(
    cpuRow(name, '1k msg/s', x?.at1k),
    best && cpuRow(name, `${count(best.rate)} (held)`, best),
    failed && cpuRow(name, `${count(failed.rate)} (not held)`, failed),
  );
}
process.stdout.write('\nCPU during the measured window, % of one core:');
printRows([['setup', 'step', 'hub(s)', 'postgres', 'redis', 'load clients', 'idle setups', 'others', 'machine'], ...cpuRows.filter(Boolean)]);

// What the figures say, and where they may mislead.
results.notes.push(
  `Every process (hubs, PostgreSQL, Redis, load clients) shares ${cores} cores: a rate is held only while they all fit; other people's work on the machine is counted apart ("others").`,
  'Two hubs: visitor client k talks to hub k % 2 and operator i to hub i % 2; each chat is accepted by an operator on the other hub than its visitor, so every message and its echo cross Redis.',
  'PostgreSQL runs durable (fsync and synchronous commit on, its defaults), as the data folder does (fdatasync); Redis keeps nothing on disk.',
  `The setups are all up at once and take turns, each step on one while the others idle ("idle setups": their hubs, Redis and load clients), so that other work on the machine falls on all of them alike. The step at 1,000 msg/s runs ${opts.rounds} times round them and each keeps its fastest run (other work only slows a run down); a climb's rung disturbed by other work is run again at once, and once more after the other setups' turn, and held if any run held.`,
  `Offered rate R: visitors send R/2 (at most 0.6 msg/s each), operators the rest (at most 150 msg/s each); "+" after a rate means the climb stopped at the topology, the clients or the last rate tried, not at the hubs.`,
);
for (const name of columns) {
  const x = r[name];
  if (!x) continue;
  if (x.error) results.notes.push(`${name}: stopped early: ${x.error}`);
  if (x.climb) results.notes.push(`${name}: the climb stopped: ${x.climb.stop}.`);
  if (x.clockSkewMs !== undefined) results.notes.push(`${name}: clock skew between processes at most ${x.clockSkewMs.toFixed(2)} ms.`);
}
// Why each climb stopped where it did: out of cores (whose?), or waiting with cores to spare.
for (const name of columns) {
  const failed = r[name]?.climb?.failedStep;
  if (!failed?.offered) continue;
  const hubs = Object.entries(failed.cpuBy).filter(([k]) => k.startsWith('hub'));
  const busy = failed.serverCpu + failed.clients.cpuTotal + failed.otherCpu;
  let why =
    `${name}, at ${count(failed.rate)} msg/s (the first rate not held): ${hubs.map(([k, v]) => `${k} ${pct(v)}%`).join(', ')}` +
    (failed.cpuBy.postgres !== undefined ? `, PostgreSQL ${pct(failed.cpuBy.postgres)}%, Redis ${pct(failed.cpuBy.redis)}%` : '') +
    `, load clients ${pct(failed.clients.cpuTotal)}%, other work ${pct(failed.otherCpu)}%, of the ${cores * 100}% the machine has.`;
  if (busy >= cores * 0.85) {
    why +=
      failed.otherCpu > 0.25
        ? ' The cores were full, other work taking a good share: this figure is the busy machine\'s as much as the setup\'s.'
        : ` The run's own processes filled the cores: on ${cores} cores the hubs, the database, Redis and the load clients take turns, so this says how much fits on the machine, not how hubs on machines of their own would scale.`;
  } else why += ' Cores were left idle: the limit was not CPU.';
  if (hubs.every(([, v]) => v < 0.8)) why += ' No hub used a whole core: the hubs spent the time waiting (for PostgreSQL, Redis, or the cores), not computing.';
  results.notes.push(why);
}
// Two hubs that hold less than one are not short of cores, whatever the machine.
if (held(r.pg2) !== null && held(r.pg1) !== null && held(r.pg2) < held(r.pg1)) {
  results.notes.push(`2 hubs held less than 1 hub on the same database (${count(held(r.pg2))} against ${count(held(r.pg1))} msg/s): adding a hub cost throughput instead of adding it, so what limits them is shared by both hubs (the database's writes or Redis), not the CPU of a hub.`);
}
process.stdout.write('\n' + results.notes.map((n) => `- ${n}`).join('\n') + '\n');
results.seconds = (nowMs() - started) / 1000;
process.stdout.write(`\ncluster run took ${results.seconds.toFixed(0)} s\n`);
if (opts.json) writeJson(opts.json, results);
process.exit(0);
