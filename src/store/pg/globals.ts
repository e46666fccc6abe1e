import type {ZodType} from 'zod';
import {globalDefaults, globalSchemas, type GlobalName, type Globals} from '../types.js';
import {DamagedError} from '../store.js';
import {json, type Db} from './connection.js';

/** The small global records, one row each, checked against their schema as they are read. */
export async function readGlobal<K extends GlobalName>(db: Db, name: K): Promise<Globals[K]> {
  const [row] = await db`SELECT doc FROM globals WHERE name = ${name}`;
  if (!row) return globalDefaults[name]();
  const parsed = (globalSchemas[name] as unknown as ZodType<Globals[K]>).safeParse(row.doc);
  if (!parsed.success) throw new DamagedError(`the global record ${name}`, parsed.error.issues[0]?.message ?? 'wrong shape');
  return parsed.data;
}

export function putGlobal<K extends GlobalName>(db: Db, name: K, value: Globals[K]): Promise<void> {
  return putRow(db, name, value);
}

/** Writes the `globals` row `name` (a global record, or a mark of the store's own). */
export async function putRow(db: Db, name: string, doc: unknown): Promise<void> {
  await db`
    INSERT INTO globals (name, doc) VALUES (${name}, ${json(doc)})
    ON CONFLICT (name) DO UPDATE SET doc = excluded.doc`;
}
