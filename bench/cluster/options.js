// Command-line options of the cluster bench and its two profiles: the full one, and --quick
// (two to three minutes) with the same setups and steps, made smaller and shorter.

import {readArgs, stepTimes} from '../load/options.js';
import {SETUPS} from './setup.js';

const HELP = `node bench/cluster-bench.js [options]
  --quick            small and short (1,000 visitors, 20 operators, short steps, no climb
                     on the data folder)
  --visitors N       visitors connected (default 2000; quick 1000)
  --operators N      operators, each accepting an equal share of the chats (default 40; quick 20)
  --clients N        visitor load-client processes, one source address each (default 2; even,
                     so that the two hubs get as many)
  --only LIST        the setups to run, of ${Object.keys(SETUPS).join(',')} (default: all three)
  --json FILE        also write every figure as JSON to FILE`;

export function parseOptions(argv) {
  const {has, value, int} = readArgs(argv, HELP, ['--quick', '--visitors', '--operators', '--clients', '--only', '--json']);
  const quick = has('--quick');
  const only = (value('--only') ?? Object.keys(SETUPS).join(',')).split(',').filter(Boolean);
  for (const name of only) if (!SETUPS[name]) throw new Error(`--only: no setup ${name} (there are ${Object.keys(SETUPS).join(', ')})`);
  const clients = int('--clients', 2);
  return {
    quick,
    visitors: int('--visitors', quick ? 1000 : 2000),
    operators: int('--operators', quick ? 20 : 40),
    // Visitor client k talks to hub k % 2: an odd count would load one hub more.
    clients: clients + (clients % 2),
    only: Object.keys(SETUPS).filter((name) => only.includes(name)),
    json: value('--json'),
    ...stepTimes(quick),
    // The step at 1,000 msg/s runs this many times round the setups; each keeps its fastest.
    rounds: quick ? 2 : 3,
    settleMs: quick ? 500 : 2000,
    // On a shared machine, how long to wait before a step for other work to go quiet.
    quietMs: quick ? 2000 : 5000,
    // Fine steps low down, where a hub on PostgreSQL stops: the x-factor is a ratio of two of them.
    rates: quick ? [250, 500, 1000, 1500, 2000, 3000] : [250, 500, 750, 1000, 1250, 1500, 2000, 2500, 3000, 4000, 5000, 6000, 7000],
    // The data folder's climb is for comparison only: --quick leaves it out.
    climbs: quick ? ['pg1', 'pg2'] : Object.keys(SETUPS),
    deadlineMs: (quick ? 6 : 30) * 60_000,
  };
}
