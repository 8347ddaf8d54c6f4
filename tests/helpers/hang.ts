/**
 * Hang detectors for tests that wait on child processes. They bound how long a wait may take
 * before it counts as hung, not how fast the machine is: on the shared 2-core machine at load 40
 * starting one `node --import tsx` child took over 30 s with nothing wrong.
 */
import { availableParallelism, loadavg } from 'node:os';

/** Wall-clock limit for one spawnSync'ed child that normally takes seconds (a hang detector). */
export const SPAWN_HANG_MS = Number(process.env.TEST_SPAWN_HANG_MS ?? 600_000);

const cores = availableParallelism();

/**
 * Calls `onTimeout` once `ms` of "unloaded" time has passed: each second counts as much of a
 * second as the machine had CPU to spare (cores over the 1-minute load average). A hard cap of
 * 20 x `ms` of wall time still catches a hang on a machine that never calms down. Returns a
 * function that cancels it.
 */
export function loadAwareTimeout(ms: number, onTimeout: () => void): () => void {
  const started = Date.now();
  let spent = 0;
  let last = started;
  const tick = Math.max(10, Math.min(1000, ms / 10));
  const timer = setInterval(() => {
    const now = Date.now();
    spent += (now - last) * Math.min(1, cores / Math.max(loadavg()[0], 0.01));
    last = now;
    if (spent >= ms || now - started >= 20 * ms) {
      clearInterval(timer);
      onTimeout();
    }
  }, tick);
  timer.unref?.();
  return () => clearInterval(timer);
}
