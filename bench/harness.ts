/**
 * Timing loops. A slice runs one contender on one workload for a fixed wall time; rounds of
 * slices alternate the contenders so drift on a shared machine (other processes, thermal, page
 * cache) hits every contender alike instead of whichever ran last.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** What one slice measured. */
export interface SliceResult {
  readonly ops: number;
  readonly seconds: number;
  /** Per-operation latencies in microseconds (batch means for tight loops). */
  readonly latencyUs: number[];
}

const now = () => performance.now();

/**
 * Runs `op` in timed batches of `batch` calls until `sliceMs` has passed and at least
 * `minBatches` batches ran. Sync contenders are called without `await`: awaiting a plain value
 * costs a microtask turn the raw drivers do not pay in real use.
 */
export async function opSlice(
  op: (k: number) => unknown,
  sync: boolean,
  batch: number,
  sliceMs: number,
  minBatches: number,
): Promise<SliceResult> {
  const latencyUs: number[] = [];
  let ops = 0;
  const start = now();
  let elapsed = 0;
  while (elapsed < sliceMs || latencyUs.length < minBatches) {
    const t0 = now();
    if (sync) {
      for (let i = 0; i < batch; i++) op(ops + i);
    } else {
      for (let i = 0; i < batch; i++) await op(ops + i);
    }
    const t1 = now();
    ops += batch;
    latencyUs.push(((t1 - t0) * 1000) / batch);
    elapsed = t1 - start;
  }
  return { ops, seconds: elapsed / 1000, latencyUs };
}

/**
 * Runs `tasks` concurrent async loops calling `op` until `sliceMs` has passed. Latency is per
 * operation and includes the time spent queued behind the other tasks, which is what a request
 * handler would see.
 */
export async function concurrentSlice(
  op: (k: number) => unknown,
  tasks: number,
  sliceMs: number,
): Promise<SliceResult> {
  const latencyUs: number[] = [];
  let next = 0;
  const start = now();
  const deadline = start + sliceMs;
  const task = async () => {
    while (now() < deadline) {
      const k = next++;
      const t0 = now();
      await op(k);
      // Keep at most ~1 sample in 4 so a long slice does not grow an unbounded array.
      if ((k & 3) === 0) latencyUs.push((now() - t0) * 1000);
    }
  };
  await Promise.all(Array.from({ length: tasks }, task));
  return { ops: next, seconds: (now() - start) / 1000, latencyUs };
}

let gcFn: (() => void) | undefined;
/** Collects garbage between slices so one contender's garbage is not collected on another's time. */
export function collectGarbage(): void {
  if (!gcFn) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  gcFn();
}
