/**
 * Named points where a test stops this process so that it can SIGKILL it exactly there (the
 * crash-recovery tests of restore use them; a random kill time finds a narrow window only by
 * luck). When the environment variable `DUAL_SQLITE_FAILPOINT` equals a point's name, the process
 * writes `failpoint <name>` to stderr and blocks its thread; if nobody kills it within 60 s it
 * exits with code 70, so a test that forgot to kill it does not hang. Otherwise a point costs one
 * environment read.
 */
import { writeSync } from 'node:fs';

/** Exit code of a process left standing at a failpoint for 60 s. */
export const FAILPOINT_EXIT_CODE = 70;

/** Stops here when `DUAL_SQLITE_FAILPOINT` names `name` (see the module comment). */
export function failpoint(name: string): void {
  if (process.env.DUAL_SQLITE_FAILPOINT !== name) return;
  writeSync(2, `failpoint ${name}\n`);
  // Blocks the thread (not just this async flow) so that nothing runs past the point before the kill.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
  process.exit(FAILPOINT_EXIT_CODE);
}
