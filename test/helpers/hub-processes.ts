import {get} from 'node:http';
import {addOperator} from '../../src/accounts/operators.js';
import {addSite, updateSite} from '../../src/accounts/sites.js';
import type {LimitName} from '../../src/protocol/limits.js';
import {PgStore} from '../../src/store/pg/pg-store.js';
import {noHaproxy, startBalancer, type TestBalancer} from './balancer.js';
import {runDaemon, waitReady, type Daemon} from './daemon.js';
import {NO_LIMITS} from './hub.js';
import type {Peer} from './peer.js';
import {noPostgres, testPostgres, type TestPostgres} from './postgres.js';
import {noRedis, redisCommand, startRedis, type TestRedis} from './redis.js';
import {cacBin, freePort} from './spawn.js';
import {connectOperator} from './widget-hub.js';

/*
 * Several `cac hub` processes on one PostgreSQL database and one Redis, behind a real HAProxy
 * (test/helpers/balancer.ts), as a deployment runs them. The database gets the site `localhost`
 * (alias 127.0.0.1), whose demo pages a browser opens through the balancer, and operators; each
 * hub can be killed and started again on its port.
 */

/** Why these tests cannot run here, or false when they can (in CI anything missing throws). */
export function noHubProcesses(): string | false {
  return noPostgres() || noRedis() || noHaproxy();
}

export interface HubProcess {
  /** hub1, hub2 ...: the balancer's name for it, what `cac_hub` pins a client to. */
  name: string;
  port: number;
  /** http://127.0.0.1:PORT: this hub itself, not through the balancer. */
  url: string;
  /** The process id while it runs (the hub's id in Redis contains it). */
  pid(): number | undefined;
  running(): boolean;
  /** What this run of the process wrote (its log), the last 20 KB. */
  output(): string;
  /** Starts it (again) on its port; resolves once it listens and the balancer's checks see it up. */
  start(): Promise<void>;
  /** SIGKILL (a crash) unless told SIGTERM (a clean stop); resolves once the process has exited. */
  kill(signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /** kill(signal), then start(). */
  restart(signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /** GET /healthz of this hub, not through the balancer. */
  health(): Promise<{status: number; body: Record<string, unknown>}>;
}

export interface HubProcessesOptions {
  hubs: number;
  /** Operators to add (display name: the name); default alice, bob, carol. */
  operators?: string[];
  /** The site's abuse limits; default: none that a test could reach. */
  limits?: Partial<Record<LimitName, number>>;
  /** A server this file started already; default: one of its own, stopped at teardown. */
  pg?: TestPostgres;
  redis?: TestRedis;
  /** More arguments for every `cac hub`, after --port, --database, --redis, --trust-proxy, --no-geoip. */
  args?: string[];
  /** More environment for every `cac hub`. */
  env?: NodeJS.ProcessEnv;
}

export interface HubProcesses {
  hubs: HubProcess[];
  /** The hub of that name (hub1 ...). */
  hub(name: string): HubProcess;
  balancer: TestBalancer;
  pg: TestPostgres;
  redis: TestRedis;
  /** The database every hub was given. */
  database: string;
  /** The same database, for the test to look inside (closed at teardown). */
  store: PgStore;
  /** http://localhost:PORT of the balancer: where a browser opens /demo/, the site's allowed origin. */
  origin: string;
  /** Each operator's login token. */
  tokens: Record<string, string>;
  /** An operator socket through the balancer, pinned to the hub named `pin`, after its ready frame. */
  operator(name: string, pin: string, lastSeq?: Record<string, number>): Promise<Peer>;
  /** The hubs whose presence in Redis lists this visitor as connected there. */
  servingVisitor(visitorId: string): Promise<string[]>;
  /** Every hub's log, for a failing test's message. */
  logs(): string;
}

function health(url: string): Promise<{status: number; body: Record<string, unknown>}> {
  return new Promise((resolve, reject) => {
    get(`${url}/healthz`, {agent: false}, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => {
        try {
          resolve({status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown>});
        } catch {
          reject(new Error(`/healthz answered ${res.statusCode}: ${text}`));
        }
      });
    }).on('error', reject);
  });
}

/** The hubs, PostgreSQL, Redis and HAProxy, all up; everything is stopped at teardown. */
export async function startHubProcesses(t: {teardown(fn: () => unknown): void}, options: HubProcessesOptions): Promise<HubProcesses> {
  const pg = options.pg ?? (await testPostgres());
  if (!options.pg) t.teardown(() => pg.stop());
  const redis = options.redis ?? (await startRedis(t));
  const ports: number[] = [];
  for (let i = 0; i < options.hubs; i++) ports.push(await freePort());
  // First the balancer (its checks find nothing yet), so that the site can name its origin.
  const balancer = await startBalancer(t, ports);
  const origin = `http://localhost:${balancer.port}`;

  const database = await pg.database();
  const store = new PgStore(database, {log: () => {}});
  await store.open();
  t.teardown(() => store.close());
  await addSite(store, 'localhost', {aliases: ['127.0.0.1'], timezone: 'Europe/London', url: `${origin}/demo/`});
  await updateSite(store, 'localhost', {limits: options.limits ?? NO_LIMITS});
  const tokens: Record<string, string> = {};
  for (const name of options.operators ?? ['alice', 'bob', 'carol']) tokens[name] = (await addOperator(store, name)).token;

  const args = (port: number) => ['hub', '--port', String(port), '--database', database, '--redis', redis.url, '--trust-proxy', '--no-geoip', ...(options.args ?? [])];
  const hubs = balancer.servers.map(({name, port}): HubProcess => {
    let daemon: Daemon | undefined;
    const hub: HubProcess = {
      name,
      port,
      url: `http://127.0.0.1:${port}`,
      pid: () => (daemon?.running() ? daemon.child.pid : undefined),
      running: () => daemon?.running() ?? false,
      output: () => daemon?.output() ?? '',
      async start() {
        if (daemon?.running()) throw new Error(`${name} is running already`);
        const started = (daemon = runDaemon(process.execPath, [cacBin, ...args(port)], process.cwd(), options.env));
        await waitReady(started, `cac hub ${name} on port ${port}`, async () => started.output().includes('hub listening'), 30_000);
        await balancer.waitFor(name, 'UP');
      },
      kill: async (signal = 'SIGKILL') => daemon?.signal(signal),
      async restart(signal) {
        await hub.kill(signal);
        await hub.start();
      },
      health: () => health(hub.url),
    };
    return hub;
  });
  t.teardown(() => Promise.all(hubs.map((hub) => hub.kill())));
  await Promise.all(hubs.map((hub) => hub.start()));

  const byName = (name: string) => {
    const hub = hubs.find((h) => h.name === name);
    if (!hub) throw new Error(`no hub ${name}: ${hubs.map((h) => h.name).join(', ')}`);
    return hub;
  };
  return {
    hubs,
    hub: byName,
    balancer,
    pg,
    redis,
    database,
    store,
    origin,
    tokens,
    operator: (name, pin, lastSeq) => connectOperator(balancer.url, name, tokens[name]!, lastSeq, {cookie: `cac_hub=${byName(pin).name}`}),
    async servingVisitor(visitorId) {
      // Each hub keeps the visitors it serves in cac:visitors:<its id>, an id naming its process.
      const keys = (await redisCommand(redis.port, 'KEYS', 'cac:visitors:*')) as string[];
      const serving: string[] = [];
      for (const hub of hubs) {
        const key = keys.find((k) => hub.pid() !== undefined && k.includes(`-${hub.pid()}-`));
        if (key && (await redisCommand(redis.port, 'HEXISTS', key, visitorId)) === 1) serving.push(hub.name);
      }
      return serving;
    },
    logs: () => hubs.map((hub) => `--- ${hub.name}\n${hub.output()}`).join('\n'),
  };
}
