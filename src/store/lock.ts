import {readFile, unlink, writeFile} from 'node:fs/promises';
import {join} from 'node:path';

export class LockedError extends Error {}

/** Lock files this process holds now. */
const held = new Set<string>();

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
 * by a hub that died is taken over: its pid is gone, or it is our own pid (a restarted container
 * runs the hub as pid 1 again; a live hub in this very process is refused before this is asked).
 */
export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  const file = join(dir, 'hub.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, String(process.pid), {flag: 'wx', mode: 0o600});
      held.add(file);
      return async () => {
        held.delete(file);
        await unlink(file).catch(() => {});
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (pid && pid !== process.pid && alive(pid)) {
        throw new LockedError(`another hub (pid ${pid}) is using ${dir}; stop it first`);
      }
      if (held.has(file)) throw new LockedError(`this process already runs a hub on ${dir}`);
      await unlink(file).catch(() => {});
    }
  }
  throw new LockedError(`cannot lock ${dir}`);
}
