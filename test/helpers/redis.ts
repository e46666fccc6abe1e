import {connect} from 'node:net';
import {findProgram, onFreePort, removeDir, runDaemon, tempDir, waitReady, whyMissing, type Daemon} from './daemon.js';

/*
 * A throwaway redis-server for the tests of one file: on a free port of 127.0.0.1, in a
 * temporary folder of its own, keeping nothing on disk (no snapshots, no append-only file), so
 * a restart comes back empty, as a Redis that lost its memory would. It can be stopped, killed
 * and started again on the same port, to check that hubs ride out a Redis outage.
 */

const program = () => findProgram('redis-server', 'CAC_REDIS_SERVER');

/** Why the Redis tests cannot run here, or false when they can (in CI a missing server throws). */
export function noRedis(): string | false {
  return whyMissing('redis-server', 'CAC_REDIS_SERVER', 'tests that need Redis');
}

export interface TestRedis {
  /** redis://127.0.0.1:PORT, for `cac hub --redis`. */
  url: string;
  port: number;
  /** A clean stop (SIGTERM); resolves once the server has exited. */
  stop(): Promise<void>;
  /** A crash (SIGKILL): clients see their connections reset, not closed. */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty; resolves once it answers PING. */
  start(): Promise<void>;
  /** stop() then start(). */
  restart(): Promise<void>;
  /** Stalls the server (SIGSTOP): connections stay open, nothing is answered until resume(). */
  pause(): void;
  resume(): void;
  /** What the server wrote, for a failing test's message. */
  log(): string;
}

/** A Redis server for this file's tests, gone at teardown. */
export async function startRedis(t: {teardown(fn: () => unknown): void}): Promise<TestRedis> {
  const bin = program();
  if (!bin) throw new Error(String(noRedis()));
  const dir = tempDir('cac-redis-');
  let server: Daemon | undefined;
  const launch = async (port: number) => {
    // --save '' and --appendonly no: nothing is written, nothing comes back after a restart.
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--logfile', ''];
    server = runDaemon(bin, args, dir);
    await waitReady(server, `redis-server on port ${port}`, async () => (await redisCommand(port, 'PING')) === 'PONG');
  };
  const port = await onFreePort(launch);
  const redis: TestRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () => server!.signal('SIGTERM'),
    kill: () => server!.signal('SIGKILL'),
    async start() {
      if (server?.running()) throw new Error('redis-server is running already');
      await launch(port);
    },
    pause: () => void server!.child.kill('SIGSTOP'),
    resume: () => void server!.child.kill('SIGCONT'),
    async restart() {
      await redis.stop();
      await redis.start();
    },
    log: () => server?.output() ?? '',
  };
  t.teardown(async () => {
    await server?.signal('SIGKILL');
    removeDir(dir);
  });
  return redis;
}

export type RespValue = string | number | null | RespValue[];

/** One RESP reply at `at` in `buf`, or undefined when it has not all arrived. */
function parseReply(buf: Buffer, at: number): {value: RespValue; end: number} | undefined {
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return undefined;
  const line = buf.toString('utf8', at + 1, eol);
  const next = eol + 2;
  switch (String.fromCharCode(buf[at]!)) {
    case '+':
      return {value: line, end: next};
    case '-':
      throw new Error(`redis: ${line}`);
    case ':':
      return {value: Number(line), end: next};
    case '$': {
      const length = Number(line);
      if (length < 0) return {value: null, end: next};
      if (buf.length < next + length + 2) return undefined;
      return {value: buf.toString('utf8', next, next + length), end: next + length + 2};
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return {value: null, end: next};
      const items: RespValue[] = [];
      let end = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buf, end);
        if (!item) return undefined;
        items.push(item.value);
        end = item.end;
      }
      return {value: items, end};
    }
    default:
      throw new Error(`redis: not a RESP reply: ${JSON.stringify(buf.toString('utf8', at))}`);
  }
}

/**
 * One command on a connection of its own, over a raw socket (RESP, no client library): for a
 * test to look inside Redis or break things (FLUSHALL, CLIENT KILL ...). An error reply rejects.
 */
export function redisCommand(port: number, ...args: string[]): Promise<RespValue> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    const finish = (error: unknown, value?: RespValue) => {
      socket.destroy();
      if (error) reject(error instanceof Error ? error : new Error(String(error)));
      else resolve(value ?? null);
    };
    socket.setTimeout(10_000, () => finish(new Error(`redis: no answer to ${args[0]} in 10 s`)));
    socket.on('error', (error) => finish(error));
    socket.on('close', () => finish(new Error(`redis: connection closed before the answer to ${args[0]}`)));
    socket.on('data', (data: Buffer) => {
      buf = Buffer.concat([buf, data]);
      try {
        const reply = parseReply(buf, 0);
        if (reply) finish(undefined, reply.value);
      } catch (error) {
        finish(error);
      }
    });
    const frame = [`*${args.length}\r\n`, ...args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`)].join('');
    socket.write(frame);
  });
}
