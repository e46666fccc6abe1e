import {spawn, type ChildProcess} from 'node:child_process';
import {fileURLToPath} from 'node:url';

export const cacBin = fileURLToPath(new URL('../../bin/cac.js', import.meta.url));

export interface Spawned {
  child: ChildProcess;
  /** stdout and stderr as they came, interleaved. */
  out: () => string;
  stdout: () => string;
  stderr: () => string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

/** Runs the real `cac` binary (built by `npm test` before tap starts). */
export function spawnCac(args: string[], env: NodeJS.ProcessEnv = {}, input?: string): Spawned {
  const child = spawn(process.execPath, [cacBin, ...args], {
    env: {...process.env, ...env},
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (input !== undefined) child.stdin!.end(input);
  let output = '';
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => {
    output += d.toString();
    stdout += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    output += d.toString();
    stderr += d.toString();
  });
  // On 'close': once the process is gone and its output is all read.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    out: () => output,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    async waitFor(pattern, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = output.match(pattern);
        if (m) return m;
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no ${pattern} in output:\n${output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

/** Runs `cac ...` to completion. */
export async function runCac(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  input?: string,
): Promise<{code: number | null; out: string; stdout: string; stderr: string}> {
  const s = spawnCac(args, env, input);
  const code = await s.exited;
  return {code, out: s.out(), stdout: s.stdout(), stderr: s.stderr()};
}

/** A port nobody listens on right now, so a server (a hub, PostgreSQL) can be started and restarted on it. */
export async function freePort(): Promise<number> {
  const {createServer} = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as {port: number};
      server.close(() => resolve(port));
    });
  });
}

/**
 * `cac hub` as a child process on one port and data folder, to kill and start again; whatever
 * is still running at teardown is killed.
 */
export function hubProcess(t: {teardown(fn: () => unknown): void}, dir: string, port: number): {start(): Promise<Spawned>} {
  const children: Spawned[] = [];
  t.teardown(() => {
    for (const child of children) if (child.child.exitCode === null) child.child.kill('SIGKILL');
  });
  return {
    async start() {
      const child = spawnCac(['hub', '--port', String(port), '--data', dir]);
      children.push(child);
      await child.waitFor(/hub listening/);
      return child;
    },
  };
}
