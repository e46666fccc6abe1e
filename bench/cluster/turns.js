// The steps of the cluster bench, the setups taking turns: all of them are up at once, and each
// step runs on one while the others sit idle, so that other work on a shared machine, which comes
// and goes, falls on every setup alike rather than on whichever ran at the time. The steps are
// the load bench's (bench/load/steps.js); the CPU of the idle setups is reported apart ("idle").

import {describeStep, say} from '../load/report.js';
import {climb, lessDisturbed, runStep} from '../load/steps.js';
import {checkSetup, failSetup, setupPids} from './setup.js';

/** The live setups, starting at a different one each round: none is always first or last. */
function inTurn(setups, round) {
  const live = setups.filter((s) => s.live);
  return live.map((_, i) => live[(i + round) % live.length]);
}

/** One setup's processes by name, and the other setups' (idle meanwhile) as `idle`. */
const processes = (handle, setups) => ({
  groups: () => ({...handle.groups(), idle: setups.filter((s) => s.live && s !== handle).flatMap(setupPids)}),
});

/** Runs `task` on a setup; a hub that crashed, or any error, stops that setup only. */
async function guarded(handle, task) {
  try {
    await task();
    checkSetup(handle);
  } catch (error) {
    await failSetup(handle, error);
  }
}

const p99 = (step) => (step.offered ? step.visitorToOperator.p99 : Infinity);

/**
 * The latency at 1,000 msg/s, `rounds` times round the setups. Each keeps its fastest round
 * (the lowest p99 visitor to operator): other work only ever slows a run down.
 */
export async function latencyRounds(setups, opts) {
  for (let round = 0; round < opts.rounds; round++) {
    for (const s of inTurn(setups, round)) {
      await guarded(s, async () => {
        const step = await runStep(s.clients, processes(s, setups), {rate: 1000, ...opts.fixed, ...s.common});
        say(`${s.name}: round ${round + 1}: ${describeStep(step)}`);
        (s.result.rounds1k ??= []).push(step);
        if (!s.result.at1k || p99(step) < p99(s.result.at1k)) s.result.at1k = step;
      });
    }
  }
}

/*
 * Of two runs of a rung (the first was disturbed by other work): the one that held, if one did;
 * other work only ever slows a run down, so a rate held once was within the setup's reach.
 */
const heldOrLessDisturbed = (first, second) => (first.held !== second.held ? (first.held ? first : second) : lessDisturbed(first, second));

/** Other work used over a quarter of a core during a step (bench/load/steps.js retries at that). */
const disturbed = (step) => step.offered && step.otherCpu > 0.25 && !(step.backlogAfter > 0);

/**
 * The climb of every setup in `opts.climbs`, rung by rung: each rate runs on every setup still
 * climbing before the next rate. A setup stops at its first rate not held (bench/load/steps.js),
 * unless other work disturbed that rung: then it is tried once more after the other setups had
 * their turn, so that a climb does not end on someone else's build. `climb.bestStep` and
 * `climb.failedStep` are the runs kept for the highest rate held and the first not held.
 */
export async function climbInTurns(setups, opts) {
  const climbing = new Set(setups.filter((s) => s.live && opts.climbs.includes(s.name)));
  for (const s of climbing) s.result.climb = {best: null, stop: 'every rate tried was held', steps: []};
  const rung = async (s, rate, last) => {
    const c = s.result.climb;
    const tried = await climb(s.clients, processes(s, setups), {
      rates: [rate],
      keep: heldOrLessDisturbed,
      ...opts.ladder,
      ...s.common,
      onStep: (step) => say(`${s.name}: climb ${describeStep(step)}`),
    });
    const kept = tried.steps.at(-1);
    c.steps.push(...tried.steps);
    if (tried.best === rate) {
      c.best = rate;
      c.bestStep = kept;
      return true;
    }
    if (!last && kept && disturbed(kept)) return false;
    c.stop = tried.stop;
    c.failedStep = kept;
    climbing.delete(s);
    say(`${s.name}: highest rate held: ${c.best ?? 'none'} msg/s (${c.stop})`);
    return true;
  };
  for (const [round, rate] of opts.rates.entries()) {
    const again = [];
    for (const s of inTurn([...climbing], round)) {
      await guarded(s, async () => {
        if (!(await rung(s, rate, false))) again.push(s);
      });
      if (!s.live) climbing.delete(s);
    }
    for (const s of again.filter((x) => x.live)) {
      say(`${s.name}: ${rate} msg/s again, after the others' turn (other work disturbed it)`);
      await guarded(s, () => rung(s, rate, true));
      if (!s.live) climbing.delete(s);
    }
  }
  for (const s of climbing) say(`${s.name}: highest rate held: ${s.result.climb.best} msg/s (${s.result.climb.stop})`);
}
