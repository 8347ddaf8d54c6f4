/**
 * The waiting process of the lock-wait benchmark (lock-wait.ts), run as a child so that its
 * per-thread CPU time is the wait's alone. Usage: fork with args
 * <library root> <driver> <file> <waitMs> <handovers> <holds, ms, comma-separated>; it forks its
 * own lock holder, then:
 * 1. one long wait: the holder keeps the write lock for `waitMs` while this process's
 *    BEGIN IMMEDIATE waits; CPU time per thread (Linux schedstat) over the wait after its
 *    first {@link SKIP_MS};
 * 2. `handovers` short waits behind the given holds in turn: how long after the holder's
 *    COMMIT this process's BEGIN IMMEDIATE returned (the hand-over latency).
 * It prints one JSON line on stdout ({@link LockWaiterReport}).
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DriverName } from '../drivers/types.js';

/** The start of a wait is excluded from its CPU share: the first polls before it backs off, and V8 compiling. */
const SKIP_MS = 250;

/** What one waiter run reports. */
export interface LockWaiterReport {
  readonly waitedMs: number;
  /** On-CPU ms per wall ms over the measured window, main thread and every other thread. */
  readonly mainShare: number;
  readonly otherShare: number;
  /** The busiest other threads, by name, as shares of a core. */
  readonly others: Record<string, number>;
  /** Hand-over latencies (ms), the long wait's first. */
  readonly handoverMs: number[];
}

/** `.ts` under tsx, `.js` when compiled: the holder and the library are loaded in the same form. */
const EXT = extname(fileURLToPath(import.meta.url));
const HOLDER = fileURLToPath(new URL(`./lock-holder${EXT}`, import.meta.url));
const now = () => performance.timeOrigin + performance.now();

/** Each thread's on-CPU ns so far, by thread id (with its name). */
function threads(): Map<string, { name: string; runNs: number }> {
  const out = new Map<string, { name: string; runNs: number }>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const runNs = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      out.set(tid, { name: readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim(), runNs });
    } catch {
      /* the thread ended */
    }
  }
  return out;
}

async function main(): Promise<void> {
  const [root, driver, file, waitMs, handovers, holdList] = process.argv.slice(2) as [string, DriverName, string, string, string, string];
  const holds = holdList.split(',').map(Number);
  const { openDatabase } = (await import(pathToFileURL(`${root}/core/index${EXT}`).href)) as typeof import('../core/index.js');
  const db = await openDatabase(`file:${file}?_busy_timeout=60000&_synchronous=off`, { driver });
  await db.execute('create table if not exists counters (id integer primary key, n integer not null)');
  await db.execute('insert or ignore into counters (id, n) values (1, 0)');
  const holder = fork(HOLDER, [file, driver], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const reply = async () => ((await once(holder, 'message')) as [unknown])[0];
  await reply(); // ready
  // Warm up: JIT and the wasm module, outside any measured window.
  for (let i = 0; i < 20; i++) {
    await db.execute('begin immediate');
    await db.execute('commit');
  }

  const handoverMs: number[] = [];
  /** One wait of `holdMs` behind the holder; calls `beforeRelease` just before it lets go. */
  const waitBehind = async (holdMs: number, beforeRelease?: () => void) => {
    holder.send('hold');
    await reply(); // locked
    let releasedAt = Number.NaN;
    const releasing = sleep(holdMs).then(async () => {
      beforeRelease?.();
      holder.send('release');
      releasedAt = ((await reply()) as { releasedAt: number }).releasedAt;
    });
    await db.execute('begin immediate');
    const acquiredAt = now();
    await releasing;
    await db.execute('commit');
    handoverMs.push(acquiredAt - releasedAt);
  };

  let t0 = 0;
  let first = threads();
  let last = first;
  let windowMs = 0;
  const started = performance.now();
  setTimeout(() => {
    first = threads();
    t0 = performance.now();
  }, SKIP_MS);
  await waitBehind(Number(waitMs), () => {
    last = threads();
    windowMs = performance.now() - t0;
  });
  const waitedMs = performance.now() - started;
  const mainTid = String(process.pid);
  const share = (tid: string) => ((last.get(tid)?.runNs ?? 0) - (first.get(tid)?.runNs ?? 0)) / 1e6 / windowMs;
  const others: Record<string, number> = {};
  let otherShare = 0;
  for (const tid of last.keys()) {
    if (tid === mainTid) continue;
    const s = share(tid);
    otherShare += s;
    const name = last.get(tid)!.name;
    others[name] = (others[name] ?? 0) + s;
  }
  for (let i = 0; i < Number(handovers); i++) await waitBehind(holds[i % holds.length]!);
  holder.send('exit');
  await once(holder, 'exit');
  await db.close();
  const report: LockWaiterReport = { waitedMs, mainShare: share(mainTid), otherShare, others, handoverMs };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

await main();
