import type {Store} from '../store/store.js';
import type {GlobalName, Globals} from '../store/types.js';

/** What only a running hub knows: who is on-line now. */
export interface LiveFacts {
  url: string;
  pid: number;
  visitorsOnline(): number;
  operatorsOnline(): {name: string; status: string}[];
  /** The ids of the visitors on-line now (of a site). */
  online(site?: string): string[];
  /** An on-line visitor's page, or undefined when not on-line. */
  visitor(id: string): {page?: {url: string; title: string}} | undefined;
  /** Lets a visitor go before their erasure: their chat ends, their sockets close. */
  forgetVisitor(id: string): Promise<void>;
}

/**
 * What an admin operation works with. The CLI's own context reads and writes the data folder
 * (under the lock); a hub's context is the hub's: its copy of the global records, written
 * through the hub so each change takes effect at once (a removed operator's sockets close, a
 * lifted block lets the visitor ask at once, every client sees a new canned response).
 */
export interface AdminContext {
  store: Store;
  dataDir: string;
  now(): number;
  global<K extends GlobalName>(name: K, fresh?: boolean): Promise<Globals[K]>;
  putGlobal<K extends GlobalName>(name: K, value: Globals[K]): Promise<void>;
  /** Present when a hub runs the operation. */
  live?: LiveFacts;
}

/** The context of the CLI working on the data folder itself: the store is all there is. */
export function folderContext(store: Store, dataDir: string, now: () => number = Date.now): AdminContext {
  return {
    store,
    dataDir,
    now,
    global: (name, fresh) => store.global(name, fresh),
    putGlobal: (name, value) => store.putGlobal(name, value),
  };
}
