/**
 * Named points where a test stops this process so that it can SIGKILL it exactly there (the
 * crash-recovery tests of restore use them; a random kill time finds a narrow window only by
 * luck). When the environment variable `DUAL_SQLITE_FAILPOINT` equals a point's name, the process
 * writes `failpoint <name>` to stderr and blocks its thread; if nobody kills it within 60 s it
 * exits with code 70, so a test that forgot to kill it does not hang. Otherwise a point costs one
 * environment read.
 */
import { existsSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Exit code of a process left standing at a failpoint for 60 s. */
export const FAILPOINT_EXIT_CODE = 70;

/** Stops here when `DUAL_SQLITE_FAILPOINT` names `name` (see the module comment). */
export function failpoint(name: string): void {
  if (process.env.DUAL_SQLITE_FAILPOINT !== name) return;
  writeSync(2, `failpoint ${name}\n`);
  // Blocks the thread (not just this async flow) so that nothing runs past the point before the
  // kill, nor any signal handler: a signal sent meanwhile is queued, as during a long synchronous
  // step (a copy, an integrity_check). With DUAL_SQLITE_FAILPOINT_RELEASE=<file> it goes on once
  // that file exists (a count of polls, not a clock, as in failpointAsync).
  const release = process.env.DUAL_SQLITE_FAILPOINT_RELEASE;
  const cell = new Int32Array(new SharedArrayBuffer(4));
  for (let polls = 0; polls < 6000; polls++) {
    if (release && existsSync(release)) return;
    Atomics.wait(cell, 0, 0, 10);
  }
  process.exit(FAILPOINT_EXIT_CODE);
}

/**
 * The same point for code that awaits anyway, parked with the event loop running, so that the
 * process's signal handlers run while it stands there (the tests of an interrupted restore send
 * it a real SIGINT there). With `DUAL_SQLITE_FAILPOINT_RELEASE=<file>` it goes on once that file
 * exists (the test creates it after the signal was handled); without, it waits to be killed like
 * {@link failpoint}. Exits with {@link FAILPOINT_EXIT_CODE} after 60 s either way.
 */
export async function failpointAsync(name: string): Promise<void> {
  if (process.env.DUAL_SQLITE_FAILPOINT !== name) return;
  writeSync(2, `failpoint ${name}\n`);
  const release = process.env.DUAL_SQLITE_FAILPOINT_RELEASE;
  // a count of polls, not a clock: a test's process parked under load stays parked
  for (let polls = 0; polls < 6000; polls++) {
    if (release && existsSync(release)) return;
    await sleep(10);
  }
  process.exit(FAILPOINT_EXIT_CODE);
}
