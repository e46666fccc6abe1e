// Latency histogram in microseconds that load-client processes fill and the parent merges.
// Exact below 256 µs, then 128 sub-buckets per power of two (under 1% error): percentiles of a
// merged histogram are as good as of one big array, and nothing grows with the message count.

const SUB = 128;
const LINEAR = 256;
const MAX_US = 2 ** 31 - 1; // ~35 minutes: anything slower is "never" for this harness
export const SIZE = LINEAR + 24 * SUB;

function bucketOf(us) {
  if (us < LINEAR) return us;
  const shift = 31 - Math.clz32(us) - 7; // so that us >>> shift lies in [128, 255]
  return LINEAR + (shift - 1) * SUB + ((us >>> shift) - SUB);
}

/** The middle of a bucket, in µs (its value when reporting). */
function valueOf(index) {
  if (index < LINEAR) return index;
  const shift = Math.floor((index - LINEAR) / SUB) + 1;
  const sub = ((index - LINEAR) % SUB) + SUB;
  return sub * 2 ** shift + 2 ** (shift - 1); // multiply: a shift would overflow 32 bits
}

export class Histogram {
  constructor() {
    this.counts = new Uint32Array(SIZE);
    this.n = 0;
    this.maxUs = 0;
    /** Samples below zero: the send stamp was later than the receive stamp (clock skew). */
    this.negative = 0;
  }

  record(us) {
    if (us < 0) {
      this.negative++;
      us = 0;
    }
    us = us > MAX_US ? MAX_US : Math.round(us);
    this.counts[bucketOf(us)]++;
    this.n++;
    if (us > this.maxUs) this.maxUs = us;
  }

  /** Sparse form for IPC: only the buckets in use. */
  toJSON() {
    const sparse = [];
    for (let i = 0; i < SIZE; i++) if (this.counts[i] !== 0) sparse.push(i, this.counts[i]);
    return {sparse, n: this.n, maxUs: this.maxUs, negative: this.negative};
  }

  static from(json) {
    const h = new Histogram();
    h.merge(json);
    return h;
  }

  merge(json) {
    for (let i = 0; i < json.sparse.length; i += 2) this.counts[json.sparse[i]] += json.sparse[i + 1];
    this.n += json.n;
    this.negative += json.negative;
    if (json.maxUs > this.maxUs) this.maxUs = json.maxUs;
    return this;
  }

  /**
   * The p-th percentile in ms. `missing` messages (sent, never received) count as infinitely
   * slow, so a server that drops or never delivers cannot look fast.
   */
  percentileMs(p, missing = 0) {
    const total = this.n + missing;
    if (total === 0) return null;
    const rank = Math.max(1, Math.ceil((p / 100) * total));
    if (rank > this.n) return Infinity;
    let seen = 0;
    for (let i = 0; i < SIZE; i++) {
      seen += this.counts[i];
      if (seen >= rank) return Math.min(valueOf(i), this.maxUs) / 1000;
    }
    return this.maxUs / 1000;
  }
}
