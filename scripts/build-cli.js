// Bundles the command line (what bin/cac.js runs) from the compiled dist/ into dist/bundle/, so
// that a start reads a few files instead of some 240 modules: resolving, reading and linking them
// one by one was most of `cac hub`'s start-up. Commands stay lazy: each dynamic import() becomes
// its own chunk, loaded only when its command runs.
//
// The packages the hub needs are bundled apart, one file each in dist/bundle/vendor/, rather than
// into the chunks: a chunk's source map then names only files under src/, so coverage of spawned
// commands still maps to them. Other packages (the client's Ink and React, mail...) stay in
// node_modules, loaded as before when a command needs them.
//
// The PostgreSQL driver is vendored too, as patched (patches/README.md), so that the package
// carries its fix wherever it is installed: an install of the packed package runs no
// patch-package (a dev dependency). The build stops if the driver here lacks the patch.
//
// `cac hub` has a bundle of its own besides, dist/bundle/hub.cjs, with a code cache (below).
//
// Files end in .mjs: Node then knows them for modules without looking for a package.json in every
// folder above each one (that search was a tenth of the start). meta.json lists which inputs went
// into each output (test/cli-lazy.test.ts reads it).

import {spawnSync} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {build} from 'esbuild';
import {unpatchedDriver} from '../dist/store/pg/driver-patch.js';

const OUT = 'dist/bundle';
/** Packages loaded by `cac hub` or by every command (the command table). */
const VENDORED = ['zod', 'ws', 'commander', 'lowdb', 'maxmind', 'bowser', 'env-paths', 'postgres'];

// A CommonJS package inside an ES module calls require() for Node's own modules.
const requireShim = "import {createRequire as __cacRequire} from 'node:module'; const require = __cacRequire(import.meta.url);";

const unpatched = unpatchedDriver();
if (unpatched) {
  process.stderr.write(`build-cli: not bundling: ${unpatched}\n`);
  process.exit(1);
}

await rm(OUT, {recursive: true, force: true});

/**
 * Zod's messages in English only: its other locales (45% of the package) are exported as
 * `z.locales`, which cac never uses, yet every start would read, compile and run them.
 */
const englishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({filter: /\/locales\/index\.js$/}, (args) =>
      /[\\/]zod[\\/]/.test(args.importer) ? {path: 'zod-locales', namespace: 'zod-english-only', pluginData: args.resolveDir} : undefined,
    );
    b.onLoad({filter: /.*/, namespace: 'zod-english-only'}, (args) => ({
      contents: "export {default as en} from '../locales/en.js';",
      resolveDir: args.pluginData,
      loader: 'js',
    }));
  },
};

const vendor = await build({
  entryPoints: Object.fromEntries(VENDORED.map((name) => [name, name])),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: `${OUT}/vendor`,
  chunkNames: 'shared-[hash]',
  outExtension: {'.js': '.mjs'},
  // ws's optional native add-ons: absent, and ws does without them.
  external: ['bufferutil', 'utf-8-validate'],
  plugins: [englishOnly],
  banner: {js: requireShim},
  // Maps naming the packages' own files (under node_modules, even where it is a link) keep them
  // out of coverage reports, as when they were loaded from there.
  sourcemap: 'linked',
  sourcesContent: false,
  preserveSymlinks: true,
  metafile: true,
  logLevel: 'warning',
});

/** Imports of a vendored package (and only those: not 'ws/lib/...') go to its file. */
const toVendor = {
  name: 'vendor',
  setup(b) {
    const filter = new RegExp(`^(${VENDORED.join('|')})$`);
    b.onResolve({filter}, (args) => ({path: `./vendor/${args.path}.mjs`, external: true}));
  },
};

const cli = await build({
  entryPoints: {index: 'dist/cli/index.js'},
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: OUT,
  // Every output in one folder, two levels below the package, as dist/hub/ is: the hub finds its
  // files (widget, demo) from where its code sits.
  chunkNames: '[name]-[hash]',
  outExtension: {'.js': '.mjs'},
  packages: 'external',
  plugins: [toVendor],
  // The driver these chunks load is the vendored one, checked above (src/store/pg/driver-patch.ts).
  define: {'globalThis.cacVendoredDriver': 'true'},
  // Chained through tsc's maps, to the TypeScript sources.
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
});

// `cac hub`'s own bundle (bin/cac.js): one CommonJS file holding every package the hub runs, so
// that V8 can compile it from a code cache (src/cli/code-cache.ts). What only --redis needs stays
// in node_modules. No import() may be left in it: a file compiled that way cannot load ES modules.
const hub = await build({
  entryPoints: {hub: 'dist/cli/hub-main.js'},
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  outdir: OUT,
  outExtension: {'.js': '.cjs'},
  external: ['bufferutil', 'utf-8-validate', 'ioredis'],
  plugins: [englishOnly],
  define: {'globalThis.cacVendoredDriver': 'true', 'import.meta.url': '__cacModuleUrl'},
  // The file's own URL, as import.meta.url is in the other bundle's chunks (same folder).
  banner: {js: "var __cacModuleUrl = require('node:url').pathToFileURL(__filename).href;"},
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
});
if (/\bimport\(\s*['"`]/.test(readFileSync(`${OUT}/hub.cjs`, 'utf8'))) {
  process.stderr.write(`build-cli: ${OUT}/hub.cjs still holds an import(): bundle what it loads\n`);
  process.exit(1);
}

/**
 * The code cache: a hub run once on a scratch folder writes what V8 compiled on its way to
 * serving. A build where no hub can run (no loopback) goes on without one: `cac hub` then
 * compiles from source, as slow as a start before caches, and says nothing wrong.
 */
function makeCodeCache() {
  const scratch = mkdtempSync(join(tmpdir(), 'cac-build-'));
  try {
    // What bin/cac.js does for `cac hub`, without needing bin/ (the Docker build has none).
    const start = "const {hubBundle} = await import(process.argv[1]); await hubBundle().main(['node', 'cac', ...process.argv.slice(2)]);";
    const loader = new URL('../dist/cli/code-cache.js', import.meta.url).href;
    const args = ['--input-type=module', '-e', start, loader, 'hub', '--data', scratch, '--port', '0', '--host', '127.0.0.1', '--log', join(scratch, 'hub.log')];
    const env = {...process.env, CAC_CODE_CACHE: 'write'};
    delete env.NODE_V8_COVERAGE;
    delete env.NODE_OPTIONS;
    const run = spawnSync(process.execPath, args, {env, encoding: 'utf8', timeout: 60_000});
    if (!existsSync(`${OUT}/hub.cjs.cache`)) process.stderr.write(`build-cli: no code cache for cac hub (exit ${run.status}): ${run.stderr.trim()}\n`);
  } finally {
    rmSync(scratch, {recursive: true, force: true});
  }
}
makeCodeCache();

const inputs = (meta) =>
  Object.fromEntries(Object.entries(meta.outputs).filter(([file]) => /\.(mjs|cjs)$/.test(file)).map(([file, out]) => [file, Object.keys(out.inputs)]));
await writeFile(`${OUT}/meta.json`, JSON.stringify({...inputs(vendor.metafile), ...inputs(cli.metafile), ...inputs(hub.metafile)}, null, 1) + '\n');
