import {appendFileSync} from 'node:fs';
import {Command} from 'commander';
import type {RunningHub} from '../hub/server.js';
import {HEAP_RULE, keepHeap} from '../lib/heap-policy.js';
import {addDatabaseOption, addDataOption, databaseUrl, dataDir, redisUrl, run, UsageError} from './common.js';
import {example} from './help.js';

export interface HubCliOptions {
  host: string;
  port: string;
  data?: string;
  /** A PostgreSQL URL: the hub keeps everything there instead of a data folder. */
  database?: string;
  trustProxy?: boolean;
  /** An MMDB file, or false with --no-geoip. */
  geoip?: string | boolean;
  log?: string;
  retainDays?: string;
  /** Redis shared with the other hubs on the same database. */
  redis?: string;
  grace?: string;
}

export function makeLogger(file?: string): (line: string) => void {
  return (line) => {
    const stamped = `${new Date().toISOString()} ${line}\n`;
    if (file) appendFileSync(file, stamped);
    else process.stderr.write(stamped);
  };
}

/** Starts the hub and stops it cleanly (store flushed) on SIGINT or SIGTERM. */
export async function runHub(opts: HubCliOptions): Promise<RunningHub> {
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad port ${opts.port}`);
  const retainDays = opts.retainDays === undefined ? undefined : Number(opts.retainDays);
  if (retainDays !== undefined && (!Number.isInteger(retainDays) || retainDays < 1)) throw new UsageError(`--retain-days wants a whole number of days, not ${opts.retainDays}`);
  const grace = opts.grace === undefined ? undefined : Number(opts.grace);
  if (grace !== undefined && !(Number.isFinite(grace) && grace >= 1 && grace <= 3600)) throw new UsageError(`--grace wants seconds from 1 to 3600, not ${opts.grace}`);
  if (opts.database !== undefined && opts.data !== undefined) throw new UsageError('pass --data or --database, not both');
  const log = makeLogger(opts.log);
  const url = databaseUrl(opts);
  const redis = redisUrl(opts);
  if (redis && !url) throw new UsageError('--redis joins hubs that share a database: pass --database too (or CAC_DATABASE_URL)');
  const store = url ? new (await import('../store/pg/pg-store.js')).PgStore(url, {log: (line) => log(`store: ${line}`)}) : undefined;
  const {startHub} = await import('../hub/server.js');
  const running = await startHub({
    host: opts.host,
    port,
    dataDir: dataDir(opts),
    store,
    trustProxy: opts.trustProxy,
    retainDays,
    redis: redis || undefined,
    visitorGraceMs: grace === undefined ? undefined : grace * 1000,
    operatorGraceMs: grace === undefined ? undefined : grace * 1000,
    geoip: opts.geoip === false ? false : typeof opts.geoip === 'string' ? opts.geoip : undefined,
    log,
    // Lets end-to-end tests of a hub in another process cross a local midnight.
    now: process.env.CAC_CLOCK_OFFSET_MS ? () => Date.now() + Number(process.env.CAC_CLOCK_OFFSET_MS) : undefined,
  });
  // This process owns its heap: collections are kept away from steady traffic (src/lib/heap-policy.ts).
  const heap = keepHeap(1000, HEAP_RULE, log);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    heap.stop();
    log(`${signal}: stopping`);
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log(`stop failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  log(`hub listening on ${running.url} (${store ? `database: ${store.where}` : `data: ${dataDir(opts)}`}${redis ? `, with other hubs through ${describeRedis(redis)}` : ''})`);
  return running;
}

/** A Redis URL for messages: its password left out. */
function describeRedis(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    return u.toString();
  } catch {
    return 'redis';
  }
}

export function hubCommand(): Command {
  const cmd = addDatabaseOption(addDataOption(new Command('hub')))
    .description('run the hub: widget script, demo pages and the WebSocket API')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on', '8080')
    .option('--trust-proxy', 'take the visitor address from X-Forwarded-For (behind a reverse proxy)')
    .option('--geoip <file.mmdb>', 'locate visitors with this MMDB database, e.g. GeoLite2-City (default: countries, built in)')
    .option('--no-geoip', 'do not locate visitors')
    .option('--log <file>', 'append the log to a file instead of stderr')
    .option('--grace <seconds>', 'how long a visitor or operator may be without a socket (a page load, a lost network, a hub gone) before they have left', '60')
    .option('--redis <url>', 'Redis shared with other hubs on the same --database: presence, fan-out, deadlines (default: $CAC_REDIS_URL)')
    .option('--retain-days <n>', 'remove ended chats and visits older than N days, at start and daily (a site\'s own setting wins)')
    .action((opts: HubCliOptions) =>
      run(async () => {
        await runHub(opts);
      }),
    );
  return example(
    cmd,
    'cac hub --data /var/lib/cac --port 8080',
    'cac hub --host 0.0.0.0 --trust-proxy --database postgres://cac@db/cac --redis redis://cache:6379',
  );
}
