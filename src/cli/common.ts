import {resolve} from 'node:path';
import type {Command} from 'commander';
import {OpError} from '../admin/error.js';
import {colours} from './colour.js';
import {OutputClosed} from './output.js';
import {LockedError} from '../store/lock.js';
import {DamagedError, NotStoredError, type Store} from '../store/store.js';

export const DEFAULT_DATA = 'cac-data';

/** The data folder: --data, else CAC_DATA, else ./cac-data (the same for every command). */
export function dataDir(options: {data?: string}): string {
  return resolve(options.data ?? process.env.CAC_DATA ?? DEFAULT_DATA);
}

export function addDataOption(command: Command): Command {
  return command.option('--data <dir>', 'data folder (default: $CAC_DATA or ./cac-data)');
}

/** The PostgreSQL database: --database, else CAC_DATABASE_URL (none: the data folder). */
export function databaseUrl(options: {database?: string; data?: string}): string | undefined {
  if (options.database !== undefined) return options.database;
  // An explicit --data beats the environment's database.
  return options.data === undefined ? process.env.CAC_DATABASE_URL || undefined : undefined;
}

export function addDatabaseOption(command: Command): Command {
  return command.option('--database <url>', 'a PostgreSQL database, postgres://USER:PASSWORD@HOST:PORT/NAME (default: $CAC_DATABASE_URL)');
}

/** The Redis hubs on the database share: --redis, else CAC_REDIS_URL. */
export function redisUrl(options: {redis?: string}): string | undefined {
  return options.redis ?? (process.env.CAC_REDIS_URL || undefined);
}

/**
 * The options of every command that reads or changes the hub's records: which data folder or
 * database (with the Redis of its hubs, so they apply a change at once), or `--remote` for the
 * hub `cac login` saved; `--verbose` says which way the command went.
 */
export function addTargetOptions(command: Command): Command {
  return addDatabaseOption(addDataOption(command))
    .option('--redis <url>', 'with --database: the Redis its hubs share, told of each change so they apply it at once (default: $CAC_REDIS_URL)')
    .option('--remote', 'ask the hub saved by `cac login` (or CAC_TOKEN), as that admin operator')
    .option('--verbose', 'say on stderr whether a running hub or the data folder was used');
}

/** `value` as a URL, or undefined when it is not one. */
function urlOf(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** A PostgreSQL URL, checked before anything connects (the driver's own error says only "Invalid URL"). */
export function checkDatabaseUrl(url: string): void {
  const protocol = urlOf(url)?.protocol;
  if (protocol !== 'postgres:' && protocol !== 'postgresql:') {
    throw new UsageError(`--database wants a PostgreSQL URL, postgres://USER:PASSWORD@HOST:PORT/NAME, not ${JSON.stringify(url.replace(/\/\/[^@/]*@/, '//…@'))}`);
  }
}

/** The data folder opened directly: only for a process that already holds its lock (tests, seeding). */
export async function openStore(options: {data?: string}): Promise<Store> {
  const {EmbeddedStore} = await import('../store/embedded-store.js');
  const store = new EmbeddedStore(dataDir(options));
  await store.open();
  return store;
}

/** A failure the user can act on: one line on stderr and exit 1, or 2 for a usage error. */
export class UsageError extends Error {}

/**
 * Refuses a flag given with its own negation (`--preview --no-preview`): commander keeps the last
 * one silently, and which was meant cannot be known.
 */
export function notBoth(command: Command, flag: string): void {
  let root = command;
  while (root.parent) root = root.parent;
  const given = new Set((root as Command & {rawArgs?: string[]}).rawArgs ?? []);
  if (given.has(`--${flag}`) && given.has(`--no-${flag}`)) throw new UsageError(`give --${flag} or --no-${flag}, not both`);
}

/**
 * A hub's address as given to --hub: http(s), a host, nothing else (a path is kept, for a hub
 * behind a proxy under one). Checked before anything is saved or printed with it.
 */
export function hubUrl(value: string, option = '--hub'): string {
  const url = urlOf(value);
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname || url.username || url.password || url.search || url.hash) {
    throw new UsageError(`${option} wants the hub's address, like https://chat.example.com, not ${JSON.stringify(value)}`);
  }
  return value.replace(/\/+$/, '');
}

/** Runs a command body, turning expected failures into one line on stderr and an exit code. */
export async function run(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    // The reader of stdout went away (`| head`): it has what it wanted.
    if (error instanceof OutputClosed) return;
    const known =
      error instanceof OpError ||
      error instanceof UsageError ||
      error instanceof DamagedError ||
      error instanceof NotStoredError ||
      error instanceof LockedError ||
      (error instanceof Error && error.name === 'HubUnreachableError');
    if (!known) throw error;
    const {bad} = await colours(true);
    process.stderr.write(`${bad('cac:')} ${(error as Error).message}\n`);
    process.exitCode = error instanceof UsageError || (error instanceof OpError && error.code === 'invalid') ? 2 : 1;
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
