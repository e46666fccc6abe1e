// Command-line options and the two run profiles. The full profile is what the figures are
// quoted for; --quick is a smoke run (about a minute) with the same phases, made smaller.

const HELP = `node bench/load/run.js [options]
  --quick            small and short (1,000 visitors, 10 operators, short steps)
  --visitors N       visitors connected (default 10000; quick 1000)
  --operators N      operators, each accepting an equal share of the chats (default 100; quick 10)
  --clients N        visitor load-client processes, one source address each (default 4)
  --only hub|relay   run one server's load phases only (cold starts run for both)
  --stored LIST      stored-chat counts for the cold-start figure (default 10000,100000; quick 1000)
  --json FILE        also write every figure as JSON to FILE`;

/**
 * The command line of a bench: flags in `known` only, `--help` prints `help` and exits.
 * Returns `has(flag)`, `value(flag)` (a string or undefined) and `int(flag, fallback)`.
 */
export function readArgs(argv, help, known) {
  const args = argv.slice(2);
  const value = (name) => {
    const i = args.indexOf(name);
    if (i < 0) return undefined;
    const v = args[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value\n${help}`);
    return v;
  };
  for (const a of args) if (a.startsWith('--') && a !== '--help' && !known.includes(a)) throw new Error(`unknown option ${a}\n${help}`);
  if (args.includes('--help')) {
    process.stdout.write(help + '\n');
    process.exit(0);
  }
  const int = (name, fallback) => {
    const v = value(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} wants a positive whole number`);
    return n;
  };
  return {has: (name) => args.includes(name), value, int};
}

/**
 * Step timings, the same in every load bench: a fixed-rate step and a rung of the climb each
 * warm up, then measure; then at most `drainMs` for the backlog.
 */
export function stepTimes(quick) {
  return {
    fixed: quick ? {warmMs: 1000, measureMs: 3000} : {warmMs: 3000, measureMs: 10_000},
    ladder: quick ? {warmMs: 1000, measureMs: 2000} : {warmMs: 2000, measureMs: 5000},
    drainMs: quick ? 5000 : 15_000,
  };
}

export function parseOptions(argv) {
  const {has, value, int} = readArgs(argv, HELP, ['--quick', '--visitors', '--operators', '--clients', '--only', '--stored', '--json']);
  const quick = has('--quick');
  const only = value('--only');
  if (only !== undefined && only !== 'hub' && only !== 'relay') throw new Error('--only takes hub or relay');
  const stored = value('--stored');
  return {
    quick,
    visitors: int('--visitors', quick ? 1000 : 10_000),
    operators: int('--operators', quick ? 10 : 100),
    clients: int('--clients', 4),
    only,
    stored: stored !== undefined ? stored.split(',').filter(Boolean).map(Number) : quick ? [1000] : [10_000, 100_000],
    json: value('--json'),
    ...stepTimes(quick),
    // Pause between connecting everyone and reading RSS.
    settleMs: quick ? 1000 : 3000,
    // Then RSS is read for this long more, for what the server holds once at rest.
    restMs: quick ? 10_000 : 60_000,
    // Longer than the hub's checkpoint delay (10 s), so the setup's writes are out before the steps.
    idleForMs: quick ? 2000 : 12_000,
    // On a shared machine, how long to wait before a measurement for other work to go quiet.
    quietMs: quick ? 3000 : 10_000,
    // Rungs close enough below 10,000 that "half the relay's rate" compares like with like: with
    // 2,000 then 5,000, a relay holding 5,000 asked the hub for 5,000 too.
    rates: [2000, 3000, 4000, 5000, 7000, 10_000, 15_000, 20_000, 30_000, 40_000, 60_000, 80_000],
    coldRuns: quick ? 3 : 5,
    // The aim is 3 s; a resume slower than this is reported as "over".
    resumeTimeoutMs: quick ? 30_000 : 60_000,
    deadlineMs: (quick ? 4 : 25) * 60_000,
  };
}
