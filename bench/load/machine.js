// What the whole machine's CPUs did, from /proc/stat: the run's own processes are not alone on
// a shared machine, and a figure taken while something else was busy must say so.

import {readFileSync} from 'node:fs';
import {cpus} from 'node:os';
import {nowMs, sleep} from './clock.js';

/** CPU seconds so far, summed over cores: busy (not idle, not waiting for disk) and stolen. */
export function machineCpu() {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = fields;
    return {busy: (user + nice + system + irq + softirq) / 100, steal: (steal ?? 0) / 100, idle: (idle + iowait) / 100};
  } catch {
    return {busy: NaN, steal: NaN, idle: NaN};
  }
}

export function loadAverage() {
  try {
    return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return NaN;
  }
}

/** What the figures of a run depend on: the cores, Node, and how busy the machine was. */
export function machineFacts() {
  return {cores: cpus().length, node: process.version, loadAverageAtStart: loadAverage()};
}

/** Says so when other work is using the cores as a run starts: its figures will be slower than the servers are. */
export function noteBusy() {
  if (loadAverage() > 1) {
    process.stdout.write(`note: the load average is ${loadAverage().toFixed(1)} as the run starts: other work is using the cores\n`);
  }
}

/**
 * Connections the kernel dropped because a listening socket's accept queue was full (machine-
 * wide). Each one costs a client a SYN retransmit (1 s, then 3 s, ...), which is what a
 * reconnect storm against a slow accepter looks like from outside.
 */
export function listenOverflows() {
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
    const header = lines.findIndex((l) => l.startsWith('TcpExt:'));
    const names = lines[header].split(/\s+/);
    const values = lines[header + 1].split(/\s+/);
    return Number(values[names.indexOf('ListenOverflows')]);
  } catch {
    return NaN;
  }
}

/** CPU time a process has used so far, in seconds (user + system; the kernel counts 100 ticks a second). */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/**
 * On a shared machine, waits (at most `maxMs`) until processes other than `pids` use less than
 * `limit` of a core, so a step is not measured while someone else's build has the cores.
 * Resolves with how long it waited and what the others used last.
 */
export async function waitForQuiet(pids, maxMs, limit = 0.25) {
  const started = nowMs();
  const own = () => pids.reduce((sum, pid) => sum + (cpuSeconds(pid) || 0), 0);
  for (;;) {
    const machine = machineCpu().busy;
    const mine = own();
    await sleep(500);
    const others = (machineCpu().busy - machine - (own() - mine)) / 0.5;
    const waitedMs = nowMs() - started;
    if (others <= limit || waitedMs >= maxMs) return {waitedMs, others, quiet: others <= limit};
  }
}

/**
 * Waits (at most `maxMs`) until process `pid` itself has used less than `limit` of a core for
 * `forMs` on end: the work a setup left behind (ten thousand chats accepted, journaled, then
 * written out by a checkpoint some seconds later) is not the steady state a step measures.
 * Resolves with how long it waited and what the process used last.
 */
export async function waitForIdle(pid, maxMs, forMs, limit = 0.1) {
  const started = nowMs();
  let quietSince = nowMs();
  for (;;) {
    const before = cpuSeconds(pid);
    await sleep(500);
    const used = (cpuSeconds(pid) - before) / 0.5;
    if (used > limit) quietSince = nowMs();
    const waitedMs = nowMs() - started;
    if (nowMs() - quietSince >= forMs || waitedMs >= maxMs || Number.isNaN(used)) return {waitedMs, used};
  }
}

/** A process's open-file limit (each socket is one file): `pid` or 'self'. */
export function openFileLimit(pid = 'self') {
  try {
    const soft = /^Max open files\s+(\S+)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'))?.[1];
    return soft === undefined ? null : soft === 'unlimited' ? Infinity : Number(soft);
  } catch {
    return null;
  }
}
