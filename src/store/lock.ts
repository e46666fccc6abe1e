import {randomBytes} from 'node:crypto';
import {link, readFile, rename, unlink, writeFile} from 'node:fs/promises';
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

const ownText = (cli?: boolean): string => (cli ? `${process.pid} cli` : String(process.pid));

/** Who a lock file's text names, if alive (a lock left by a dead process names nobody). */
function holderIn(file: string, text: string): LockHolder | undefined {
  const [pid, kind] = text.trim().split(/\s+/);
  const n = Number(pid);
  if (!n || !alive(n) || (n === process.pid && !held.has(file))) return undefined;
  return {pid: n, cli: kind === 'cli'};
}

/** The live holder of the folder's lock, if any (a lock left by a dead process counts as none). */
export async function lockHolder(dir: string): Promise<LockHolder | undefined> {
  const file = join(dir, LOCK_FILE);
  return holderIn(file, await readFile(file, 'utf8').catch(() => ''));
}

/**
 * Takes a stale lock (whose text was `stale`) out of the way. Between reading it and removing it,
 * another process may have taken it over and put its own in place: an unlink would delete that
 * fresh lock, and both would hold the folder. So the lock is renamed to a name of our own (only
 * one process can move a given file) and looked at again: if it is not the stale one we read,
 * it goes back into place.
 */
async function moveStale(file: string, stale: string): Promise<void> {
  const aside = `${file}.stale.${process.pid}.${randomBytes(6).toString('hex')}`;
  try {
    await rename(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // someone else moved it
    throw error;
  }
  const text = await readFile(aside, 'utf8').catch(() => '');
  // A lock naming a live holder is never ours to remove, whatever we read before. (Should a
  // third process link its own lock in the moment it is away, the one moved is lost: that
  // takes three processes starting on one folder within a few system calls of each other.)
  if (text !== stale || holderIn(file, text)) await link(aside, file).catch(() => {});
  await unlink(aside).catch(() => {});
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
  const text = ownText(options.cli);
  for (let attempt = 0; ; attempt++) {
    try {
      // Written whole under another name, then linked into place: whoever finds the lock file
      // finds it with its holder in it (an empty one would look abandoned and be taken over).
      const mine = `${file}.${process.pid}`;
      await writeFile(mine, text, {mode: 0o600});
      try {
        await link(mine, file);
      } finally {
        await unlink(mine).catch(() => {});
      }
      held.add(file);
      return async () => {
        held.delete(file);
        // Only our own lock: one that is not (taken over after a wrong judgement) stays.
        if ((await readFile(file, 'utf8').catch(() => '')) === text) await unlink(file).catch(() => {});
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (held.has(file)) throw new LockedError(`this process already holds ${dir}`);
      const seen = await readFile(file, 'utf8').catch(() => '');
      const holder = holderIn(file, seen);
      if (!holder) await moveStale(file, seen);
      else if (!holder.cli) throw new LockedError(`another hub (pid ${holder.pid}) is using ${dir}; stop it first`);
      else if (Date.now() > deadline) throw new LockedError(`cac (pid ${holder.pid}) is still changing ${dir}; try again`);
      else await new Promise((r) => setTimeout(r, Math.min(20 * 2 ** Math.min(attempt, 5), 200)));
    }
  }
}
