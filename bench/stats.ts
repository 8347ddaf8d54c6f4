/**
 * Small order statistics for benchmark samples. Rounds are few (3-15), so exact sorting is
 * cheaper and clearer than any streaming estimator.
 */

/** The q-quantile (0..1) of `values` by linear interpolation; NaN for an empty list. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** The median of `values`. */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Summary of per-round throughputs and per-operation latencies of one contender on one workload. */
export interface Summary {
  /** Median over rounds of operations per second. */
  readonly opsPerSec: number;
  /** 25th and 75th percentile over rounds of operations per second. */
  readonly p25: number;
  readonly p75: number;
  /** Slowest and fastest round. */
  readonly min: number;
  readonly max: number;
  /** Median latency of one operation in microseconds (from timed batches). */
  readonly medianUs: number;
  readonly rounds: number;
}

/** Builds a {@link Summary} from per-round throughputs and per-op latency samples (us). */
export function summarize(roundOpsPerSec: readonly number[], latencyUs: readonly number[]): Summary {
  return {
    opsPerSec: median(roundOpsPerSec),
    p25: quantile(roundOpsPerSec, 0.25),
    p75: quantile(roundOpsPerSec, 0.75),
    min: Math.min(...roundOpsPerSec),
    max: Math.max(...roundOpsPerSec),
    medianUs: median(latencyUs),
    rounds: roundOpsPerSec.length,
  };
}

/** A seeded xorshift32 generator, so every contender reads the same id sequence. */
export function seededIds(count: number, maxId: number, seed = 0x9e3779b9): Int32Array {
  const out = new Int32Array(count);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = (x % maxId) + 1;
  }
  return out;
}
