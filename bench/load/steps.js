// One load step: every load client sends at its share of an offered rate R for a warm-up and a
// measured window, then the backlog drains (bounded) and the clients' histograms are merged.
// Visitors send half of R, at most 0.6 msg/s each (the hub's limit is 40 a minute); operators
// send the rest, at most 150 msg/s a socket (the hub's is 200 frames/s, burst 400).

import {nowMs, sleep} from './clock.js';
import {Histogram} from './histogram.js';
import {clientPids} from './clients.js';
import {probeDisk} from './disk-probe.js';
import {cpuSeconds, machineCpu, waitForQuiet} from './machine.js';
import {tempFolder} from './procs.js';

export const VISITOR_MAX_RATE = 0.6;
export const OPERATOR_MAX_RATE = 150;
/** Other processes using more than this share of a core during a step disturbed it. */
const DISTURBED = 0.25;
/** The figure that decides whether a rate is held. */
export const P99_LIMIT_MS = 50;

/** Where the disk probe writes: the file system of the servers' data folders (one per run). */
let probeDir;

/** The highest rate the topology can offer without breaking the hub's per-socket limits. */
export function capacity(visitorsReady, operators) {
  return visitorsReady * VISITOR_MAX_RATE + operators * OPERATOR_MAX_RATE;
}

/** Visitors take half the rate, up to their limit; operators the rest, evenly. */
function splitRate(rate, visitorsReady, operators) {
  const visitorRate = Math.min(rate / 2, visitorsReady * VISITOR_MAX_RATE);
  return {
    visitorRate,
    operatorRate: rate - visitorRate,
    perVisitor: visitorRate / visitorsReady,
    perOperator: (rate - visitorRate) / operators,
  };
}

async function progress(clients) {
  const all = await Promise.all(clients.visitors.map((c) => c.call('progress')));
  const op = await clients.operators.call('progress');
  const vSent = all.reduce((s, p) => s + p.sent, 0);
  const vReceived = all.reduce((s, p) => s + p.received, 0);
  return {backlog: vSent - op.received + (op.sent - vReceived), received: op.received + vReceived};
}

/**
 * Waits until everything sent has arrived, or nothing arrived for 2 s (lost or refused), or
 * `drainMs` passed (a server far behind); resolves with what is still missing.
 */
async function drain(clients, drainMs) {
  const started = nowMs();
  let last = await progress(clients);
  let quietSince = nowMs();
  while (last.backlog > 0 && nowMs() - started < drainMs && nowMs() - quietSince < 2000) {
    await sleep(200);
    const now = await progress(clients);
    if (now.received !== last.received) quietSince = nowMs();
    last = now;
  }
  return {backlog: last.backlog, drainMs: nowMs() - started};
}

function summarise(hist, sent) {
  const missing = Math.max(0, sent - hist.n);
  return {
    p50: hist.percentileMs(50, missing),
    p99: hist.percentileMs(99, missing),
    max: missing > 0 ? Infinity : hist.maxUs / 1000,
    samples: hist.n,
    missing,
    negative: hist.negative,
  };
}

/**
 * The processes whose CPU a step reports: `server` is one process, or has `groups()`, named
 * lists of pids read afresh at each end of the window (several hubs, a database that forks a
 * process per connection, Redis).
 */
const groupsOf = (server) => (server.groups ? server.groups() : {server: [server.pid]});

function cpuOfGroups(groups) {
  return Object.fromEntries(Object.entries(groups).map(([name, pids]) => [name, pids.map((pid) => [pid, cpuSeconds(pid)])]));
}

/** Each group's share of a core between two readings; a process born meanwhile counts from 0. */
function cpuBetween(start, stop, seconds) {
  return Object.fromEntries(
    Object.entries(stop).map(([name, pids]) => {
      const before = new Map(start[name]);
      return [name, pids.reduce((sum, [pid, cpu]) => sum + ((cpu || 0) - (before.get(pid) || 0)), 0) / seconds];
    }),
  );
}

/** What the clients and /proc said about one step, merged into its figures. */
function figures({rate, split, paced, collected, cpuStart, cpuStop, seconds, drained}) {
  const sum = (list, key) => list.reduce((s, x) => s + x[key], 0);
  const toOperator = Histogram.from(collected.at(-1).hist);
  const toVisitor = new Histogram();
  for (const c of collected.slice(0, -1)) toVisitor.merge(c.hist);
  const errors = {};
  for (const c of collected) for (const [code, n] of Object.entries(c.errors)) errors[code] = (errors[code] ?? 0) + n;
  // A client that skipped sends, or had nobody to send from, did not offer the rate.
  const scheduled = sum(paced, 'scheduled') + sum(paced, 'skipped');
  const notSent = sum(paced, 'skipped') + sum(paced, 'unsent');
  const clientCpu = collected.map((c) => c.cpuSeconds / seconds);
  const cpuBy = cpuBetween(cpuStart.servers, cpuStop.servers, seconds);
  const serverCpu = Object.values(cpuBy).reduce((a, b) => a + b, 0);
  const parentCpu = (cpuStop.parent.user + cpuStop.parent.system - cpuStart.parent.user - cpuStart.parent.system) / 1e6 / seconds;
  const machineBusy = (cpuStop.machine.busy - cpuStart.machine.busy) / seconds;
  const clients = {
    keptUp: notSent <= scheduled * 0.01,
    notSent,
    maxLagMs: Math.max(...paced.map((p) => p.maxLagMs)),
    lateTicks: sum(paced, 'lateTicks'),
    loopDelayP99Ms: Math.max(...collected.map((c) => c.loopDelayMs.p99)),
    loopDelayMaxMs: Math.max(...collected.map((c) => c.loopDelayMs.max)),
    cpu: clientCpu,
    cpuTotal: clientCpu.reduce((a, b) => a + b, 0),
  };
  const visitorToOperator = summarise(toOperator, sum(paced.slice(0, -1), 'sent'));
  const operatorToVisitor = summarise(toVisitor, paced.at(-1).sent);
  return {
    rate,
    offered: true,
    split,
    visitorToOperator,
    operatorToVisitor,
    deliveredRate: collected.reduce((s, c) => s + c.delivered, 0) / seconds,
    sentRate: sum(paced, 'sent') / seconds,
    clients,
    serverCpu,
    cpuBy,
    // Whatever else ran on the machine meanwhile (other people's work) took cores from this run.
    otherCpu: Math.max(0, machineBusy - serverCpu - clients.cpuTotal - parentCpu),
    stealCpu: (cpuStop.machine.steal - cpuStart.machine.steal) / seconds,
    errors,
    backlogAfter: drained.backlog,
    drainMs: drained.drainMs,
    held: visitorToOperator.p99 <= P99_LIMIT_MS && operatorToVisitor.p99 <= P99_LIMIT_MS && clients.keptUp,
  };
}

/**
 * Runs one step at `rate` msg/s. `ready` is the count of chatting visitors per visitor client.
 * Resolves with latencies both ways, the delivered rate, and whether the clients kept up.
 */
export async function runStep(clients, server, {rate, warmMs, measureMs, drainMs, quietMs, ready, operators}) {
  const visitorsReady = ready.reduce((a, b) => a + b, 0);
  const split = splitRate(rate, visitorsReady, operators);
  if (visitorsReady === 0) return {rate, offered: false, why: 'nobody is chatting'};
  if (split.perOperator > OPERATOR_MAX_RATE) {
    return {rate, offered: false, why: `needs ${Math.round(split.perOperator)} msg/s per operator socket (limit ${OPERATOR_MAX_RATE}); raise --operators`};
  }
  const quiet = await waitForQuiet([...Object.values(groupsOf(server)).flat(), ...clientPids(clients)], quietMs);
  const startAt = nowMs() + 300; // time for the commands to reach every client
  const winStart = startAt + warmMs;
  const winEnd = winStart + measureMs;
  const window = {startAt, endAt: winEnd, winStart, winEnd};
  // The server's, this process's and the whole machine's CPU over exactly the measured window.
  const cpuAt = () => ({servers: cpuOfGroups(groupsOf(server)), machine: machineCpu(), parent: process.cpuUsage()});
  let cpuStart;
  setTimeout(() => (cpuStart = cpuAt()), winStart - nowMs());
  probeDir ??= tempFolder('disk');
  const disk = probeDisk(probeDir, winStart, winEnd, P99_LIMIT_MS);
  const cpuEnd = new Promise((resolve) => setTimeout(() => resolve(cpuAt()), winEnd - nowMs()));
  const callMs = winEnd - nowMs() + 30_000;
  const paced = await Promise.all([
    ...clients.visitors.map((c, k) => c.call('step', {...window, rate: (split.visitorRate * ready[k]) / visitorsReady}, callMs)),
    clients.operators.call('step', {...window, rate: split.operatorRate}, callMs),
  ]);
  const cpuStop = await cpuEnd;
  const drained = await drain(clients, drainMs);
  const collected = await Promise.all([...clients.visitors.map((c) => c.call('collect')), clients.operators.call('collect')]);
  const result = figures({rate, split, paced, collected, cpuStart, cpuStop, seconds: measureMs / 1000, drained});
  result.waitedForQuietMs = quiet.waitedMs;
  result.disk = await disk;
  return result;
}

/**
 * On a shared machine a step can be spoilt by someone else's work taking the cores: when other
 * processes used over a quarter of a core and `spoilt(result)` holds, the step is run once more
 * and the less disturbed of the two is kept. Not when the server was left behind (a backlog that
 * did not drain): that is the server's own limit, and a second run would only pile onto it.
 */
export async function runStepOnce(clients, server, params, spoilt, onStep, keep = lessDisturbed) {
  const first = await runStep(clients, server, params);
  onStep?.(first);
  if (!first.offered || first.otherCpu <= DISTURBED || first.backlogAfter > 0 || !spoilt(first)) return first;
  const second = await runStep(clients, server, params);
  second.retried = true;
  onStep?.(second);
  return keep(first, second);
}

/** Of two runs of a step, the one other processes disturbed less. */
export const lessDisturbed = (first, second) => (second.otherCpu <= first.otherCpu ? second : first);

/**
 * Steps up through `rates` until a step is not held. Stops with the reason: the p99 went over
 * the limit, the load clients could not offer the rate, or the topology cannot offer it within
 * the hub's limits.
 */
export async function climb(clients, server, {rates, onStep, keep, ...step}) {
  // `steps` holds, for each rate tried, the run kept (see runStepOnce).
  const steps = [];
  let best = null;
  let stop = 'every rate tried was held';
  for (const rate of rates) {
    const result = await runStepOnce(clients, server, {rate, ...step}, (r) => !r.held, onStep, keep);
    steps.push(result);
    if (!result.offered) {
      stop = `topology: ${rate} msg/s ${result.why}`;
      break;
    }
    if (!result.held) {
      const slow = !(result.visitorToOperator.p99 <= P99_LIMIT_MS && result.operatorToVisitor.p99 <= P99_LIMIT_MS);
      const behind = !result.clients.keptUp;
      stop = slow
        ? `p99 over ${P99_LIMIT_MS} ms at ${rate} msg/s${behind ? ' (and the load clients fell behind)' : ''}`
        : `load clients could not keep up at ${rate} msg/s`;
      break;
    }
    best = rate;
  }
  return {best, stop, steps};
}
