import {folderContext, type AdminContext} from '../admin/context.js';
import {runOp} from '../admin/ops.js';
import {CLUSTER_CHANNEL, type ClusterMessage} from '../protocol/cluster.js';
import type {GlobalName} from '../store/types.js';
import type {AdminTarget} from './admin-target.js';

/**
 * The CLI working on a PostgreSQL database itself (hubs on it or not: the database takes
 * writers side by side). Hubs keep their own copy of accounts and other shared records, so a
 * change is told to them through their Redis, as a hub tells the others; without Redis they
 * see it when they next start, and the command says so.
 */
export async function databaseTarget(url: string, redis: string | undefined): Promise<AdminTarget> {
  const {PgStore} = await import('../store/pg/pg-store.js');
  const store = new PgStore(url, {log: (line) => process.stderr.write(`cac store: ${line}\n`)});
  await store.open();
  const base = folderContext(store, store.where);
  const changed = new Set<GlobalName>();
  const ctx: AdminContext = {
    ...base,
    async putGlobal(name, value) {
      await base.putGlobal(name, value);
      changed.add(name);
    },
  };
  return {
    via: `on the database ${store.where}${redis ? ', its hubs told through Redis' : ''}`,
    async call(name, input) {
      const out = await runOp(ctx, name, input);
      if (changed.size > 0) await tellHubs(redis, [...changed]);
      changed.clear();
      return out;
    },
    close: () => store.close(),
  };
}

async function tellHubs(redis: string | undefined, names: GlobalName[]): Promise<void> {
  if (!redis) {
    process.stderr.write('cac: hubs running on this database see the change when they restart (pass --redis or set CAC_REDIS_URL to tell them now)\n');
    return;
  }
  const {Redis} = await import('ioredis');
  const client = new Redis(redis, {maxRetriesPerRequest: 1, retryStrategy: () => null, lazyConnect: true});
  client.on('error', () => {});
  try {
    await client.connect();
    const whats = new Set(names.map((n) => (n === 'operators' || n === 'sites' ? 'accounts' : n)));
    for (const what of whats) {
      const message: ClusterMessage = {t: 'reload', from: `cli-${process.pid}`, what};
      await client.publish(CLUSTER_CHANNEL, JSON.stringify(message));
    }
  } catch (error) {
    process.stderr.write(`cac: the change is stored, but the hubs could not be told through Redis (${(error as Error).message}): they see it when they restart\n`);
  } finally {
    client.disconnect();
  }
}
