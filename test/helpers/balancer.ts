import {writeFileSync} from 'node:fs';
import {connect} from 'node:net';
import {join} from 'node:path';
import {accepts, findProgram, onFreePort, removeDir, runDaemon, tempDir, waitReady, whyMissing, type Daemon} from './daemon.js';

/*
 * A real HAProxy in front of several hubs, as a deployment would run one: HTTP mode (WebSocket
 * upgrades become tunnels), round robin, and health checks on GET /healthz fast enough that a
 * dead or unhealthy backend is out within about half a second. A client can be pinned to one
 * backend, for tests that need two clients on different hubs: the cookie `cac_hub=NAME` or the
 * query parameter `cac_hub=NAME` sends it to that backend while it is up, and to the others
 * when it is not (HAProxy ignores a `use-server` rule whose server is down).
 */

/** Why the load-balancer tests cannot run here, or false when they can (in CI a missing haproxy throws). */
export function noHaproxy(): string | false {
  return whyMissing('haproxy', 'CAC_HAPROXY', 'tests behind a load balancer');
}

export interface BalancedServer {
  /** hub1, hub2 ... in the order the ports were given: what `cac_hub` names. */
  name: string;
  port: number;
}

export interface TestBalancer {
  port: number;
  /** http://127.0.0.1:PORT (ws:// for sockets: the same host and port). */
  url: string;
  servers: BalancedServer[];
  /** Each server's state as the health checks see it now: UP, DOWN, or a transition such as "UP 1/2". */
  states(): Promise<Record<string, string>>;
  /** Resolves once the checks see that server so (generous default: the machine may be busy). */
  waitFor(name: string, state: 'UP' | 'DOWN', timeoutMs?: number): Promise<void>;
  /** HAProxy's log: one line per request, and every server that went up or down. */
  log(): string;
  stop(): Promise<void>;
}

function config(port: number, dir: string, servers: BalancedServer[]): string {
  const pins = servers.map(({name}) => `  use-server ${name} if { req.cook(cac_hub) -m str ${name} } || { url_param(cac_hub) -m str ${name} }`);
  const lines = servers.map(({name, port}) => `  server ${name} 127.0.0.1:${port}`);
  return `global
  # One thread: the machine running the tests is small and shared.
  nbthread 1
  # To stderr, which the helper keeps for a failing test's message.
  log stderr format raw local0
  # For states(): the runtime API.
  stats socket ${join(dir, 'admin.sock')} mode 600 level admin

defaults
  mode http
  log global
  option httplog
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  # An upgraded WebSocket is a tunnel: it stays open as long as the test keeps it.
  timeout tunnel 1h
  # A connection refused by a backend the checks have not yet found dead is tried on another
  # (at every retry), so a killed backend costs a delay, not a failed request.
  retries 3
  option redispatch 1

frontend cac
  bind 127.0.0.1:${port}
  default_backend hubs

backend hubs
  balance roundrobin
  option httpchk
  http-check send meth GET uri /healthz
  http-check expect status 200
  # Checked every 200 ms: out after two failures, back after one success.
  default-server check inter 200ms fall 2 rise 1
${pins.join('\n')}
${lines.join('\n')}
`;
}

/** The runtime API's answer to one command. */
function ask(socketPath: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath, () => socket.end(`${command}\n`));
    let answer = '';
    socket.on('data', (data: Buffer) => (answer += data.toString()));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

/** HAProxy on a free port in front of the hubs on these ports of 127.0.0.1, stopped at teardown. */
export async function startBalancer(t: {teardown(fn: () => unknown): void}, backends: number[]): Promise<TestBalancer> {
  const bin = findProgram('haproxy', 'CAC_HAPROXY');
  if (!bin) throw new Error(String(noHaproxy()));
  if (backends.length === 0) throw new Error('a balancer needs at least one backend');
  const servers = backends.map((port, i) => ({name: `hub${i + 1}`, port}));
  const dir = tempDir('cac-haproxy-');
  const socketPath = join(dir, 'admin.sock');
  let proxy: Daemon | undefined;

  const stat = async (): Promise<Record<string, {status: string; check: string}>> => {
    const [header = '', ...rows] = (await ask(socketPath, 'show stat')).trim().split('\n');
    const columns = header.replace(/^# /, '').split(',');
    const at = (name: string) => columns.indexOf(name);
    const found: Record<string, {status: string; check: string}> = {};
    for (const row of rows.map((r) => r.split(','))) {
      if (row[at('pxname')] !== 'hubs' || row[at('svname')] === 'BACKEND') continue;
      found[row[at('svname')]!] = {status: row[at('status')]!, check: row[at('check_status')]!};
    }
    return found;
  };

  const port = await onFreePort(async (port) => {
    const file = join(dir, 'haproxy.cfg');
    writeFileSync(file, config(port, dir, servers));
    proxy = runDaemon(bin, ['-f', file, '-db'], dir);
    // Ready once it listens and every server has had its first check (until then round robin
    // would still count a dead backend in).
    await waitReady(proxy, `haproxy on port ${port}`, async () => {
      if (!(await accepts(port))) return false;
      const states = Object.values(await stat());
      return states.length === servers.length && states.every(({check}) => !/INI|^$/.test(check));
    });
  });

  const balancer: TestBalancer = {
    port,
    url: `http://127.0.0.1:${port}`,
    servers,
    async states() {
      return Object.fromEntries(Object.entries(await stat()).map(([name, {status}]) => [name, status]));
    },
    async waitFor(name, state, timeoutMs = 20_000) {
      if (!servers.some((s) => s.name === name)) throw new Error(`no server ${name}: ${servers.map((s) => s.name).join(', ')}`);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const now = (await balancer.states())[name];
        if (now === state) return;
        if (Date.now() > deadline) throw new Error(`haproxy: ${name} is ${now}, not ${state}, after ${timeoutMs} ms:\n${balancer.log()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    log: () => proxy?.output() ?? '',
    async stop() {
      // SIGTERM is HAProxy's hard stop: open tunnels are cut at once, not waited for.
      await proxy?.signal('SIGTERM');
      removeDir(dir);
    },
  };
  t.teardown(() => balancer.stop());
  return balancer;
}
