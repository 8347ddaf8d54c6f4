/**
 * What read spans cost another process's writer: one reader process runs bursts of sequential
 * point SELECTs (see span-reader.ts) while this process commits small write transactions
 * (BEGIN IMMEDIATE, UPDATE, COMMIT, then a 1 ms pause; `synchronous=off`, so the time is lock
 * waits and work, not fsync) and times each one from BEGIN to COMMIT.
 * Phases alternate the reader's spans off and on, so drift on a shared machine hits both; the
 * extra wait is the writer's latency percentile with spans on minus the same with spans off.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase } from '../core/index.js';
import type { DriverName } from '../drivers/types.js';

const READER = fileURLToPath(new URL('./span-reader.ts', import.meta.url));
/** Reads per burst (one macrotask) in the reader. */
export const BURST = 50;

/** Writer latencies (ms) and reader throughput for one mode. */
export interface SpanWaitMode {
  readonly writes: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly readsPerSec: number;
}

/** The outcome on one driver. */
export interface SpanWaitResult {
  readonly driver: DriverName;
  readonly off: SpanWaitMode;
  readonly on: SpanWaitMode;
  /** Writer latency with spans minus without, at the median and the 99th percentile (ms). */
  readonly extraP50Ms: number;
  readonly extraP99Ms: number;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;

async function phase(file: string, driver: DriverName, spans: boolean, ms: number, into: { lat: number[]; reads: number; seconds: number }): Promise<void> {
  const child = fork(READER, [file, driver, spans ? '1' : '0', String(BURST)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((_, reject) => child.once('exit', (code) => reject(new Error(`span reader exited (${code})`))));
  await Promise.race([new Promise((resolve) => child.once('message', resolve)), exited]);
  // synchronous=off: the commit's fsync is not what spans change, and on a shared disk its noise
  // would drown the lock waits this measures.
  const db = await openDatabase(`file:${file}?_busy_timeout=60000&_synchronous=off`, { driver });
  // Let the reader reach its steady state before timing.
  await sleep(100);
  const t0 = performance.now();
  const until = t0 + ms;
  let n = 0;
  while (performance.now() < until) {
    const started = performance.now();
    await db.execute('begin immediate');
    await db.execute('update counters set n = n + 1 where id = 1');
    await db.execute('commit');
    into.lat.push(performance.now() - started);
    n++;
    await sleep(1);
  }
  const seconds = (performance.now() - t0) / 1000;
  const report = new Promise<{ reads: number }>((resolve) => child.on('message', (m) => resolve(m as { reads: number })));
  child.send('stop');
  const { reads } = (await Promise.race([report, exited])) as { reads: number };
  into.reads += reads;
  into.seconds += seconds + 0.1;
  await db.close();
}

function summarizeMode(m: { lat: number[]; reads: number; seconds: number }): SpanWaitMode {
  const sorted = [...m.lat].sort((a, b) => a - b);
  return { writes: sorted.length, p50Ms: pct(sorted, 50), p99Ms: pct(sorted, 99), maxMs: sorted.at(-1) ?? NaN, readsPerSec: m.reads / m.seconds };
}

/** Runs `phases` alternating phases (off, on, off, on...) of `phaseMs` each on `file`. */
export async function runSpanWait(file: string, driver: DriverName, phaseMs: number, phases = 4): Promise<SpanWaitResult> {
  const off = { lat: [] as number[], reads: 0, seconds: 0 };
  const on = { lat: [] as number[], reads: 0, seconds: 0 };
  for (let i = 0; i < phases; i++) await phase(file, driver, i % 2 === 1, phaseMs, i % 2 === 1 ? on : off);
  const a = summarizeMode(off);
  const b = summarizeMode(on);
  return { driver, off: a, on: b, extraP50Ms: b.p50Ms - a.p50Ms, extraP99Ms: b.p99Ms - a.p99Ms };
}
