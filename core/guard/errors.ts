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
 * A file system operation on one of the library's own side files (the claims folder beside the
 * database and the records in it) failed. Code `SIDE_FILE_ERROR`; `cause` is the OS error. The
 * message names the path, what it is for and the fix.
 */
export class SideFileError extends DualSqliteError {
  /** The side file or folder involved. */
  readonly path: string;
  /** What the library was doing, e.g. "create the claims folder". */
  readonly operation: string;

  constructor(path: string, operation: string, cause: unknown, fix?: string) {
    const code = (cause as NodeJS.ErrnoException | null)?.code;
    super(
      'SIDE_FILE_ERROR',
      `could not ${operation} "${path}" (${code ?? String(cause)}), which the library keeps beside the database to see the ` +
        `other processes that use it; ${fix ?? fixFor(code)}`,
      { cause },
    );
    this.path = path;
    this.operation = operation;
  }
}

function fixFor(code: string | undefined): string {
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return 'free space on that file system (the database itself needs room to write too)';
    case 'ENAMETOOLONG':
      return 'use a shorter path for the database';
    case 'ENOTDIR':
    case 'EEXIST':
      return 'something that is not a folder is in its place: move or remove it';
    case 'EMFILE':
    case 'ENFILE':
      return 'the process is out of file descriptors: close files or raise the limit (ulimit -n)';
    default:
      return 'check the directory beside the database (permissions, free space, file system errors)';
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
