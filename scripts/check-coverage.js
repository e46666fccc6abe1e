// Fails `npm test` when line coverage drops below these floors. tap 21 knows only "100% or
// anything goes", so the floors live here: full coverage where the logic is pure (protocol,
// reducer), high elsewhere, with room for paths that only a real outage or terminal reaches.
import {readFileSync} from 'node:fs';
import {relative} from 'node:path';

const floors = [
  {what: 'src/protocol/', lines: 100},
  {what: 'src/client/reducer.ts', lines: 100},
  {what: 'src/client/reducer-hub.ts', lines: 100},
  {what: 'src/client/reducer-people.ts', lines: 100},
  {what: 'src/transcript/', lines: 100},
  {what: 'src/store/', lines: 93},
  {what: 'src/hub/', lines: 92},
  {what: 'src/client/', lines: 95},
  {what: 'all', lines: 93}, // all of src/
];

const summary = JSON.parse(readFileSync('.tap/report/coverage-summary.json', 'utf8'));
// The project's own source only: a report can also name files of dependencies (one run's named
// 12,000 lines of zod's, with every test passing), which no test here is meant to cover.
const files = Object.entries(summary).filter(([name]) => name !== 'total' && relative(process.cwd(), name).startsWith('src/'));
let failed = false;
for (const floor of floors) {
  let covered = 0;
  let total = 0;
  for (const [name, data] of files) {
    const path = relative(process.cwd(), name);
    if (floor.what === 'all' || path === floor.what || (floor.what.endsWith('/') && path.startsWith(floor.what))) {
      covered += data.lines.covered;
      total += data.lines.total;
    }
  }
  const pct = total === 0 ? 0 : (100 * covered) / total;
  const ok = pct >= floor.lines;
  if (!ok) failed = true;
  console.log(`coverage ${ok ? 'ok  ' : 'LOW '} ${floor.what.padEnd(26)} ${pct.toFixed(2)}% of lines (floor ${floor.lines}%)`);
}
if (failed) {
  console.error('line coverage fell below a floor: add tests for what changed');
  process.exit(1);
}
