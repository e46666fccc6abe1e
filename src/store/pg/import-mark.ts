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

/**
 * Takes the import lock of one schema of a database, for as long as the import runs. Two imports
 * at once would each copy over the other, and the second would take the first one's mark for an
 * import cut short and empty the database under it. A session lock on a connection of its own
 * (never idle-closed): an import that is killed loses its connection, and the lock with it.
 * Resolves to the function that releases it, or to undefined when another import holds it.
 */
export async function lockImport(url: string, options: PgOptions): Promise<(() => Promise<void>) | undefined> {
  const sql = connect(url, options, {max: 1, idle_timeout: 0});
  let locked = false;
  try {
    const [row] = await sql`SELECT pg_try_advisory_lock(${IMPORT_LOCK}, hashtext(${options.schema ?? 'public'})) AS locked`;
    locked = row?.locked === true;
  } finally {
    if (!locked) await sql.end({timeout: 5});
  }
  return locked ? () => sql.end({timeout: 5}) : undefined;
}

/** What a hub is told when the mark is there. */
export function unfinishedImport(where: string, mark: ImportUnderway): string {
  return `an import into ${where} from ${mark.from} (begun ${new Date(mark.at).toISOString()}) did not finish: run cac db import again before anything uses the database`;
}
