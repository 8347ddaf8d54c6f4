/**
 * Detects that this thread's event loop has not turned for a while. A FIFO hand-off resolves a
 * promise, and with the drivers being synchronous a queue of tasks that only talk to the
 * database runs entirely as microtasks: timers, I/O and other callbacks then wait until the
 * whole queue drains (the demo measured 1.5 s stalls). The lock uses this to hand on through
 * `setImmediate` once the current slice is long, which lets the loop turn without giving up the
 * queue's order.
 */

/** Longest run of hand-offs (ms) before the loop is given a turn. */
export const SLICE_MS = 10;

let probePending = false;
let sliceStart = 0;

function onProbe(): void {
  probePending = false;
}

/**
 * True when the event loop has not turned for more than {@link SLICE_MS}. Each call that finds
 * no probe pending starts a new slice and schedules a probe (`setImmediate`), which runs as soon
 * as the loop turns.
 */
export function loopStarved(): boolean {
  const now = performance.now();
  if (!probePending) {
    probePending = true;
    sliceStart = now;
    setImmediate(onProbe);
    return false;
  }
  return now - sliceStart > SLICE_MS;
}
