/**
 * The calling thread's own clock from the Linux scheduler (/proc/thread-self/schedstat): time it
 * ran on a CPU and time it sat runnable waiting for one. Timing tests compare these instead of
 * wall time, because on a loaded machine (2 cores shared by several test runs) the wall clock
 * mostly measures other processes: a 5 ms timer was seen to fire 240 ms late with the thread
 * doing nothing wrong. On systems without schedstat both read 0 and callers fall back to wall
 * time (see {@link hasSchedstat}).
 */
import { readFileSync } from 'node:fs';

/** On-CPU and run-queue time of the calling thread so far, in ms. */
export interface SchedTimes {
  /** Time spent running on a CPU. */
  readonly runMs: number;
  /** Time spent runnable but waiting for a CPU (load from other processes). */
  readonly waitMs: number;
}

const ZERO: SchedTimes = { runMs: 0, waitMs: 0 };

/** Reads the calling thread's scheduler times; zeros where /proc is not available. */
export function schedTimes(): SchedTimes {
  try {
    const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ');
    return { runMs: Number(run) / 1e6, waitMs: Number(wait) / 1e6 };
  } catch {
    return ZERO;
  }
}

/** True where {@link schedTimes} reports real figures. */
export const hasSchedstat = schedTimes().runMs > 0;
