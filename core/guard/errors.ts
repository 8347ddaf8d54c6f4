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
