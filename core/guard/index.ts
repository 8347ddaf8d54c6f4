/**
 * Cross-process guard factory. TEMPORARY no-op placeholder so `core/` can be wired before the
 * guard (issue 5) lands; it is replaced by the real implementation and must not ship as is.
 */
import type { GuardTarget, LockGuard } from './types.js';
export type { GuardTarget, LockGuard } from './types.js';

/** Creates the guard for one file database opened by this process. */
export function createGuard(_target: GuardTarget): LockGuard {
  return { enter() {}, exit() {}, recoverStaleLock: () => false, release() {} };
}
