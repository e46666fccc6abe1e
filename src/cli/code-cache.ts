import {readFileSync, writeFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {dirname} from 'node:path';
import {fileURLToPath} from 'node:url';
import {Script} from 'node:vm';

/*
 * `cac hub` starts from a code cache: V8's compiled form of the hub's bundle, made when the
 * package is built (scripts/build-cli.js runs a hub once and keeps what it compiled on the way to
 * serving). Compiling that code from source on every start was a third of the time from spawn to
 * serving, and Node 20 keeps no code cache of ES modules: the hub's bundle is therefore one
 * CommonJS file, which vm.Script can compile with one.
 *
 * V8 takes the cache only when it fits: the same V8 (so the same Node), the same V8 flags and the
 * same source length. Otherwise it compiles from source, as any start did before: slower, never
 * wrong.
 */

/** What became of the cache at this start. */
export type CacheUse = 'used' | 'rejected' | 'missing';

export interface Compiled {
  exports: Record<string, unknown>;
  cache: CacheUse;
  /** The cache of what this process has compiled of the file so far. */
  makeCache(): Buffer;
}

/** The wrapper Node puts around a CommonJS file, on the same line as the file's first. */
const WRAPPER = '(function (exports, require, module, __filename, __dirname) { ';

type ModuleFunction = (exports: unknown, require: NodeJS.Require, module: {exports: Record<string, unknown>}, filename: string, dirname: string) => void;

/** Runs the CommonJS file `file` as Node would, compiled with the cache in `cacheFile` if it fits. */
export function loadCompiled(file: string, cacheFile: string): Compiled {
  const source = readFileSync(file, 'utf8');
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // None made (a build that could not run a hub): compiled from source.
  }
  const script = new Script(`${WRAPPER}${source}\n})`, {filename: file, columnOffset: -WRAPPER.length, cachedData});
  const module = {exports: {} as Record<string, unknown>};
  (script.runInThisContext() as ModuleFunction)(module.exports, createRequire(file), module, file, dirname(file));
  return {
    exports: module.exports,
    cache: cachedData === undefined ? 'missing' : script.cachedDataRejected ? 'rejected' : 'used',
    makeCache: () => script.createCachedData(),
  };
}

type Main = (argv: string[]) => Promise<void>;

/**
 * The hub's bundle, ready to run. CAC_CODE_CACHE=report says on stderr whether the cache was
 * used; CAC_CODE_CACHE=write is the build's: once the hub serves, the cache is written and the
 * hub stopped. Under NODE_V8_COVERAGE (the tests) the bundle is loaded as any CommonJS file, so
 * that Node reads its source map and the lines it runs count for src/.
 */
export function hubBundle(env: NodeJS.ProcessEnv = process.env): {main: Main} {
  const file = fileURLToPath(new URL('../bundle/hub.cjs', import.meta.url));
  if (env.NODE_V8_COVERAGE) return createRequire(import.meta.url)(file) as {main: Main};
  const cacheFile = `${file}.cache`;
  const loaded = loadCompiled(file, cacheFile);
  const main = loaded.exports.main as Main;
  if (env.CAC_CODE_CACHE === 'report') process.stderr.write(`cac: code cache ${loaded.cache}\n`);
  if (env.CAC_CODE_CACHE !== 'write') return {main};
  return {
    main: async (argv) => {
      await main(argv);
      // Now, before the hub's first heap check sets a V8 flag: a cache made after that would
      // not fit a start without it.
      writeFileSync(cacheFile, loaded.makeCache());
      process.kill(process.pid, 'SIGTERM');
    },
  };
}
