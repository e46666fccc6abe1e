import {link, readFile, unlink, writeFile} from 'node:fs/promises';
import {join} from 'node:path';

export class LockedError extends Error {}

/** Lock files this process holds now. */
const held = new Set<string>();

export const LOCK_FILE = 'hub.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Who holds a data folder's lock: a hub, or a `cac` command writing the folder itself. */
export interface LockHolder {
  pid: number;
  cli: boolean;
}

/** The live holder of the folder's lock, if any (a lock left by a dead process counts as none). */
export async function lockHolder(dir: string): Promise<LockHolder | undefined> {
  const [pid, kind] = (await readFile(join(dir, LOCK_FILE), 'utf8').catch(() => '')).trim().split(/\s+/);
  const n = Number(pid);
  if (!n || !alive(n) || (n === process.pid && !held.has(join(dir, LOCK_FILE)))) return undefined;
  return {pid: n, cli: kind === 'cli'};
}

/**
 * One writer per data folder: a hub (two would each replay and truncate the other's journal), or
 * a `cac` command changing the folder while no hub runs. A command holds the lock for moments,
 * so whoever finds it held by one waits up to `waitMs` for it; a hub holding it is an answer
 * (the command then asks that hub). A lock left by a process that died is taken over: its pid is
 * gone, or it is our own pid (a restarted container runs the hub as pid 1 again; a live hub in
 * this very process is refused before this is asked).
 */
export async function lockDataDir(dir: string, options: {cli?: boolean; waitMs?: number} = {}): Promise<() => Promise<void>> {
  const file = join(dir, LOCK_FILE);
  const deadline = Date.now() + (options.waitMs ?? 10_000);
  for (let attempt = 0; ; attempt++) {
    try {
      // Written whole under another name, then linked into place: whoever finds the lock file
      // finds it with its holder in it (an empty one would look abandoned and be taken over).
      const mine = `${file}.${process.pid}`;
      await writeFile(mine, options.cli ? `${process.pid} cli` : String(process.pid), {mode: 0o600});
      try {
        await link(mine, file);
      } finally {
        await unlink(mine).catch(() => {});
      }
      held.add(file);
      return async () => {
        held.delete(file);
        await unlink(file).catch(() => {});
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (held.has(file)) throw new LockedError(`this process already holds ${dir}`);
      const holder = await lockHolder(dir);
      if (!holder) await unlink(file).catch(() => {});
      else if (!holder.cli) throw new LockedError(`another hub (pid ${holder.pid}) is using ${dir}; stop it first`);
      else if (Date.now() > deadline) throw new LockedError(`cac (pid ${holder.pid}) is still changing ${dir}; try again`);
      else await new Promise((r) => setTimeout(r, Math.min(20 * 2 ** Math.min(attempt, 5), 200)));
    }
  }
}
