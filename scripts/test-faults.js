// Runs the fault suites (test/faults-*.test.ts, and the SIGKILL rounds of several hubs) alone
// and, if asked, harder than `npm test` does: more SIGKILL rounds, more fuzzed frames, or the
// fuzzing of a given seed again.
//   npm run test:faults -- --rounds 200 --frames 100000 --seed 1234
// Builds first: the kill suite runs `cac hub` from dist.
import {spawnSync} from 'node:child_process';
import {parseArgs} from 'node:util';

const usage = 'usage: npm run test:faults -- [--rounds N] [--frames N] [--seed N]';
let values;
try {
  ({values} = parseArgs({options: {rounds: {type: 'string'}, frames: {type: 'string'}, seed: {type: 'string'}}}));
} catch (error) {
  console.error(`${error.message}\n${usage}`);
  process.exit(2);
}
for (const [name, value] of Object.entries(values)) {
  if (!/^-?\d+$/.test(value) || (name !== 'seed' && Number(value) < 1)) {
    console.error(`--${name} wants a whole number, not ${value}\n${usage}`);
    process.exit(2);
  }
}
const rounds = Number(values.rounds ?? 20);
const frames = Number(values.frames ?? 10_000);
const env = {
  ...process.env,
  CAC_FAULT_ROUNDS: String(rounds),
  CAC_FUZZ_FRAMES: String(frames),
  ...(values.seed === undefined ? {} : {CAC_FUZZ_SEED: values.seed}),
};
// A round takes a few seconds and a thousand frames about as long; the margin is generous.
const timeout = 300 + rounds * 15 + Math.ceil(frames / 100);
const run = (command, args) => spawnSync(command, args, {stdio: 'inherit', env}).status ?? 1;
const built = run('npm', ['run', 'build']);
if (built !== 0) process.exit(built);
process.exit(run('npx', ['tap', '--disable-coverage', `--timeout=${timeout}`, 'test/faults-kill.test.ts', 'test/cluster-kill.test.ts', 'test/faults-cuts.test.ts', 'test/faults-reload.test.ts', 'test/faults-fuzz.test.ts']));
