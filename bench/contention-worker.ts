/**
 * One writer process of the contention workload (forked by `contention.ts`). It opens its
 * contender on the shared file, reports ready, waits for "go", then runs read-then-write
 * transactions until the deadline, yielding to the event loop between them as a server would,
 * and reports what its callers saw.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setImmediate as yieldLoop, setTimeout as sleep } from 'node:timers/promises';
import { contenderById, type Session } from './contenders.js';

/** What one writer reports back. */
export interface WorkerReport {
  readonly commits: number;
  /** Errors reaching the caller that are SQLITE_BUSY / "database is locked". */
  readonly busy: number;
  readonly otherErrors: number;
  readonly firstOtherError?: string;
  /** Longest event-loop delay seen while writing, in milliseconds. */
  readonly maxStallMs: number;
  /** SQLITE_BUSY errors while opening (before the timed phase; the harness retried them). */
  readonly openBusy: number;
}

/** True when `error` (or a cause in its chain) is SQLite's busy/locked condition. */
export function isBusy(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = String((e as { code?: unknown }).code ?? '');
    const message = String((e as { message?: unknown }).message ?? '');
    if (code.startsWith('SQLITE_BUSY') || /database is locked|SQLITE_BUSY/i.test(message)) return true;
  }
  return false;
}

/**
 * Opens the contender and runs one query (Kysely dialects open lazily, on the first query),
 * retrying while another writer holds the lock, and counts those SQLITE_BUSY errors: the timed
 * phase measures steady-state transactions, the count shows who cannot even open under load.
 */
async function openWithRetry(contenderId: string, file: string): Promise<{ session: Session; openBusy: number }> {
  const until = performance.now() + 15_000;
  let openBusy = 0;
  let session: Session | undefined;
  for (;;) {
    try {
      session ??= await contenderById(contenderId).open(file);
      await session.selectCompiled(1);
      return { session, openBusy };
    } catch (error) {
      // node-sqlite3-wasm reports a statement whose last step was busy as "Could not reset".
      if (!(isBusy(error) || /could not reset statement/i.test(String(error))) || performance.now() > until) throw error;
      openBusy++;
      await sleep(10);
    }
  }
}

async function main(): Promise<void> {
  const [contenderId, file, workerIndex] = process.argv.slice(2);
  const { session, openBusy } = await openWithRetry(contenderId!, file!);
  const go = new Promise<number>((resolve) => process.once('message', (m) => resolve((m as { durationMs: number }).durationMs)));
  process.send!({ ready: true });
  const durationMs = await go;

  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  let commits = 0;
  let busy = 0;
  let otherErrors = 0;
  let firstOtherError: string | undefined;
  let errorsLogged = 0;
  const base = Number(workerIndex) * 1_000_000_000;
  const deadline = performance.now() + durationMs;
  while (performance.now() < deadline) {
    try {
      await session.writeTx(base + commits);
      commits++;
    } catch (error) {
      if (process.env.BENCH_DEBUG && errorsLogged++ < 8) console.error(`[${workerIndex}]`, (error as Error).message);
      if (isBusy(error)) busy++;
      else {
        otherErrors++;
        firstOtherError ??= String((error as Error)?.message ?? error);
      }
    }
    await yieldLoop();
  }
  delay.disable();
  await session.close();
  const report: WorkerReport = { commits, busy, otherErrors, firstOtherError, maxStallMs: delay.max / 1e6, openBusy };
  process.send!({ report }, () => process.exit(0));
}

await main();
