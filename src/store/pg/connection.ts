import postgres from 'postgres';
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
  log?: Report;
}

const schemaName = /^[a-z_][a-z0-9_]{0,62}$/;

/** The pool for a `postgres://` URL, its tables looked up in the schema given. */
export function connect(url: string, options: PgOptions = {}): Pool {
  const schema = options.schema ?? 'public';
  if (!schemaName.test(schema)) throw new Error(`bad schema name ${JSON.stringify(schema)}`);
  const report = options.log ?? (() => {});
  return postgres(url, {
    max: options.max ?? 10,
    connect_timeout: options.connectTimeoutS ?? 10,
    idle_timeout: 60,
    onnotice: (notice) => {
      // CREATE ... IF NOT EXISTS says "already exists, skipping" at every start: not news.
      if (notice.code !== '42P06' && notice.code !== '42P07') report(`postgres: ${notice.message}`);
    },
    connection: {application_name: 'cac', search_path: schema},
  });
}

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
