/**
 * What waiting for another process's lock costs the waiter: CPU time while it waits, and how
 * long after the other process's COMMIT it gets the lock (hand-over latency). Each run is a
 * child process (lock-waiter.ts, with its own lock holder) so that per-thread CPU time is the
 * wait's alone. With `BENCH_COMPARE=<another checkout>` the other tree's library waits too, in
 * alternating runs, so before and after stand side by side from one run of the machine.
 */
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { DriverName } from '../drivers/types.js';
import type { LockWaiterReport } from './lock-waiter.js';

/** Hold lengths of the hand-over rounds, in turn (ms): short waits and waits past any back-off. */
export const HOLDS_MS = [5, 20, 50, 100, 200, 400, 800] as const;

/** The waiter module next to this one: `.ts` under tsx, `.js` when compiled (as npm test runs the bench). */
const WAITER = fileURLToPath(new URL(`./lock-waiter${extname(fileURLToPath(import.meta.url))}`, import.meta.url));
const HERE = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** The outcome of one library tree on one driver. */
export interface LockWaitResult {
  readonly driver: DriverName;
  /** `ours`, or `ours@compare` for the BENCH_COMPARE tree. */
  readonly tree: string;
  readonly runs: number;
  /** Median over runs of the main thread's share of a core while waiting (after the first 250 ms). */
  readonly mainShare: number;
  /** Median over runs of all other threads' share (V8's compiler and GC helpers). */
  readonly otherShare: number;
  /** Hand-over latency after the long wait, median over runs (ms). */
  readonly longHandoverMs: number;
  /** Hand-over latency over the short holds of every run (ms). */
  readonly handoverP50Ms: number;
  readonly handoverP99Ms: number;
  readonly handoverMaxMs: number;
  readonly handovers: number;
  /** Median hand-over latency per hold length of {@link HOLDS_MS}, in that order (ms). */
  readonly p50ByHoldMs: number[];
}

const pct = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
const median = (xs: readonly number[]) => pct([...xs].sort((a, b) => a - b), 50);

/**
 * Runs `runs` waiters per tree on `driver`, trees alternating: each waits `waitMs` once, then
 * `handovers` times behind holds of lock-waiter.ts's HOLDS_MS.
 */
export async function runLockWait(dir: string, driver: DriverName, waitMs: number, handovers: number, runs: number, compare?: string): Promise<LockWaitResult[]> {
  const trees = [{ tree: 'ours', root: HERE }, ...(compare ? [{ tree: 'ours@compare', root: resolve(compare) }] : [])];
  const reports = new Map<string, LockWaiterReport[]>(trees.map((t) => [t.tree, []]));
  mkdirSync(dir, { recursive: true });
  for (let run = 0; run < runs; run++) {
    for (let i = 0; i < trees.length; i++) {
      const t = trees[(i + run) % trees.length]!;
      const file = join(dir, `${driver}-${t.tree}-${run}.db`);
      const { stdout } = await promisify(execFile)(process.execPath, [...process.execArgv, WAITER, t.root, driver, file, String(waitMs), String(handovers), HOLDS_MS.join(',')], { maxBuffer: 1 << 20 });
      reports.get(t.tree)!.push(JSON.parse(stdout.trim().split('\n').pop()!) as LockWaiterReport);
    }
  }
  return trees.map(({ tree }) => {
    const r = reports.get(tree)!;
    const short = r.flatMap((x) => x.handoverMs.slice(1)).sort((a, b) => a - b);
    return {
      driver,
      tree,
      runs: r.length,
      mainShare: median(r.map((x) => x.mainShare)),
      otherShare: median(r.map((x) => x.otherShare)),
      longHandoverMs: median(r.map((x) => x.handoverMs[0]!)),
      handoverP50Ms: pct(short, 50),
      handoverP99Ms: pct(short, 99),
      handoverMaxMs: short[short.length - 1] ?? Number.NaN,
      handovers: short.length,
      p50ByHoldMs: HOLDS_MS.map((_, h) => median(r.flatMap((x) => x.handoverMs.slice(1).filter((_, i) => i % HOLDS_MS.length === h)))),
    };
  });
}

/** The lock-wait table: one row per driver and tree. */
export function lockWaitTable(results: readonly LockWaitResult[]): string {
  const pctOf = (x: number) => `${(x * 100).toFixed(1)} %`;
  const lines = [
    `| driver | library | CPU while waiting: main thread / other threads (share of a core) | hand-over after the long wait, ms | hand-over p50 / p99 / max ms (holds of ${HOLDS_MS.join(', ')} ms) | hand-over p50 per hold, ms |`,
    '| --- | --- | ---: | ---: | ---: | ---: |',
  ];
  for (const r of results) {
    lines.push(`| ${r.driver} | ${r.tree} | ${pctOf(r.mainShare)} / ${pctOf(r.otherShare)} | ${r.longHandoverMs.toFixed(1)} | ${r.handoverP50Ms.toFixed(1)} / ${r.handoverP99Ms.toFixed(1)} / ${r.handoverMaxMs.toFixed(1)} (${r.handovers}) | ${r.p50ByHoldMs.map((x) => x.toFixed(1)).join(' / ')} |`);
  }
  return lines.join('\n');
}
