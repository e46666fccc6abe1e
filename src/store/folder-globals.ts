import {join} from 'node:path';
import {Low} from 'lowdb';
import type {ZodType} from 'zod';
import {DurableJSONFile} from './durable-file.js';
import type {JournalRecord} from './journal.js';
import type {Pending} from './pending.js';
import {globalDefaults, globalSchemas, type GlobalName, type Globals} from './types.js';

/**
 * The data folder's global records (sites, operators, blocks, canned texts, left messages), one
 * small lowdb document each, kept in memory once read: the journal's version when it holds one.
 */
export class FolderGlobals {
  private readonly cache = new Map<GlobalName, unknown>();

  constructor(
    private readonly dir: string,
    private readonly tmpDir: string,
    private readonly pending: Pending,
    private readonly write: (records: JournalRecord[]) => Promise<void>,
  ) {}

  async get<K extends GlobalName>(name: K, fresh: boolean): Promise<Globals[K]> {
    if (!fresh && this.cache.has(name)) return this.cache.get(name) as Globals[K];
    const f = `${name}.json`;
    const schema = globalSchemas[name] as unknown as ZodType<Globals[K]>;
    const pending = this.pending.doc(f);
    let value: Globals[K];
    if (pending !== undefined) value = schema.parse(JSON.parse(pending));
    else {
      const db = new Low<Globals[K]>(new DurableJSONFile(join(this.dir, f), schema, this.tmpDir), globalDefaults[name]());
      await db.read();
      value = db.data;
    }
    this.cache.set(name, value);
    return value;
  }

  put<K extends GlobalName>(name: K, value: Globals[K]): Promise<void> {
    this.cache.set(name, value);
    return this.write([{k: 'd', f: `${name}.json`, text: JSON.stringify(value)}]);
  }
}
