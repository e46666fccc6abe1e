import {PgStore} from '../../src/store/pg/pg-store.js';
import {startTestHub, type TestHub} from './hub.js';
import type {Peer} from './peer.js';
import {waitUntil} from './wait.js';
import {seededSchema, type TestPostgres} from './postgres.js';
import type {LimitName} from '../../src/protocol/limits.js';

/*
 * Several hubs in this process on one PostgreSQL schema and one Redis, as a site running
 * several would (each hub its own store connection and Redis connections). Accounts are made
 * once, in the shared store; every hub's `operator()` uses the same tokens.
 */

export interface ClusterOptions {
  hubs: number;
  operators?: string[];
  graceMs?: number;
  /** The site's limits (default: out of the way). */
  limits?: Partial<Record<LimitName, number>>;
  /** Take the visitor's address from X-Forwarded-For, as behind a proxy. */
  trustProxy?: boolean;
  /** The Redis URL of the i-th hub, when not `redisUrl` (one reaching it through a proxy). */
  redisUrlFor?: (i: number) => string | undefined;
  /** The hubs' heartbeat (200 ms by default here; a hub is taken for dead after five missed). */
  beatMs?: number;
}

export async function startCluster(
  t: {teardown(fn: () => unknown): void; testdir(): string},
  pg: TestPostgres,
  redisUrl: string,
  options: ClusterOptions,
): Promise<{hubs: TestHub[]; tokens: Record<string, string>; schema: string}> {
  const dir = t.testdir();
  const {schema, tokens} = await seededSchema(pg, dir, options.operators ?? ['alice', 'bob', 'carol'], options.limits);
  const hubs: TestHub[] = [];
  for (let i = 0; i < options.hubs; i++) {
    const hub = await startTestHub({
      dir,
      store: new PgStore(pg.url, {schema, log: () => {}}),
      redis: options.redisUrlFor?.(i) ?? redisUrl,
      clusterBeatMs: options.beatMs ?? 200,
      geoip: false,
      trustProxy: options.trustProxy,
      log: process.env.CAC_TEST_LOG ? (line) => process.stderr.write(`hub${i}: ${line}\n`) : undefined,
      visitorGraceMs: options.graceMs ?? 2000,
      operatorGraceMs: options.graceMs ?? 2000,
    });
    Object.assign(hub.tokens, tokens);
    hubs.push(hub);
    t.teardown(() => hub.close());
  }
  return {hubs, tokens, schema};
}

/**
 * Operators signed in, each on its hub, once every hub of `hubs` knows them all on-line (so
 * that a request on any hub rings them): their peers, in the order given.
 */
export async function operatorsOn<const W extends ReadonlyArray<readonly [name: string, hub: TestHub]>>(
  hubs: TestHub[],
  where: W,
): Promise<{[K in keyof W]: Peer}> {
  const peers: Peer[] = [];
  for (const [name, hub] of where) peers.push(await hub.operator(name));
  const names = where.map(([name]) => name);
  await waitUntil(`${names.join(' and ')} known on every hub`, () =>
    hubs.every((h) => names.every((name) => h.hub.sessions.onlineFor('example.com').includes(name))),
  );
  return peers as {[K in keyof W]: Peer};
}
