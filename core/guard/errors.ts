/**
 * Errors raised by the cross-process guard. They extend {@link DualSqliteError} so callers can
 * switch on `code` without knowing this layer.
 */
import { DualSqliteError } from '../../dsn/base-error.js';
import type { DriverName, LockProtocol } from '../../drivers/types.js';

/** What the guard knows about the process that holds the conflicting claim. */
export interface ConflictingClaim {
  readonly pid: number;
  /** Worker thread's OS thread id, or the pid for a main thread. */
  readonly tid: number;
  readonly driver: DriverName;
  readonly lockProtocol: LockProtocol;
  readonly host: string;
}

const PROTOCOL_WORDS: Record<LockProtocol, string> = {
  posix: 'POSIX fcntl locks',
  dotfile: 'dot-file locks',
  none: 'no locks',
};

/**
 * Thrown by `createGuard` when another LIVE process (or thread) has the same file open with the
 * other lock protocol (POSIX vs dot-file). The two protocols do not see each other's locks, so
 * letting both in corrupts the file within seconds; both opening orders are refused.
 */
export class MixedLockingError extends DualSqliteError {
  /** Real path of the database file. */
  readonly filename: string;
  /** The driver and lock protocol this process asked for. */
  readonly driver: DriverName;
  readonly lockProtocol: LockProtocol;
  /** The live claim that conflicts. */
  readonly other: ConflictingClaim;

  constructor(
    filename: string,
    mine: { driver: DriverName; lockProtocol: LockProtocol },
    other: ConflictingClaim,
  ) {
    const who = other.tid === other.pid ? `process ${other.pid}` : `process ${other.pid} (thread ${other.tid})`;
    const fix =
      'Fix: open the file with the same lock protocol everywhere: on the native driver add ' +
      '`vfs=unix-dotfile` to the DSN (e.g. `file:' + filename + '?vfs=unix-dotfile`), which is the ' +
      'protocol the wasm driver always uses; or close the other process first.';
    super(
      'MIXED_LOCKING',
      `Refusing to open "${filename}" with the ${mine.driver} driver (${PROTOCOL_WORDS[mine.lockProtocol]}): ` +
        `${who}${other.host ? ` on ${other.host}` : ''} has it open with the ${other.driver} driver ` +
        `(${PROTOCOL_WORDS[other.lockProtocol]}). The two lock protocols do not see each other and ` +
        `would corrupt the database. ${fix}`,
    );
    this.filename = filename;
    this.driver = mine.driver;
    this.lockProtocol = mine.lockProtocol;
    this.other = Object.freeze({ ...other });
  }
}

/**
 * Thrown by `createGuard` when another thread of THIS process has the same file open with another
 * driver and either of them takes POSIX locks. Each driver links its own copy of SQLite, and
 * POSIX locks belong to the process: when one copy closes its descriptor on the file, the kernel
 * drops the locks the other copy holds, and the database can be corrupted (SQLite's "How To
 * Corrupt An SQLite Database File", multiple copies of SQLite in one application). Code
 * `MIXED_SQLITE_COPIES`.
 */
export class MixedSqliteCopiesError extends DualSqliteError {
  /** Real path of the database file. */
  readonly filename: string;
  /** The driver this thread asked for. */
  readonly driver: DriverName;
  /** The claim of the other thread of this process. */
  readonly other: ConflictingClaim;

  constructor(filename: string, driver: DriverName, other: ConflictingClaim) {
    const who = other.tid === other.pid ? 'the main thread' : `thread ${other.tid}`;
    super(
      'MIXED_SQLITE_COPIES',
      `Refusing to open "${filename}" with the ${driver} driver: ${who} of this process (${other.pid}) has it open ` +
        `with the ${other.driver} driver. Each driver carries its own copy of SQLite, and POSIX locks belong to the ` +
        'process: when one copy closes the file, the other copy silently loses its locks, which can corrupt the ' +
        'database. Fix: use one driver for this file in every thread of a process (the driver option, _driver ' +
        'or SQLITE_DRIVER), or open it with the other driver from a separate process.',
    );
    this.filename = filename;
    this.driver = driver;
    this.other = Object.freeze({ ...other });
  }
}
