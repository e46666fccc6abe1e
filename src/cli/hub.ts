import {accessSync, appendFileSync, constants, statSync} from 'node:fs';
import {Command} from 'commander';
import type {RunningHub} from '../hub/server.js';
import {HEAP_RULE, keepHeap} from '../lib/heap-policy.js';
import {addDatabaseOption, addDataOption, checkDatabaseUrl, databaseUrl, dataDir, redisUrl, run, UsageError} from './common.js';
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
  let failing = false;
  return (line) => {
    const stamped = `${new Date().toISOString()} ${line}\n`;
    if (!file) return void process.stderr.write(stamped);
    try {
      appendFileSync(file, stamped);
      failing = false;
    } catch (error) {
      // A log that cannot be written (a full disk, the file's folder removed) must not stop the
      // hub, nor its shutdown: the line goes to stderr, with the reason once.
      if (!failing) process.stderr.write(`cac: cannot write the log ${file} (${(error as Error).message}): logging to stderr meanwhile\n`);
      failing = true;
      process.stderr.write(stamped);
    }
  };
}

/** A file given on the command line that the hub must be able to use, checked before it starts. */
function checkFile(option: string, file: string, mode: 'read' | 'append'): void {
  try {
    if (mode === 'append') appendFileSync(file, '');
    else {
      accessSync(file, constants.R_OK);
      if (!statSync(file).isFile()) throw new Error('not a file');
    }
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UsageError(`cannot ${mode === 'append' ? 'write' : 'read'} ${option} ${file} (${reason}): nothing was started`);
  }
}

/** --port as a number (0: any free port). */
export function parsePort(value: string): number {
  const port = Number(value);
  if (value.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port wants a number from 0 to 65535, not ${JSON.stringify(value)}`);
  return port;
}

/** Errors of listening that mean the --host given is wrong, said as such. */
const BAD_HOST = new Set(['ENOTFOUND', 'EADDRNOTAVAIL', 'EAI_AGAIN', 'EAI_NONAME']);

/**
 * Starts the hub and stops it cleanly (store flushed) on SIGINT or SIGTERM, or on the other
 * `signals` given. SIGHUP is not among them by default: a hub started with nohup must outlive
 * its terminal, and a handler would undo nohup's ignoring it.
 */
export async function runHub(opts: HubCliOptions, signals: NodeJS.Signals[] = []): Promise<RunningHub> {
  const port = parsePort(opts.port);
  const retainDays = opts.retainDays === undefined ? undefined : Number(opts.retainDays);
  if (retainDays !== undefined && (!Number.isInteger(retainDays) || retainDays < 1)) throw new UsageError(`--retain-days wants a whole number of days, not ${opts.retainDays}`);
  const grace = opts.grace === undefined ? undefined : Number(opts.grace);
  if (grace !== undefined && !(Number.isFinite(grace) && grace >= 1 && grace <= 3600)) throw new UsageError(`--grace wants seconds from 1 to 3600, not ${opts.grace}`);
  if (opts.database !== undefined && opts.data !== undefined) throw new UsageError('pass --data or --database, not both');
  if (opts.log !== undefined) checkFile('--log', opts.log, 'append');
  if (typeof opts.geoip === 'string') checkFile('--geoip', opts.geoip, 'read');
  const log = makeLogger(opts.log);
  const url = databaseUrl(opts);
  const redis = redisUrl(opts);
  if (redis && !url) throw new UsageError('--redis joins hubs that share a database: pass --database too (or CAC_DATABASE_URL)');
  if (url) checkDatabaseUrl(url);
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
  }).catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    if (code && BAD_HOST.has(code)) throw new UsageError(`cannot listen on --host ${opts.host}: not an address of this machine (${code})`);
    throw error;
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
  for (const signal of ['SIGINT', 'SIGTERM', ...signals] as const) process.on(signal, () => stop(signal));
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
