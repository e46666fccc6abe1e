import {resolve} from 'node:path';
import type {Command} from 'commander';
import {AccountError} from '../accounts/operators.js';
import {LockedError} from '../store/lock.js';
import {EmbeddedStore} from '../store/embedded-store.js';
import {DamagedError, type Store} from '../store/store.js';

export const DEFAULT_DATA = 'cac-data';

/** The data folder: --data, else CAC_DATA, else ./cac-data (the same for every command). */
export function dataDir(options: {data?: string}): string {
  return resolve(options.data ?? process.env.CAC_DATA ?? DEFAULT_DATA);
}

export function addDataOption(command: Command): Command {
  return command.option('--data <dir>', 'data folder (default: $CAC_DATA or ./cac-data)');
}

/** The data folder as the CLI uses it: every change written through at once. */
export async function openStore(options: {data?: string}): Promise<Store> {
  const store = new EmbeddedStore(dataDir(options));
  await store.open();
  return store;
}

/** Runs a command body, turning expected failures into a message and exit code 1. */
export async function run(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    if (error instanceof AccountError || error instanceof DamagedError || error instanceof LockedError) {
      process.stderr.write(`cac: ${error.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
