import {readFile, unlink, writeFile} from 'node:fs/promises';
import {join} from 'node:path';

export class LockedError extends Error {}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One hub per data folder: two would each replay and truncate the other's journal. A lock left
 * by a hub that died (its pid is gone) is taken over.
 */
export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  const file = join(dir, 'hub.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, String(process.pid), {flag: 'wx', mode: 0o600});
      return () => unlink(file).catch(() => {});
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (pid && pid !== process.pid && alive(pid)) {
        throw new LockedError(`another hub (pid ${pid}) is using ${dir}; stop it first`);
      }
      if (pid === process.pid) throw new LockedError(`this process already runs a hub on ${dir}`);
      await unlink(file).catch(() => {});
    }
  }
  throw new LockedError(`cannot lock ${dir}`);
}
