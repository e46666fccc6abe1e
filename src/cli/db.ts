import {existsSync} from 'node:fs';
import {mkdir, readdir} from 'node:fs/promises';
import {resolve} from 'node:path';
import {Command} from 'commander';
import type {Copied} from '../store/copy.js';
import type {ImportLock} from '../store/pg/import-mark.js';
import type {Store} from '../store/store.js';
import {addDatabaseOption, checkDatabaseUrl, databaseUrl, printJson, run, UsageError} from './common.js';

export {addDatabaseOption, databaseUrl};
import {example, sub} from './help.js';


function needUrl(options: {database?: string}): string {
  const url = databaseUrl(options);
  if (!url) throw new UsageError('which database? pass --database postgres://... or set CAC_DATABASE_URL');
  checkDatabaseUrl(url);
  return url;
}

async function openPg(url: string, importing = false) {
  const {PgStore} = await import('../store/pg/pg-store.js');
  const store = new PgStore(url, {importing});
  await store.open();
  return store;
}

function summary(c: Copied): string {
  const n = (x: number) => x.toLocaleString('en-US');
  return `${n(c.globals)} global records, ${n(c.visitors)} visitors (${n(c.visits)} visits, ${n(c.pages)} pages), ${n(c.chats)} chats (${n(c.events)} events), ${n(c.feed)} feed entries`;
}

/** Progress on a terminal: one line, rewritten at most five times a second. */
function progress(): {show(c: Copied): void; done(): void} {
  if (!process.stderr.isTTY) return {show: () => {}, done: () => {}};
  let last = 0;
  return {
    show(c) {
      if (Date.now() - last < 200) return;
      last = Date.now();
      process.stderr.write(`\r\x1b[Kcopying: ${summary(c)}`);
    },
    done: () => process.stderr.write('\r\x1b[K'),
  };
}

/** Copies between the data folder `dir` (locked meanwhile: no hub may run on it) and PostgreSQL. */
async function copy(dir: string, url: string, direction: 'import' | 'export', json: boolean): Promise<void> {
  const [{copyStore, isEmpty}, {EmbeddedStore}, {lockDataDir}] = await Promise.all([import('../store/copy.js'), import('../store/embedded-store.js'), import('../store/lock.js')]);
  if (direction === 'import' && !existsSync(dir)) throw new UsageError(`${dir}: no such data folder`);
  if (direction === 'export') {
    if ((await readdir(dir).catch(() => [])).length > 0) throw new UsageError(`${dir} is not empty: export into a new folder`);
    await mkdir(dir, {recursive: true, mode: 0o700});
  }
  const unlock = await lockDataDir(dir, {cli: true});
  const opened: Store[] = [];
  let importLock: ImportLock | undefined;
  const shown = progress();
  try {
    const folder = new EmbeddedStore(dir, {journal: true});
    await folder.open();
    opened.push(folder);
    const pg = await openPg(url, direction === 'import');
    opened.push(pg);
    const [from, to] = direction === 'import' ? [folder, pg] : [pg, folder];
    if (direction === 'import') {
      importLock = await pg.lockImport();
      if (!importLock) throw new Error(`another import into ${pg.where} is under way: wait for it to finish (nothing was changed)`);
      // Marked while it copies: cut short, it is started again, never served half done.
      const unfinished = await pg.importUnderway();
      if (unfinished) {
        process.stderr.write(`an import from ${unfinished.from} (begun ${new Date(unfinished.at).toISOString()}) did not finish: emptying ${pg.where} and starting again\n`);
        await pg.emptyForImport();
      } else if (!(await isEmpty(pg))) {
        throw new UsageError(`the database already holds data: import into an empty one`);
      }
      await pg.markImport({from: resolve(dir), at: Date.now()});
    }
    // The data folder lists chats by reading every one: all at once, not a page at a time.
    // An import whose lock was lost stops within a thousand writes (see lockImport).
    const copied = await copyStore(from, to, {pageSize: direction === 'import' ? Infinity : 1000, progress: shown.show, check: () => importLock?.check()});
    if (direction === 'import') {
      await pg.flush();
      importLock!.check();
      await pg.markImport(undefined);
    }
    shown.done();
    if (json) printJson(copied);
    process.stderr.write(`${direction === 'import' ? `imported ${dir} into ${pg.where}` : `exported ${pg.where} to ${dir}`}: ${summary(copied)}\n`);
  } catch (error) {
    shown.done();
    if (error instanceof Error && /already holds data/.test(error.message)) throw new UsageError(`${direction === 'import' ? 'the database' : dir} already holds data: ${direction} into an empty one`);
    throw error;
  } finally {
    for (const store of opened.reverse()) await store.close();
    await importLock?.release();
    await unlock();
  }
}

export function dbCommand(): Command {
  const cmd = new Command('db').description('the PostgreSQL database several hubs share: its schema, and moving a data folder in or out');
  example(cmd, 'cac db migrate --database postgres://cac@db.internal/cac', 'CAC_DATABASE_URL=postgres://cac@db.internal/cac cac db import ./cac-data');

  addDatabaseOption(sub(cmd, 'migrate', 'create or upgrade the schema (a hub does it at start too)', 'cac db migrate --database postgres://cac@db.internal/cac'))
    .option('--json', 'print the schema version and what was applied as JSON')
    .action((opts) =>
      run(async () => {
        const store = await openPg(needUrl(opts));
        await store.close();
        const {applied, version} = store.migrated!;
        if (opts.json) return printJson({version, applied});
        process.stderr.write(applied.length ? `${store.where}: schema at version ${version} (applied ${applied.join(', ')})\n` : `${store.where}: schema up to date (version ${version})\n`);
      }),
    );

  addDatabaseOption(
    sub(
      cmd,
      'import <dir>',
      'copy a data folder (no hub running on it) into an empty database: chats, visitors, the feed, every record',
      'cac db import ./cac-data --database postgres://cac@db.internal/cac',
    ),
  )
    .option('--json', 'print what was copied as JSON')
    .action((dir: string, opts) =>
      run(async () => {
        await copy(resolve(dir), needUrl(opts), 'import', opts.json === true);
      }),
    );

  addDatabaseOption(
    sub(cmd, 'export <dir>', 'copy the database into a new data folder (stop the hubs first)', 'cac db export ./cac-data-copy --database postgres://cac@db.internal/cac'),
  )
    .option('--json', 'print what was copied as JSON')
    .action((dir: string, opts) =>
      run(async () => {
        await copy(resolve(dir), needUrl(opts), 'export', opts.json === true);
      }),
    );
  return cmd;
}
