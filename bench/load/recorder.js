// The receiving half of a load client: latency of the other side's messages, counted only for
// those stamped inside the measured window, plus what arrived during it (the delivered rate) and
// the error frames the server sent (a refused message is never delivered; this says why).

import {monitorEventLoopDelay} from 'node:perf_hooks';
import {nowMs, nowUs} from './clock.js';
import {Histogram} from './histogram.js';
import {stampAfter} from './frames.js';

export class Recorder {
  constructor(mark) {
    this.mark = mark;
    /** Since the process started: what the parent watches to see a backlog drain. */
    this.sentTotal = 0;
    this.receivedTotal = 0;
    this.window(0, 0);
  }

  /** Starts measuring messages stamped in [startMs, endMs); forgets the previous window. */
  window(startMs, endMs) {
    this.startUs = startMs * 1000;
    this.endUs = endMs * 1000;
    this.hist = new Histogram();
    this.delivered = 0;
    this.errors = {};
    // CPU this client used during the window (the clients share the server's cores), and how
    // late its event loop ran: a client that is itself late receiving inflates the latencies.
    this.cpu = {start: undefined, used: 0};
    this.loop = monitorEventLoopDelay({resolution: 5});
    clearTimeout(this.cpuTimer);
    if (endMs > startMs) {
      const {cpu, loop} = this;
      this.cpuTimer = setTimeout(() => {
        cpu.start = process.cpuUsage();
        loop.enable();
        this.cpuTimer = setTimeout(() => {
          const d = process.cpuUsage(cpu.start);
          cpu.used = (d.user + d.system) / 1e6;
          loop.disable();
        }, endMs - startMs);
      }, Math.max(0, startMs - nowMs()));
    }
  }

  /** An `ev` frame arrived: a sample when it carries the other side's stamp. */
  onEvent(buf) {
    const stamp = stampAfter(buf, this.mark);
    if (stamp < 0) return;
    this.receivedTotal++;
    const now = nowUs();
    if (stamp >= this.startUs && stamp < this.endUs) this.hist.record(now - stamp);
    if (now >= this.startUs && now < this.endUs) this.delivered++;
  }

  onError(buf) {
    let code = 'unparsable';
    try {
      code = JSON.parse(buf.toString()).code ?? 'none';
    } catch {
      // counted as unparsable
    }
    this.errors[code] = (this.errors[code] ?? 0) + 1;
  }

  /** The window's figures, for the parent to merge. */
  collect() {
    // The monitor counts its own 5 ms sampling interval in; what is beyond it is lateness.
    const late = (ns) => (this.loop.count ? Math.max(0, ns / 1e6 - 5) : 0);
    return {
      hist: this.hist.toJSON(),
      delivered: this.delivered,
      errors: this.errors,
      cpuSeconds: this.cpu.used,
      loopDelayMs: {p99: late(this.loop.percentile(99)), max: late(this.loop.max)},
    };
  }
}
