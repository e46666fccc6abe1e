#!/usr/bin/env node
// `cac hub` runs from a bundle of its own, compiled from the code cache made when the package was
// built (src/cli/code-cache.ts), so that a hub serves sooner after a start or a crash. Every other
// command runs from the bundle of the whole command line (scripts/build-cli.js): a handful of
// files to load instead of hundreds. The command is the first word that is not a flag (`cac
// --no-color hub` is `cac hub`): the root's own flags take no value.
const command = process.argv.slice(2).find((arg) => !arg.startsWith('-'));
const {main} = command === 'hub' ? (await import('../dist/cli/code-cache.js')).hubBundle() : await import('../dist/bundle/index.mjs');

main(process.argv).catch((error) => {
  process.stderr.write(`cac: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
