// Builds the visitor widget into one minified file that the hub serves at /widget.js.
import {build} from 'esbuild';

await build({
  entryPoints: ['widget/main.ts'],
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2019'],
  outfile: 'dist/widget.js',
  legalComments: 'none',
  logLevel: 'warning',
});
