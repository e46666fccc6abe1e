import {readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';

/**
 * The driver's files the project patches (patches/README.md), each of which says "Patched:" where
 * it was changed. An install that ran no install scripts (`npm ci --ignore-scripts`, a packed
 * tarball installed without the dev dependencies) has the driver as released, which a server
 * ending connections under traffic can crash: a hub says so when it opens the database, and
 * carries on (it works otherwise).
 */
const PATCHED = ['src/connection.js', 'src/index.js'];

/**
 * True in the bundle `bin/cac.js` runs: scripts/build-cli.js vendors the driver into it as patched
 * (it refuses to build otherwise) and defines this, so the package carries the fix wherever it is
 * installed, whatever node_modules holds.
 */
const vendored = (globalThis as {cacVendoredDriver?: boolean}).cacVendoredDriver === true;

/** The folder of the `postgres` package this process loads. */
function driverFolder(): string {
  // Its "default" export (what require finds) is cjs/src/index.js.
  return join(dirname(createRequire(import.meta.url).resolve('postgres')), '..', '..');
}

/** A warning for the log if the driver this process loads lacks its patch, else undefined. */
export function driverWarning(): string | undefined {
  return vendored ? undefined : unpatchedDriver();
}

/** A warning if the driver in `folder` lacks the patch, else undefined. */
export function unpatchedDriver(folder = driverFolder()): string | undefined {
  const missing = PATCHED.filter((file) => {
    try {
      return !readFileSync(join(folder, file), 'utf8').includes('Patched:');
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return undefined;
  return `the PostgreSQL driver lacks the project's patch (${missing.join(', ')} in ${folder}), so a server ending connections under traffic can stop this hub: run \`npx patch-package\` where cac was installed (npm install applies it, unless run with --ignore-scripts)`;
}
