import {randomBytes} from 'node:crypto';
import {readFile, rename, unlink, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {hubApiFile, type HubApiFile} from '../protocol/index.js';

/*
 * How `cac` on this machine finds the hub that runs on a data folder: the hub writes its address
 * and a key made afresh at each start into `api.json` (mode 0600: whoever may read the data
 * folder may administer it anyway), and removes it when it stops.
 */

export const API_FILE = 'api.json';

export function newApiKey(): string {
  return randomBytes(32).toString('base64url');
}

export async function writeApiFile(dir: string, info: HubApiFile): Promise<void> {
  const tmp = join(dir, `${API_FILE}.${process.pid}.tmp`);
  await writeFile(tmp, JSON.stringify(info) + '\n', {mode: 0o600});
  await rename(tmp, join(dir, API_FILE));
}

export async function readApiFile(dir: string): Promise<HubApiFile | undefined> {
  const text = await readFile(join(dir, API_FILE), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return hubApiFile.parse(JSON.parse(text));
  } catch {
    return undefined;
  }
}

export async function removeApiFile(dir: string): Promise<void> {
  await unlink(join(dir, API_FILE)).catch(() => {});
}
