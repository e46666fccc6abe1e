// Prints the operator client's key table as Markdown, from the one table the client dispatches
// keys with (src/client/keymap.ts); with --write, puts it into README.md between its markers.
// Needs the build (npm run build). test/client-keymap.test.ts fails while the README differs.
import {readFileSync, writeFileSync} from 'node:fs';
import {keysMarkdown} from '../dist/client/keymap.js';

const START = '<!-- keys:start';
const END = '<!-- keys:end -->';
const table = keysMarkdown();

if (process.argv.includes('--write')) {
  const readme = readFileSync('README.md', 'utf8');
  const start = readme.indexOf(START);
  const open = readme.indexOf('-->', start) + 3;
  const end = readme.indexOf(END);
  if (start < 0 || end < open) throw new Error(`README.md has no ${START} ... ${END} section`);
  writeFileSync('README.md', `${readme.slice(0, open)}\n${table}\n${readme.slice(end)}`);
  console.log('README.md: key table written');
} else {
  console.log(table);
}
