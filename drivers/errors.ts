/**
 * Errors thrown by the drivers layer. Every one extends {@link DualSqliteError}, carries a stable
 * `code`, names the bad input and the fix, and keeps the driver's own error as `cause`.
 */
import { DualSqliteError, type ErrorKind } from '../dsn/base-error.js';
import { sqliteErrorKind } from './error-codes.js';
import type { DriverName } from './types.js';

/**
 * A failure reported by SQLite itself. `code` is SQLite's extended result code name
 * (`SQLITE_CONSTRAINT_UNIQUE`, `SQLITE_BUSY`, ...), the same on both drivers.
 */
export class SqliteError extends DualSqliteError {
  /** The driver that ran the statement. */
  readonly driver: DriverName;
  /** The SQL text that failed, when the failure belongs to a statement. */
  readonly sql: string | undefined;
  /**
   * The portable class of the failure (`unique`, `foreign_key`, `not_null`, `check`, `busy`,
   * `serialization`), the same on PostgreSQL; `undefined` for other failures.
   */
  readonly kind: ErrorKind | undefined;

  constructor(code: string, message: string, driver: DriverName, sql: string | undefined, cause: unknown) {
    super(code, sql === undefined ? message : `${message} (in: ${clip(sql)})`, { cause });
    this.driver = driver;
    this.sql = sql;
    this.kind = sqliteErrorKind(code);
  }
}

/** One driver that could not be used, why, and how to fix it. */
export interface DriverAttempt {
  readonly driver: DriverName;
  /** The npm package the driver needs. */
  readonly package: string;
  /** First line of the load error. */
  readonly error: string;
  /** The command or change that fixes it. */
  readonly fix: string;
}

const PACKAGES: Record<DriverName, string> = {
  native: 'better-sqlite3',
  node: "Node's built-in node:sqlite (Node 22.13 or later)",
  wasm: 'node-sqlite3-wasm',
};

/** Why `driver` failed to load (`cause`) and its fix, e.g. `npm rebuild better-sqlite3` for an ABI mismatch. */
export function diagnoseLoadFailure(driver: DriverName, cause: unknown): DriverAttempt {
  const pkg = PACKAGES[driver];
  // the whole message: Node's ABI error says on its second line which versions do not match
  const error = (cause instanceof Error ? cause.message : String(cause)).replace(/\s+/g, ' ').trim().slice(0, 500);
  // the package itself cannot be resolved (not one of its dependencies)
  const missing = error.startsWith(`Cannot find module '${pkg}'`);
  let fix: string;
  if (driver === 'native') {
    if (missing) fix = '`npm install better-sqlite3@^12` (it compiles with node-gyp when no prebuilt binary fits)';
    else if (/NODE_MODULE_VERSION|different Node\.js version/.test(error)) {
      fix = `\`npm rebuild better-sqlite3\` (its addon was built for another Node.js version; this is ${process.version})`;
    } else fix = '`npm rebuild better-sqlite3` (its compiled addon is missing, damaged or built for another platform)';
  } else if (driver === 'node') {
    fix = 'run on Node 22.13+ (tested: 22.23, 24.22)';
  } else {
    fix = missing ? '`npm install node-sqlite3-wasm`' : '`npm install node-sqlite3-wasm@^0.8` (reinstall it: the installed copy does not load)';
  }
  return Object.freeze({ driver, package: pkg, error, fix });
}

/**
 * No driver could be loaded: the one chosen, or under `auto` every one tried (`attempts`, in
 * order). Code `DRIVER_UNAVAILABLE`; the message names each driver, why it failed and its fix.
 */
export class DriverUnavailableError extends DualSqliteError {
  /** The driver asked for (under `auto`, the last one tried). */
  readonly driver: DriverName;
  /** Every driver tried, in order, with why it failed and its fix. */
  readonly attempts: readonly DriverAttempt[];

  constructor(driver: DriverName, cause: unknown, attempts?: readonly DriverAttempt[]) {
    const tried = attempts ?? [diagnoseLoadFailure(driver, cause)];
    const message =
      attempts === undefined
        ? `driver "${driver}" needs ${tried[0]!.package}, which failed to load: ${tried[0]!.error}; fix: ${tried[0]!.fix}, ` +
          `or use another driver (${(['native', 'node', 'wasm'] as const).filter((d) => d !== driver).map((d) => `_driver=${d}`).join(' or ')})`
        : `no SQLite driver could be loaded (auto tries ${tried.map((a) => a.driver).join(', then ')}): ` +
          tried.map((a) => `${a.driver} needs ${a.package}, which failed to load: ${a.error}; fix: ${a.fix}`).join('. ');
    super('DRIVER_UNAVAILABLE', message, { cause });
    this.driver = driver;
    this.attempts = Object.freeze([...tried]);
  }
}

/** A setting read back after opening differs from the one applied. Code `SETTING_NOT_APPLIED`. */
export class SettingNotAppliedError extends DualSqliteError {
  readonly setting: string;
  readonly wanted: unknown;
  readonly actual: unknown;
  readonly driver: DriverName;
  readonly fix: string;

  constructor(
    setting: string,
    wanted: unknown,
    actual: unknown,
    driver: DriverName,
    fix: string,
    options: { code?: string; cause?: unknown } = {},
  ) {
    super(
      options.code ?? 'SETTING_NOT_APPLIED',
      `${setting}: wanted ${show(wanted)}, SQLite reports ${show(actual)} on the ${driver} driver; ${fix}`,
      { cause: options.cause },
    );
    this.setting = setting;
    this.wanted = wanted;
    this.actual = actual;
    this.driver = driver;
    this.fix = fix;
  }
}

/**
 * The config asks for something the chosen driver cannot do at all (e.g. `vfs=unix` on wasm,
 * whose only VFS is dot-file locking). Code `DRIVER_UNSUPPORTED_OPTION`.
 */
export class UnsupportedOptionError extends DualSqliteError {
  readonly option: string;
  readonly driver: DriverName;

  constructor(option: string, value: unknown, driver: DriverName, fix: string) {
    super('DRIVER_UNSUPPORTED_OPTION', `${option}=${show(value)} cannot be honored by the ${driver} driver; ${fix}`);
    this.option = option;
    this.driver = driver;
  }
}

/**
 * Opening failed before SQLite could say anything useful (missing file for `mode=rw`/`ro`,
 * wasm facing a WAL file, native URI mode off). `code` says which.
 */
export class OpenError extends DualSqliteError {
  /** The database path involved, `null` for memory/temp databases. */
  readonly path: string | null;

  constructor(code: string, path: string | null, message: string, cause?: unknown) {
    super(code, message, { cause });
    this.path = path;
  }
}

/**
 * A statement was refused before it reached SQLite, the same way on both drivers: several
 * statements in one string (`MULTIPLE_STATEMENTS`), no statement (`EMPTY_STATEMENT`), a parameter
 * that cannot be bound (`INVALID_PARAMETER`), the wrong number of parameters
 * (`PARAMETER_COUNT_MISMATCH`), a connection busy with an open iterator (`CONNECTION_BUSY`) or
 * already closed (`CONNECTION_CLOSED`).
 */
export class StatementError extends DualSqliteError {
  readonly sql: string;

  constructor(code: string, message: string, sql: string, cause?: unknown) {
    super(code, `${message} (in: ${clip(sql)})`, { cause });
    this.sql = sql;
  }
}

function clip(sql: string): string {
  const one = sql.replace(/\s+/g, ' ').trim();
  return one.length > 200 ? `${one.slice(0, 200)}...` : one;
}

function show(v: unknown): string {
  return typeof v === 'string' ? `"${v}"` : typeof v === 'bigint' ? `${v}n` : JSON.stringify(v) ?? String(v);
}

/** Which side file a driver could not create beside the database. */
export type SideFileNeed = 'lock' | 'wal' | 'journal';

/**
 * The driver must create a file or directory beside the database (wasm's `<db>.lock`, a WAL
 * database's `-shm`/`-wal`, a rollback journal) and the directory does not let this process:
 * code `DIRECTORY_NOT_WRITABLE`. The message names the directory, the permission and the ways out.
 * @internal drivers' helper; kept out of the published declarations (its `NodeJS` type would
 * make them need `@types/node`).
 */
export function directoryNotWritable(
  filename: string,
  driver: DriverName,
  need: SideFileNeed,
  osError: NodeJS.ErrnoException | undefined,
): OpenError {
  const dir = filename.slice(0, filename.lastIndexOf('/')) || '/';
  // the effective uid is the one permissions are checked against
  const uid = process.geteuid?.();
  const who = uid === undefined ? 'this process' : `this process (uid ${uid})`;
  const why =
    osError?.code === 'EROFS'
      ? `the file system holding "${dir}" is mounted read-only (EROFS)`
      : `${who} has no write permission on the directory "${dir}" (${osError?.code ?? 'EACCES'}; creating an entry needs write and search permission, w and x)`;
  const fixDir =
    osError?.code === 'EROFS'
      ? 'copy the database to a writable file system, or mount this one read-write'
      : `give ${uid === undefined ? 'this user' : `uid ${uid}`} write and search permission on "${dir}" (e.g. a shared group with g+wx), or copy the database to a directory it can write`;
  let what: string;
  let fixes: string[];
  switch (need) {
    case 'lock':
      what = `the ${driver} driver locks the file, even to read it, by creating the directory "${filename}.lock" beside it`;
      fixes = [fixDir, 'or use the native driver (_driver=native), which reads a rollback-journal database without creating anything beside it'];
      break;
    case 'wal':
      what = `it is in WAL mode, so even a reader needs "${filename}-shm" and "${filename}-wal" beside it`;
      fixes = [
        fixDir,
        "or have the file's owner switch it to a rollback journal (PRAGMA journal_mode=delete)",
        'or, only if nothing writes the file while you read it, open it with immutable=1 (native driver)',
      ];
      break;
    case 'journal':
      what = `writing needs the rollback journal "${filename}-journal" beside it`;
      fixes = [fixDir, 'or open it read-only (mode=ro) if you only read'];
      break;
  }
  return new OpenError(
    'DIRECTORY_NOT_WRITABLE',
    filename,
    `cannot use database "${filename}" on the ${driver} driver: ${what}, and ${why}. Ways out: ${fixes.join('; ')}.`,
    osError,
  );
}
