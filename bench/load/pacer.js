// Sends at a steady rate from one process: every few ms it sends what is due since the start,
// so the rate holds whatever the timer jitter. A process that falls behind does not catch up in
// a burst (that would break the hub's per-visitor message limit and measure the backlog, not the
// server); it skips, and says so: that is how "the load clients could not keep up" is detected.

import {nowMs, nowUs} from './clock.js';

const TICK_MS = 4;
/** Falling more than this far behind schedule counts as the client not keeping up. */
const MAX_BEHIND_MS = 50;

/**
 * Runs from `startAt` to `endAt` (epoch ms) at `rate` per second. `send(stampUs)` sends one
 * message stamped `stampUs` and returns false when it had nobody to send from. `inWindow(ms)`
 * tells which sends are measured; receivers apply it to the same stamp, so counts agree.
 */
export function pace({startAt, endAt, rate, send, inWindow}) {
  return new Promise((resolve) => {
    const stats = {scheduled: 0, sent: 0, skipped: 0, unsent: 0, lateTicks: 0, maxLagMs: 0, ticks: 0};
    if (rate <= 0) {
      setTimeout(() => resolve(stats), Math.max(0, endAt - nowMs()));
      return;
    }
    const maxBurst = Math.max(1, Math.ceil((rate * MAX_BEHIND_MS) / 1000));
    let issued = 0;
    let last = 0;
    const tick = () => {
      const now = Math.min(nowMs(), endAt);
      if (last !== 0) {
        // How late this tick ran: a busy event loop in the client shows up here.
        const lag = now - last - TICK_MS;
        if (inWindow(now)) {
          stats.ticks++;
          if (lag > stats.maxLagMs) stats.maxLagMs = lag;
          if (lag > 20) stats.lateTicks++;
        }
      }
      last = now;
      if (now >= startAt) {
        let due = Math.floor(((now - startAt) / 1000) * rate) - issued;
        if (due > maxBurst) {
          if (inWindow(now)) stats.skipped += due - maxBurst;
          issued += due - maxBurst;
          due = maxBurst;
        }
        for (let i = 0; i < due; i++) {
          issued++;
          const stamp = nowUs();
          const measured = inWindow(stamp / 1000);
          if (measured) stats.scheduled++;
          if (!send(stamp)) {
            if (measured) stats.unsent++;
          } else if (measured) stats.sent++;
        }
      }
      if (now >= endAt) resolve(stats);
      else setTimeout(tick, TICK_MS);
    };
    setTimeout(tick, Math.max(0, startAt - nowMs() - TICK_MS));
  });
}
