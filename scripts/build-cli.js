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
// Files end in .mjs: Node then knows them for modules without looking for a package.json in every
// folder above each one (that search was a tenth of the start). meta.json lists which inputs went
// into each output (test/cli-lazy.test.ts reads it).

import {rm, writeFile} from 'node:fs/promises';
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

const inputs = (meta) =>
  Object.fromEntries(Object.entries(meta.outputs).filter(([file]) => file.endsWith('.mjs')).map(([file, out]) => [file, Object.keys(out.inputs)]));
await writeFile(`${OUT}/meta.json`, JSON.stringify({...inputs(vendor.metafile), ...inputs(cli.metafile)}, null, 1) + '\n');
