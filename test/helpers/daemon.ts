import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {existsSync, mkdtempSync, rmSync} from 'node:fs';
import {connect} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {freePort} from './spawn.js';

/*
 * What the helpers that run a server program of the system (redis-server, haproxy) share:
 * finding the program, saying why the tests cannot run (loudly in CI), running it in the
 * foreground with its output kept for error messages, and never leaving it or its folder behind,
 * even when a test file dies.
 */

/** $envVar, else the program on $PATH, else in an sbin folder (which a non-root $PATH may lack). */
export function findProgram(name: string, envVar: string): string | undefined {
  const given = process.env[envVar];
  if (given) return existsSync(given) ? given : undefined;
  const found = spawnSync('sh', ['-c', `command -v ${name}`], {encoding: 'utf8'}).stdout.trim();
  if (found) return found;
  return ['/usr/sbin', '/usr/local/sbin', '/sbin'].map((dir) => join(dir, name)).find((path) => existsSync(path));
}

/**
 * Why the tests that need `name` cannot run here, or false when they can. In CI a missing
 * program is a failure, never a quiet skip.
 */
export function whyMissing(name: string, envVar: string, purpose: string): string | false {
  if (findProgram(name, envVar)) return false;
  if (process.env.CI === 'true') throw new Error(`${name} is missing: CI must install it (Debian package ${name}) or set ${envVar}, for the ${purpose}`);
  return `no ${name} here (apt-get install ${name}, or set ${envVar} to the program, to run the ${purpose}; each test file starts its own, no system service needed)`;
}

const children = new Set<ChildProcess>();
const folders = new Set<string>();
// A test file that dies leaves no server running and no folder behind.
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of folders) rmSync(dir, {recursive: true, force: true});
});

/** A temporary folder, removed by `removeDir` or when the process exits. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  folders.add(dir);
  return dir;
}

export function removeDir(dir: string): void {
  rmSync(dir, {recursive: true, force: true});
  folders.delete(dir);
}

export interface Daemon {
  child: ChildProcess;
  /** The last 20 KB of what it wrote, stdout and stderr interleaved. */
  output(): string;
  running(): boolean;
  exited: Promise<void>;
  /** Sends the signal and waits for the exit; one that ignores SIGTERM for 10 s is killed. */
  signal(signal: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

/** Runs `program` in the foreground; `env` is added to this process's environment. */
export function runDaemon(program: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv): Daemon {
  const child = spawn(program, args, {cwd, env: env && {...process.env, ...env}, stdio: ['ignore', 'pipe', 'pipe']});
  children.add(child);
  let out = '';
  const keep = (data: Buffer) => {
    out = (out + data.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let done = false;
  const exited = new Promise<void>((resolve) => {
    const end = () => {
      done = true;
      children.delete(child);
      resolve();
    };
    child.once('exit', end);
    // A program that cannot be started at all emits 'error', and perhaps no 'exit'.
    child.once('error', (error) => {
      out += `\n${error.message}`;
      end();
    });
  });
  return {
    child,
    output: () => out,
    running: () => !done,
    exited,
    async signal(signal) {
      if (done) return;
      child.kill(signal);
      const timer = signal === 'SIGTERM' ? setTimeout(() => child.kill('SIGKILL'), 10_000) : undefined;
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Polls `ready` until it says yes. Fails with the program's output once it has exited or the
 * time is up (generous: the machine may be busy with other test files), killing it then.
 */
export async function waitReady(daemon: Daemon, what: string, ready: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!daemon.running()) throw new Error(`${what} exited before it was ready:\n${daemon.output()}`);
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) {
      await daemon.signal('SIGKILL');
      throw new Error(`${what} not ready after ${timeoutMs} ms:\n${daemon.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Starts a server with `launch` on a free port of 127.0.0.1 and returns the port; the port may
 * be taken between the probe and the start, so a launch that fails is tried on another.
 */
export async function onFreePort(launch: (port: number) => Promise<void>): Promise<number> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    try {
      await launch(port);
      return port;
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}
