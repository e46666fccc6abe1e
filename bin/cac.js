#!/usr/bin/env node
// The bundle of dist/cli (scripts/build-cli.js): a handful of files to load instead of hundreds.
import {main} from '../dist/bundle/index.mjs';

main(process.argv).catch((error) => {
  process.stderr.write(`cac: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
