/**
 * SQLite failures whose real cause is an OS error, reported the same way on both drivers:
 * a full disk is `SQLITE_FULL` with the OS error (ENOSPC) as `cause`, a side file the directory
 * does not let us create is `DIRECTORY_NOT_WRITABLE`, and any other I/O failure keeps SQLite's
 * code and gains the OS error as `cause` where the driver lets us learn it.
 */
import { constants } from 'node:os';
import { directoryNotWritable, SqliteError, type OpenError } from './errors.js';
import type { DriverName } from './types.js';

const DISK_FULL = new Set(['ENOSPC', 'EDQUOT']);
const NO_WRITE = new Set(['EACCES', 'EPERM', 'EROFS']);

/** The OS error and SQLite's view of one failure. */
export interface OsFailure {
  readonly driver: DriverName;
  /** Real path of the database, null for memory/temp databases. */
  readonly filename: string | null;
  /** SQLite's code for the failure (primary or extended). */
  readonly code: string;
  readonly message: string;
  readonly sql: string | undefined;
  /** The first OS error of the failed call, when the driver lets us see it. */
  readonly osError: NodeJS.ErrnoException | undefined;
  /** The driver's own error. */
  readonly driverError: unknown;
}

/** The library's error for a failure with an OS error behind it, or undefined when there is none. */
export function fromOsError(f: OsFailure): SqliteError | OpenError | undefined {
  const os = f.osError;
  if (os === undefined) return undefined;
  const code = String(os.code);
  if (DISK_FULL.has(code)) {
    return new SqliteError('SQLITE_FULL', `database or disk is full (${code} writing "${os.path ?? f.filename}")`, f.driver, f.sql, os);
  }
  if (NO_WRITE.has(code) && f.filename !== null && typeof os.path === 'string') {
    if (os.syscall === 'mkdir' && os.path === `${f.filename}.lock`) return directoryNotWritable(f.filename, f.driver, 'lock', os);
    if (os.syscall === 'open' && os.path === `${f.filename}-journal`) return directoryNotWritable(f.filename, f.driver, 'journal', os);
  }
  if (!f.code.startsWith('SQLITE_IOERR') && !f.code.startsWith('SQLITE_CANTOPEN') && !f.code.startsWith('SQLITE_FULL')) return undefined;
  return new SqliteError(f.code, `${f.message} (${code}: ${os.syscall ?? 'call'} "${os.path ?? f.filename}")`, f.driver, f.sql, os);
}

/** The one-row query that tells whether SQLITE_FULL came from `max_page_count` (1) or not (0). */
export const PAGE_LIMIT_SQL =
  'select (select page_count from pragma_page_count) >= (select max_page_count from pragma_max_page_count) as hit';

/**
 * The library's error for SQLITE_FULL from a driver that drops the errno (native, node): with the
 * rebuilt ENOSPC as `cause` ({@link enospcBehindSqliteFull}) unless `pageLimitReached` says the
 * `max_page_count` limit was hit, in which case `undefined` (SQLite's own error stands).
 */
export function diskFullError(
  filename: string,
  driver: DriverName,
  sql: string | undefined,
  driverError: unknown,
  pageLimitReached: () => boolean,
): SqliteError | undefined {
  if (pageLimitReached()) return undefined;
  return new SqliteError('SQLITE_FULL', `database or disk is full (ENOSPC writing "${filename}")`, driver, sql, enospcBehindSqliteFull(filename, driverError));
}

/**
 * SQLite's unix VFS turns ENOSPC (and a short write) into SQLITE_FULL and drops the errno, and
 * neither better-sqlite3 nor node:sqlite exposes `sqlite3_system_errno()`. The only other source of SQLITE_FULL is
 * `max_page_count`: when that limit is not what was hit, the OS error is rebuilt from SQLite's
 * documented mapping, with the driver's error as its own `cause`.
 */
export function enospcBehindSqliteFull(filename: string, driverError: unknown): NodeJS.ErrnoException {
  const e = new Error(`ENOSPC: no space left on device, write '${filename}' (reported by SQLite as SQLITE_FULL)`, {
    cause: driverError,
  }) as NodeJS.ErrnoException;
  e.code = 'ENOSPC';
  e.errno = -constants.errno.ENOSPC;
  e.syscall = 'write';
  e.path = filename;
  return e;
}
