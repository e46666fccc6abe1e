// Every child process and temporary folder of a run, so that all of them go away when the run
// ends, however it ends: normally, on an error, on Ctrl-C, or when the watchdog fires.

import {fork, spawn} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

const children = new Set();
const folders = new Set();

export function tempFolder(prefix) {
  const dir = mkdtempSync(join(tmpdir(), `cac-load-${prefix}-`));
  folders.add(dir);
  return dir;
}

export function removeFolder(dir) {
  rmSync(dir, {recursive: true, force: true});
  folders.delete(dir);
}

function track(child) {
  children.add(child);
  child.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({code, signal})));
  child.exited.then(() => children.delete(child));
  return child;
}

/** A plain child (a server): no IPC, output discarded unless asked for. */
export function spawnChild(command, args, options = {}) {
  return track(spawn(command, args, {stdio: ['ignore', 'ignore', 'pipe'], ...options}));
}

/**
 * A load client, driven over IPC. `call(cmd, arg, timeoutMs)` resolves with its answer; a child
 * that dies fails every pending call at once instead of leaving the run waiting.
 */
export function forkClient(file, name) {
  const child = track(fork(file, [], {stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json'}));
  child.name = name;
  let next = 0;
  const pending = new Map();
  child.on('message', (m) => {
    const p = pending.get(m.re);
    if (!p) return;
    pending.delete(m.re);
    clearTimeout(p.timer);
    if (m.ok) p.resolve(m.r);
    else p.reject(new Error(`${name}: ${m.error}`));
  });
  child.exited.then(({code, signal}) => {
    for (const p of pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error(`${name} exited (${signal ?? code}) during ${p.cmd}`));
    }
    pending.clear();
  });
  // A send to a child that has just died is reported here, not thrown at the whole run.
  child.on('error', () => {});
  child.call = (cmd, arg, timeoutMs = 60_000) =>
    new Promise((resolve, reject) => {
      if (!child.connected) {
        reject(new Error(`${name} is gone (${child.signalCode ?? child.exitCode}); cannot ${cmd}`));
        return;
      }
      const id = ++next;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${name}: ${cmd} took over ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      pending.set(id, {resolve, reject, timer, cmd});
      child.send({id, cmd, arg}, (error) => {
        if (!error || !pending.has(id)) return;
        pending.delete(id);
        clearTimeout(timer);
        reject(new Error(`${name}: ${cmd} could not be sent: ${error.message}`));
      });
    });
  return child;
}

/** Stops a child: `signal` first, SIGKILL if it is still there after `graceMs`. */
export async function stopChild(child, signal = 'SIGTERM', graceMs = 5000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await child.exited;
  clearTimeout(timer);
}

/**
 * Synchronous, so it also works from an 'exit' handler. A child may name its own last signal
 * (`child.lastSignal`): a database server told to quit at once still takes its workers with it.
 */
export function killEverything() {
  for (const child of children) {
    try {
      child.kill(child.lastSignal ?? 'SIGKILL');
    } catch {
      // already gone
    }
  }
  // A server may still be letting go of its files: a few tries.
  for (const dir of folders) rmSync(dir, {recursive: true, force: true, maxRetries: 5});
  folders.clear();
}

/**
 * Cleans up on every way out. `deadlineMs` bounds the whole run: a harness that hangs would
 * otherwise hold ports, sockets and CPU forever.
 */
export function cleanUpOnExit(deadlineMs) {
  process.on('exit', killEverything);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      process.stderr.write(`\n${signal}: stopping the load run\n`);
      killEverything();
      process.exit(130);
    });
  }
  const watchdog = setTimeout(() => {
    process.stderr.write(`\nthe load run took over ${Math.round(deadlineMs / 60000)} min: stopping it\n`);
    killEverything();
    process.exit(1);
  }, deadlineMs);
  watchdog.unref();
}
