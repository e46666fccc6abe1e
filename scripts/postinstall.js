// Applies patches/ to node_modules after `npm install` / `npm ci` in a checkout, where the tests
// load the dependencies from there. An install of the packed package has no patch-package (a dev
// dependency) and needs none: dist/bundle carries the patched driver (scripts/build-cli.js).

import {spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';

const bin = fileURLToPath(new URL('../node_modules/patch-package/index.js', import.meta.url));
if (existsSync(bin)) {
  const run = spawnSync(process.execPath, [bin], {stdio: 'inherit'});
  process.exitCode = run.status ?? 1;
}
