/**
 * A fixed-bucket, HDR-like latency histogram: log-linear buckets (64 linear
 * sub-buckets per power of two, so any reported percentile is within ~1.6 % of
 * the true value) over 1 ns .. ~2^40 ns (~18 min). Recording is a few float
 * operations and one typed-array increment: no allocation per call, so the
 * measurement does not add GC pressure to the system being measured.
 */

const SUB_BUCKETS = 64;
const MAX_EXPONENT = 40;
const BUCKET_COUNT = (MAX_EXPONENT + 1) * SUB_BUCKETS;

export class LatencyHistogram {
  private readonly counts = new Uint32Array(BUCKET_COUNT);
  private total = 0;
  private maxNs = 0;

  /** Records one latency, in nanoseconds (values below 1 ns count as 1 ns). */
  record(latencyNs: number): void {
    this.counts[bucketOf(latencyNs)]++;
    this.total++;
    if (latencyNs > this.maxNs) this.maxNs = latencyNs;
  }

  get count(): number {
    return this.total;
  }

  get maxMicros(): number {
    return this.maxNs / 1000;
  }

  /** The latency at quantile q (0 < q ≤ 1), in microseconds; 0 when empty. */
  percentileMicros(q: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKET_COUNT; i++) {
      seen += this.counts[i];
      if (seen >= rank) return Math.min(bucketMidNs(i), this.maxNs) / 1000;
    }
    return this.maxNs / 1000;
  }

  reset(): void {
    this.counts.fill(0);
    this.total = 0;
    this.maxNs = 0;
  }
}

function bucketOf(latencyNs: number): number {
  const v = Math.max(latencyNs, 1);
  const exponent = Math.min(MAX_EXPONENT, Math.floor(Math.log2(v)));
  const base = 2 ** exponent;
  const sub = Math.min(SUB_BUCKETS - 1, Math.floor(((v - base) / base) * SUB_BUCKETS));
  return exponent * SUB_BUCKETS + sub;
}

/** The middle of a bucket's range, in nanoseconds. */
function bucketMidNs(index: number): number {
  const exponent = Math.floor(index / SUB_BUCKETS);
  const sub = index % SUB_BUCKETS;
  const base = 2 ** exponent;
  return base + ((sub + 0.5) * base) / SUB_BUCKETS;
}
