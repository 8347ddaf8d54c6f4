/**
 * The contract between the connection code in `core/` and the cross-process guard in
 * `core/guard/`. The connection calls these hooks; the guard decides what is safe.
 */
import type { DriverName, LockProtocol } from '../../drivers/types.js';

/** What the guard needs to know about one open database file in this process. */
export interface GuardTarget {
  /** Real path of the database file. */
  readonly filename: string;
  readonly driver: DriverName;
  readonly lockProtocol: LockProtocol;
  /** True when the connection is read-only (it still takes shared locks). */
  readonly readOnly: boolean;
  /**
   * True when the connection runs with `locking_mode=exclusive`: SQLite then keeps its lock from
   * the first statement until close, so the guard must not report "holds no lock" after a
   * statement. Optional (added after the first version of this contract); when absent the guard
   * detects a lock kept after a statement by itself.
   */
  readonly exclusiveLocking?: boolean;
}

/**
 * Per-file, per-process guard. `core/` creates one right after opening a file database (memory
 * and temp databases get none) and calls:
 * - `enter()` before a statement when the connection is not already inside a transaction,
 * - `exit()` after a statement when the connection is no longer inside a transaction,
 * - `recoverStaleLock()` while waiting for a busy lock,
 * - `release()` on close.
 * `enter`/`exit` sit on the hot path: they must be cheap (a no-op where the protocol needs none).
 */
export interface LockGuard {
  /** Marks that this process may hold SQLite's lock from now until `exit()`. */
  enter(): void;
  /** Marks that this process holds no SQLite lock on the file any more. */
  exit(): void;
  /**
   * Called repeatedly while a statement waits on SQLITE_BUSY. Removes the file's lock if and only
   * if it is proven stale (its owner is dead); returns true when it removed one.
   */
  recoverStaleLock(): boolean;
  /**
   * Called once when a busy wait times out: a sentence for the error when the lock is held by
   * something other than a process of this library doing its work (a dot-file lock no library
   * process claims), naming the lock, the likely cause and `dual-sqlite doctor`; else undefined.
   */
  explainBusy(): string | undefined;
  /** Withdraws this process's claim on the file. Idempotent, never throws. */
  release(): void;
  /**
   * {@link release} after a failed open: also removes the claims folder when this guard created
   * it and nothing else is in it, so a failed open leaves nothing behind. Never throws.
   */
  abandon(): void;
}
