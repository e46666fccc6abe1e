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

export async function putGlobal<K extends GlobalName>(db: Db, name: K, value: Globals[K]): Promise<void> {
  await db`
    INSERT INTO globals (name, doc) VALUES (${name}, ${json(value)})
    ON CONFLICT (name) DO UPDATE SET doc = excluded.doc`;
}
