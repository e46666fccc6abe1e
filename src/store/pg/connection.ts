import {connect as connectTcp, type Socket} from 'node:net';
import postgres from 'postgres';
import {within} from '../../lib/within.js';
import type {Report} from '../log-file.js';

/** A connection pool, or a transaction on one of its connections: what queries run on. */
export type Db = postgres.ISql<{}>;
export type Pool = postgres.Sql<{}>;
export type Tx = postgres.TransactionSql<{}>;

export interface PgOptions {
  /** The schema the tables live in (default: public); created if missing. */
  schema?: string;
  /** Connections in the pool (default 10). */
  max?: number;
  /** Seconds to wait for a connection (default 10). */
  connectTimeoutS?: number;
  /**
   * Milliseconds a write transaction may take (default 10,000): past that its connection is
   * destroyed and its writes answered not stored, since a connection that went silent (a lost
   * NAT entry, a failed-over address) would otherwise hold every later write behind it.
   */
  writeTimeoutMs?: number;
  /**
   * Milliseconds a read may wait for its answer (default 30,000): past that it fails and the
   * pool's connections are dropped for new ones (see ReadPool).
   */
  readTimeoutMs?: number;
  /** Opened by `cac db import`: an import left unfinished does not stop it (see import-mark.ts). */
  importing?: boolean;
  log?: Report;
}

const schemaName = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * The pool for a `postgres://` URL, its tables looked up in the schema given. Its connections
 * have TCP keep-alive (the driver's, after 60 s idle), so a peer that vanished is noticed.
 */
export function connect(url: string, options: PgOptions = {}, extra: postgres.Options<{}> = {}): Pool {
  const schema = options.schema ?? 'public';
  if (!schemaName.test(schema)) throw new Error(`bad schema name ${JSON.stringify(schema)}`);
  const report = options.log ?? (() => {});
  return postgres(url, {
    max: options.max ?? 10,
    connect_timeout: options.connectTimeoutS ?? 10,
    idle_timeout: 60,
    keep_alive: 60,
    onnotice: (notice) => {
      // CREATE ... IF NOT EXISTS says "already exists, skipping" at every start: not news.
      if (notice.code !== '42P06' && notice.code !== '42P07') report(`postgres: ${notice.message}`);
    },
    ...extra,
    connection: {application_name: 'cac', search_path: schema, ...extra.connection},
  });
}

/**
 * A pool whose connections can be dropped at will, the pool made anew for what follows. Its
 * sockets are made here so that they can be destroyed: ending a connection through the driver
 * waits for the server's answer, which never comes from a connection gone silent. The old pool
 * is not used again: the driver keeps some state of a connection that failed mid-query (an
 * error answered to its next query after a reconnect).
 */
export class RenewablePool {
  private readonly sockets = new Set<Socket>();
  private next = 0;
  pool: Pool;

  constructor(
    private readonly url: string,
    private readonly options: PgOptions,
    private readonly extra: postgres.Options<{}> = {},
  ) {
    this.pool = this.make();
  }

  /** Once ended, the pool is never made anew: a store being closed does not connect again. */
  private ended = false;

  /** Destroys every socket (what runs on them fails at once) and makes a new pool. */
  renew(): void {
    // A write or read failing because the store is closing (its pool ended) is no lost connection.
    if (this.ended) return;
    const old = this.pool;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    this.pool = this.make();
    old.end({timeout: 0}).catch(() => {});
  }

  end(timeoutS = 5): Promise<void> {
    this.ended = true;
    return this.pool.end({timeout: timeoutS});
  }

  private make(): Pool {
    const socket = ({host, port, path}: {host: string[]; port: number[]; path?: string | false}): Socket => {
      const i = this.next++ % host.length;
      const made = path ? connectTcp(path) : connectTcp(port[i] ?? port[0] ?? 5432, host[i]);
      this.sockets.add(made);
      made.once('close', () => this.sockets.delete(made));
      return made;
    };
    // The driver's types leave out its documented `socket` option (a function making each socket).
    return connect(this.url, this.options, Object.assign({...this.extra}, {socket}));
  }
}

/**
 * The writer's own connection (it runs one transaction at a time). The server ends a
 * transaction left idle as long as a write may take, so one whose client was cut off does not
 * keep its row locks (and every later write waiting on them) until the server's TCP gives up.
 */
export function connectWriter(url: string, options: PgOptions = {}): RenewablePool {
  return new RenewablePool(url, {...options, max: 1}, {connection: {idle_in_transaction_session_timeout: options.writeTimeoutMs ?? DEFAULT_WRITE_TIMEOUT_MS}});
}

export const DEFAULT_READ_TIMEOUT_MS = 30_000;

/**
 * The pool reads go to, each answered within a time limit or failed. A connection gone silent
 * (a lost NAT entry, a failed-over address) answers nothing and closes never: the kernel's
 * keep-alive gives up on it some 11 minutes later, and every query the pool queued behind it
 * would wait as long, the hub's health check too. Past the limit the read fails and the pool is
 * renewed: what else waited on its connections fails at once, and what comes next gets new
 * ones. Only single statements (`db\`...\``) are timed: what runs in a transaction or on `raw`
 * (migrations at start) may rightly take long.
 */
export class ReadPool {
  private readonly connections: RenewablePool;
  readonly db: Pool;
  private readonly timeoutMs: number;

  constructor(url: string, private readonly options: PgOptions = {}) {
    this.timeoutMs = options.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
    this.connections = new RenewablePool(url, options);
    const call = (...args: unknown[]): unknown => {
      const pool = this.raw;
      const query = (pool as unknown as (...a: unknown[]) => unknown)(...args);
      // A tagged template is a statement (called otherwise, the pool makes a fragment).
      if (Array.isArray(args[0]) && 'raw' in args[0]) this.time(query as PromiseLike<unknown>, pool);
      return query;
    };
    this.db = new Proxy(call, {
      get: (_target, name) => {
        const value: unknown = Reflect.get(this.raw, name);
        return typeof value === 'function' ? value.bind(this.raw) : value;
      },
    }) as unknown as Pool;
  }

  /** The pool as it is now, with no limit (for the migrations a start runs). */
  get raw(): Pool {
    return this.connections.pool;
  }

  end(timeoutS: number): Promise<void> {
    return this.connections.end(timeoutS);
  }

  /** Makes the query's answer, once asked for (awaited), come within the limit or fail. */
  private time(query: PromiseLike<unknown>, pool: Pool): void {
    const then = query.then.bind(query);
    Object.assign(query, {
      then: (ok?: (value: unknown) => unknown, fail?: (error: unknown) => unknown) =>
        within(then(), this.timeoutMs, () => {
          const why = `a read had no answer in ${this.timeoutMs / 1000} s from PostgreSQL: its connections were dropped for new ones`;
          // Once for the pool: the reads queued with this one fail with it.
          if (pool === this.raw) {
            this.options.log?.(`postgres: ${why}`);
            this.connections.renew();
          }
          return new Error(why);
        }).then(ok, fail),
    });
  }
}

/**
 * Whether a failed transaction lost its connection (rather than had a statement refused): the
 * connection failed, or the server ended the session (class 08 connection exception, 57
 * operator intervention, such as a server shutting down).
 */
export function connectionLost(error: unknown): boolean {
  if (!(error instanceof postgres.PostgresError)) return true;
  return error.code.startsWith('08') || error.code.startsWith('57');
}

export const DEFAULT_WRITE_TIMEOUT_MS = 10_000;

/**
 * A document for a \`json\` column, as a query parameter: the driver sends it through
 * JSON.stringify, chosen by the column's type (so a string given here would be quoted again).
 */
export const json = (value: unknown): never => value as never;

/** A database URL without its password, for logs and messages. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'a PostgreSQL database (the URL does not parse)';
  }
}

/** Whether an error came from the server about a statement (rather than the connection). */
export function fromServer(error: unknown): boolean {
  return error instanceof postgres.PostgresError;
}
