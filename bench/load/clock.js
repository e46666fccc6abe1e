// One clock for every process of a run. performance.timeOrigin + performance.now() is wall time
// taken once at process start and advanced by a monotonic clock, so stamps made in different
// processes on one machine can be subtracted (the parent measures the skew and prints it).

/** Now, in ms since the epoch, with sub-ms precision. */
export function nowMs() {
  return performance.timeOrigin + performance.now();
}

/** Now, in whole µs since the epoch: what goes into message texts (16 digits, exact in a double). */
export function nowUs() {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
