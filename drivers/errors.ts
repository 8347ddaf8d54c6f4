/**
 * Errors thrown by the drivers layer. Every one extends {@link DualSqliteError}, carries a stable
 * `code`, names the bad input and the fix, and keeps the driver's own error as `cause`.
 */
import { DualSqliteError } from '../dsn/base-error.js';
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

  constructor(code: string, message: string, driver: DriverName, sql: string | undefined, cause: unknown) {
    super(code, sql === undefined ? message : `${message} (in: ${clip(sql)})`, { cause });
    this.driver = driver;
    this.sql = sql;
  }
}

/** The requested driver package cannot be loaded in this process. Code `DRIVER_UNAVAILABLE`. */
export class DriverUnavailableError extends DualSqliteError {
  readonly driver: DriverName;

  constructor(driver: DriverName, cause: unknown) {
    const { pkg, hint } = UNAVAILABLE_HINTS[driver];
    super('DRIVER_UNAVAILABLE', `driver "${driver}" needs ${pkg}, which failed to load: ${describe(cause)}; ${hint}`, {
      cause,
    });
    this.driver = driver;
  }
}

const UNAVAILABLE_HINTS: Readonly<Record<DriverName, { pkg: string; hint: string }>> = {
  native: {
    pkg: 'better-sqlite3',
    hint: 'install it with `npm install better-sqlite3@^12` (it compiles with node-gyp when no prebuilt binary fits), or use `_driver=node` or `_driver=wasm`',
  },
  node: {
    pkg: 'Node\'s built-in node:sqlite (Node 22.13 or later)',
    hint: 'run on Node 22.13+ (tested: 22.23, 24.22), or use `_driver=native` or `_driver=wasm`',
  },
  wasm: { pkg: 'node-sqlite3-wasm', hint: 'install it with `npm install node-sqlite3-wasm`, or use `_driver=native` or `_driver=node`' },
};

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

function describe(e: unknown): string {
  return e instanceof Error ? e.message.split('\n')[0]! : String(e);
}
