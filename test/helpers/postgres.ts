import {execFileSync, spawnSync} from 'node:child_process';
import {chownSync, existsSync, mkdtempSync, readdirSync, rmSync} from 'node:fs';
import {freePort} from './spawn.js';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import postgres from 'postgres';
import type {LimitName} from '../../src/protocol/limits.js';
import {PgStore} from '../../src/store/pg/pg-store.js';
import {NO_LIMITS, seedStore} from './hub.js';

/*
 * A PostgreSQL server for the tests of one file: the one CAC_TEST_DATABASE_URL names, or a
 * throwaway one started here (initdb into a temporary folder, on a free port of 127.0.0.1,
 * without fsync) and removed at the end. PostgreSQL refuses to run as root: as root, the server
 * runs as the `postgres` user the Debian package creates. Each store gets a schema of its own.
 */

/** The folder of initdb and pg_ctl: $CAC_PG_BIN, else the newest /usr/lib/postgresql/N/bin, else $PATH. */
function binDir(): string | undefined {
  if (process.env.CAC_PG_BIN) return process.env.CAC_PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (versions[0]) return join(root, versions[0], 'bin');
  const found = spawnSync('sh', ['-c', 'command -v initdb'], {encoding: 'utf8'}).stdout.trim();
  return found ? join(found, '..') : undefined;
}

/** The account the server runs as when this process is root. */
function serverUser(): {name: string; uid: number; gid: number} | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const ids = spawnSync('id', ['postgres'], {encoding: 'utf8'});
  const uid = /uid=(\d+)/.exec(ids.stdout)?.[1];
  const gid = /gid=(\d+)/.exec(ids.stdout)?.[1];
  if (ids.status !== 0 || !uid || !gid) throw new Error('running as root, PostgreSQL needs a non-root user: there is no `postgres` user (apt-get install postgresql creates it)');
  return {name: 'postgres', uid: Number(uid), gid: Number(gid)};
}

/**
 * Why the PostgreSQL tests cannot run here, or false when they can. In CI a missing server is
 * a failure, never a quiet skip.
 */
export function noPostgres(): string | false {
  if (process.env.CAC_TEST_DATABASE_URL || binDir()) return false;
  if (process.env.CI === 'true') throw new Error('PostgreSQL is missing: CI must install postgresql (or set CAC_TEST_DATABASE_URL) for the store tests');
  return 'no PostgreSQL here (install postgresql, or set CAC_TEST_DATABASE_URL, to run these tests)';
}

export interface TestPostgres {
  url: string;
  /** A schema of its own for each folder a test would have used (the same one for the same folder). */
  schemaFor(dir: string): string;
  /** A new, empty database of its own (for a `cac` process, which uses the default schema): its URL. */
  database(): Promise<string>;
  /** A connection for the test itself (to break things, or look inside). */
  admin: postgres.Sql;
  /** Stops the server for a while and starts it again (only a server started here). */
  outage?(during: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

/** Runs a server program, as the server's user when this process is root. */
function runAs(user: ReturnType<typeof serverUser>, program: string, args: string[]): void {
  const [cmd, argv] = user ? ['runuser', ['-u', user.name, '--', program, ...args]] : [program, args];
  execFileSync(cmd, argv, {stdio: ['ignore', 'pipe', 'pipe'], cwd: tmpdir()});
}

let started: {dir: string; stop: () => void} | undefined;

interface Server {
  url: string;
  stop(): void;
  outage?(during: () => Promise<void>): Promise<void>;
}

async function startServer(): Promise<Server> {
  const bin = binDir()!;
  const user = serverUser();
  const dir = mkdtempSync(join(tmpdir(), 'cac-pg-'));
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  runAs(user, join(bin, 'initdb'), ['-D', data, '-U', 'cac', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const settings = `-c listen_addresses=127.0.0.1 -p ${port} -c unix_socket_directories=${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    const start = () => runAs(user, join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '30', '-o', settings, 'start']);
    try {
      start();
    } catch (error) {
      lastError = error;
      continue;
    }
    const stop = () => {
      spawnSync(user ? 'runuser' : join(bin, 'pg_ctl'), [...(user ? ['-u', user.name, '--', join(bin, 'pg_ctl')] : []), '-D', data, '-m', 'immediate', '-w', 'stop'], {stdio: 'ignore'});
      rmSync(dir, {recursive: true, force: true});
    };
    started = {dir, stop};
    const outage = async (during: () => Promise<void>) => {
      // Fast, not immediate: with synchronous_commit off, an immediate stop loses the last commits.
      runAs(user, join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']);
      try {
        await during();
      } finally {
        start();
      }
    };
    return {url: `postgres://cac@127.0.0.1:${port}/postgres`, stop, outage};
  }
  rmSync(dir, {recursive: true, force: true});
  throw new Error(`PostgreSQL did not start: ${String((lastError as {stderr?: Buffer})?.stderr ?? lastError)}`);
}

// A test file that dies leaves no server running.
process.on('exit', () => started?.stop());

/** The server for this file's tests: the one CAC_TEST_DATABASE_URL names, or a new one. */
export async function testPostgres(): Promise<TestPostgres> {
  const given = process.env.CAC_TEST_DATABASE_URL;
  const server: Server = given ? {url: given, stop: () => {}} : await startServer();
  const admin = postgres(server.url, {max: 2, onnotice: () => {}});
  const schemas = new Map<string, string>();
  const databases: string[] = [];
  const prefix = `cac_test_${process.pid}_${Date.now().toString(36)}`;
  return {
    url: server.url,
    admin,
    outage: server.outage,
    async database() {
      const name = `${prefix}_db${databases.length + 1}`;
      await admin`CREATE DATABASE ${admin(name)}`;
      databases.push(name);
      const url = new URL(server.url);
      url.pathname = `/${name}`;
      return url.toString();
    },
    schemaFor(dir) {
      let schema = schemas.get(dir);
      if (!schema) schemas.set(dir, (schema = `${prefix}_${schemas.size + 1}`));
      return schema;
    },
    async stop() {
      // On a server of its own, the schemas go with it; on a shared one they are dropped.
      if (given) {
        for (const schema of schemas.values()) await admin`DROP SCHEMA IF EXISTS ${admin(schema)} CASCADE`;
        for (const name of databases) await admin`DROP DATABASE IF EXISTS ${admin(name)} WITH (FORCE)`;
      }
      await admin.end({timeout: 5});
      server.stop();
      started = undefined;
    },
  };
}

/**
 * A schema of its own for the test folder `dir`, with the site example.com (limits as given, by
 * default out of the way) and these operators, as the CLI would make them: the schema's name and
 * the operators' tokens.
 */
export async function seededSchema(
  pg: TestPostgres,
  dir: string,
  operators: string[],
  limits: Partial<Record<LimitName, number>> = NO_LIMITS,
): Promise<{schema: string; tokens: Record<string, string>}> {
  const schema = pg.schemaFor(dir);
  const seed = new PgStore(pg.url, {schema, log: () => {}});
  await seed.open();
  try {
    return {schema, tokens: await seedStore(seed, operators, ['example.com'], limits)};
  } finally {
    await seed.close();
  }
}
