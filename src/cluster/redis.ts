import {Redis} from 'ioredis';

/**
 * The two connections a hub keeps to Redis: one for commands and publishing, one subscribed
 * to the hubs' channel (a subscribed connection can do nothing else). Both reconnect by
 * themselves; while the command connection is down, commands fail at once rather than queue
 * without bound (what they carried is rebuilt from the store when it returns).
 */
export interface RedisLink {
  cmd: Redis;
  sub: Redis;
  up(): boolean;
  close(): Promise<void>;
}

/** The longest wait between two tries to reconnect: a live hub is back within this of Redis. */
export const RECONNECT_MAX_MS = 1000;

export function connectRedis(url: string, log: (line: string) => void): RedisLink {
  const retryStrategy = (times: number) => Math.min(100 * times, RECONNECT_MAX_MS);
  // Commands of one turn (a group's events, their feed entries, presence) go out in one write.
  const cmd = new Redis(url, {enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy, connectionName: 'cac-hub', enableAutoPipelining: true});
  // Only SUBSCRIBE goes through this one: let it wait for the connection. No ready check: some
  // ioredis 5 releases send its INFO after SUBSCRIBE, which Redis refuses on a subscribed
  // connection (ioredis issue 2037), dropping the connection again and again.
  const sub = new Redis(url, {maxRetriesPerRequest: null, retryStrategy, enableReadyCheck: false, connectionName: 'cac-hub-sub'});
  let reported = '';
  const report = (what: string) => {
    if (what !== reported) log(`redis: ${(reported = what)}`);
  };
  for (const c of [cmd, sub]) {
    c.on('error', (error: Error) => report(`unreachable (${error.message})`));
    c.on('ready', () => cmd.status === 'ready' && sub.status === 'ready' && report('connected'));
  }
  return {
    cmd,
    sub,
    up: () => cmd.status === 'ready' && sub.status === 'ready',
    async close() {
      cmd.disconnect();
      sub.disconnect();
    },
  };
}

/** Resolves once both connections are ready, or after `ms` (the hub starts anyway, unhealthy). */
export function whenUp(link: RedisLink, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const check = () => {
      if (!link.up()) return;
      done(true);
    };
    const timer = setTimeout(() => done(false), ms);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      link.cmd.off('ready', check);
      link.sub.off('ready', check);
      resolve(ok);
    };
    link.cmd.on('ready', check);
    link.sub.on('ready', check);
    check();
  });
}
