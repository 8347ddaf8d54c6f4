/**
 * The contention workload: 4 real processes doing read-then-write transactions on one file, for
 * one contender at a time. Reports commits, SQLITE_BUSY errors reaching callers, other errors,
 * the longest event-loop stall of each process, and whether the file adds up afterwards (the
 * counter equals the commits acknowledged, integrity_check is ok).
 */
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Contender } from './contenders.js';
import type { WorkerReport } from './contention-worker.js';

const require = createRequire(import.meta.url);
/** The writer module next to this one: `.ts` under tsx, `.js` when compiled (npm test runs it so). */
const WORKER = fileURLToPath(new URL(`./contention-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

/** Writer processes per contender. */
export const PROCESSES = 4;

/** The outcome of one contender's contention run. */
export interface ContentionResult {
  readonly contender: string;
  readonly seconds: number;
  readonly commits: number;
  readonly busy: number;
  readonly otherErrors: number;
  readonly firstOtherError?: string;
  readonly maxStallMs: number[];
  /** SQLITE_BUSY errors the writers met while opening, before the timed phase. */
  readonly openBusy: number;
  /** Counter value and event rows found in the file; both must equal `commits`. */
  readonly counter: number;
  readonly events: number;
  readonly integrity: string;
}

function spawnWorker(c: Contender, file: string, index: number) {
  const child = fork(WORKER, [c.id, file, String(index)], {
    // This process's Node options (`--import tsx` when it runs the .ts), plus BENCH_WORKER_NODE_ARGS,
    // e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", which profiles the writers.
    execArgv: [...process.execArgv, ...(process.env.BENCH_WORKER_NODE_ARGS?.split(' ').filter(Boolean) ?? [])],
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  // Keep only the tail of stderr: node-sqlite3-wasm errors print a whole minified source line.
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
    if (process.env.BENCH_DEBUG) process.stderr.write(d);
  });
  const lastError = () => /^\w*Error:.*$/m.exec(stderr)?.[0]?.slice(0, 120) ?? `exit without report`;
  let onReady: () => void;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const report = new Promise<WorkerReport>((resolve, reject) => {
    child.on('message', (m) => {
      const r = (m as { report?: WorkerReport }).report;
      if (r) resolve(r);
      else onReady();
    });
    child.once('exit', (code) => reject(new Error(`${c.id} writer ${index} exited (${code}): ${lastError()}`)));
  });
  return { child, ready: Promise.race([ready, report.then(() => undefined)]), report };
}

/** Reads back what the writers left in `file` (they have all exited, so any driver may read). */
function audit(file: string): { counter: number; events: number; integrity: string } {
  const Database = require('better-sqlite3');
  const db = new Database(file, { readonly: true });
  try {
    const counter = (db.prepare('select n from counters where id = 1').get() as { n: number }).n;
    // The template has no events; every event row was appended by a committed writeTx.
    const events = (db.prepare('select count(*) as c from events').get() as { c: number }).c;
    const integrity = (db.prepare('pragma integrity_check').get() as { integrity_check: string }).integrity_check;
    return { counter, events, integrity };
  } finally {
    db.close();
  }
}

/** Runs {@link PROCESSES} writers of contender `c` on `file` for `durationMs`. */
export async function runContention(c: Contender, file: string, durationMs: number): Promise<ContentionResult> {
  const workers = Array.from({ length: PROCESSES }, (_, i) => spawnWorker(c, file, i));
  try {
    await Promise.all(workers.map((w) => w.ready));
  } catch (error) {
    for (const w of workers) w.child.kill('SIGKILL');
    await Promise.allSettled(workers.map((w) => w.report));
    throw error;
  }
  const t0 = performance.now();
  for (const w of workers) w.child.send({ durationMs });
  const reports = await Promise.all(workers.map((w) => w.report));
  const seconds = (performance.now() - t0) / 1000;
  const sum = (k: 'commits' | 'busy' | 'otherErrors' | 'openBusy') => reports.reduce((a, r) => a + r[k], 0);
  return {
    contender: c.id,
    seconds,
    commits: sum('commits'),
    busy: sum('busy'),
    otherErrors: sum('otherErrors'),
    firstOtherError: reports.find((r) => r.firstOtherError)?.firstOtherError,
    maxStallMs: reports.map((r) => r.maxStallMs),
    openBusy: sum('openBusy'),
    ...audit(file),
  };
}
