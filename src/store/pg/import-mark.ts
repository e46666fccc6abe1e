import {connect, type Db, type PgOptions, type Pool} from './connection.js';
import {putRow} from './globals.js';

/*
 * An import into the database (`cac db import`) copies a data folder over many transactions. Cut
 * short (killed, the machine lost), it leaves part of the folder behind, which a hub would serve
 * as if whole. So the import marks the database before it copies and clears the mark once done:
 * a store that finds the mark will not open for a hub, and the next import empties the database
 * and starts again.
 */

/** The row of `globals` that holds the mark (not one of the records an import copies). */
const MARK = 'import-underway';

export interface ImportUnderway {
  /** The data folder being imported. */
  from: string;
  /** When the import began (ms since the epoch). */
  at: number;
}

export async function importUnderway(db: Db): Promise<ImportUnderway | undefined> {
  const [row] = await db`SELECT doc FROM globals WHERE name = ${MARK}`;
  return row ? (row.doc as ImportUnderway) : undefined;
}

/** Sets the mark, or with none clears it. */
export async function markImport(db: Db, mark: ImportUnderway | undefined): Promise<void> {
  if (!mark) {
    await db`DELETE FROM globals WHERE name = ${MARK}`;
    return;
  }
  await putRow(db, MARK, mark);
}

/** Every record gone, the mark kept (the import that follows is still under way until done). */
export async function emptyForImport(pool: Pool): Promise<void> {
  await pool.begin(async (tx) => {
    await tx`TRUNCATE events, visitor_lines, feed, chats, visitors`;
    await tx`DELETE FROM globals WHERE name <> ${MARK}`;
    await tx`UPDATE feed_end SET last = 0`;
  });
}

/** The first key of the advisory lock an import holds (any number, the same in every cac: "cac"). */
const IMPORT_LOCK = 0x636163;

/** A held import lock: `check` throws once it is lost, `release` lets it go. */
export interface ImportLock {
  check(): void;
  release(): Promise<void>;
}

/**
 * Takes the import lock of one schema of a database, for as long as the import runs. Two imports
 * at once would each copy over the other, and the second would take the first one's mark for an
 * import cut short and empty the database under it. A session lock on a connection of its own
 * (never idle-closed): an import that is killed loses its connection, and the lock with it.
 *
 * The lock is lost, too, if its connection alone is ended while the import goes on (a server's
 * `idle_session_timeout`, a pooler or firewall closing idle connections, an administrator): a
 * second import could then start. So the connection asks every `checkEveryMs` whether its session
 * still holds the lock (which also keeps it from being idle), and `check` throws once it does not
 * or the connection closed: the import stops, its mark left for the next one to start over.
 * Resolves to undefined when another import holds the lock.
 */
export async function lockImport(url: string, options: PgOptions, checkEveryMs = 5000): Promise<ImportLock | undefined> {
  const schema = options.schema ?? 'public';
  let lost: string | undefined;
  let releasing = false;
  const sql = connect(url, options, {
    max: 1,
    idle_timeout: 0,
    onclose: () => {
      if (!releasing) lost ??= 'its connection closed';
    },
  });
  let locked = false;
  try {
    const [row] = await sql`SELECT pg_try_advisory_lock(${IMPORT_LOCK}, hashtext(${schema})) AS locked`;
    locked = row?.locked === true;
  } finally {
    if (!locked) {
      releasing = true;
      await sql.end({timeout: 5});
    }
  }
  if (!locked) return undefined;
  // A reconnected driver answers on a new session: the question names this lock, not the connection.
  const timer = setInterval(() => {
    // Once lost, there is nothing more to learn: the import stops at its next check.
    if (lost) return clearInterval(timer);
    sql`SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()
        AND classid = ${IMPORT_LOCK}::int4::oid AND objid = hashtext(${schema})::oid AND objsubid = 2) AS held`.then(
      ([row]) => {
        if (row?.held !== true) lost ??= 'its session no longer holds it';
      },
      (error: unknown) => {
        if (!releasing) lost ??= `its connection failed: ${error instanceof Error ? error.message : String(error)}`;
      },
    );
  }, checkEveryMs);
  timer.unref();
  return {
    check() {
      if (lost) throw new Error(`the import lock was lost (${lost}), so another import could have begun: this one stopped; run it again (it starts over)`);
    },
    async release() {
      releasing = true;
      clearInterval(timer);
      await sql.end({timeout: 5});
    },
  };
}

/** What a hub is told when the mark is there. */
export function unfinishedImport(where: string, mark: ImportUnderway): string {
  return `an import into ${where} from ${mark.from} (begun ${new Date(mark.at).toISOString()}) did not finish: run cac db import again before anything uses the database`;
}
