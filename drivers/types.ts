/**
 * The contract between `drivers/` and `core/`: a synchronous handle on one open SQLite
 * connection, identical in behaviour on every driver. Everything driver-specific (URI mode,
 * value mapping, statement reset/finalize, error codes) is resolved below this interface.
 */
import type { DriverChoice, DsnConfig } from '../dsn/types.js';
import type { DriverAttempt } from './errors.js';

/** A concrete SQLite binding: `native` (better-sqlite3), `node` (`node:sqlite`), `wasm` (node-sqlite3-wasm). */
export type DriverName = Exclude<DriverChoice, 'auto'>;

/** Where the driver decision came from, in precedence order. */
export type DriverSource = 'code' | 'dsn' | 'env' | 'auto';

/** Which driver was chosen and why (shown by `dual-sqlite inspect` and kept on the backend). */
export interface DriverSelection {
  readonly driver: DriverName;
  readonly source: DriverSource;
  /**
   * One sentence for people, e.g. "... is auto: native skipped: better-sqlite3 failed to load
   * (...; fix: `npm rebuild better-sqlite3`); using wasm".
   */
  readonly reason: string;
  /** Drivers `auto` tried before this one and could not load, with why and the fix (empty otherwise). */
  readonly skipped: readonly DriverAttempt[];
}

/**
 * How this connection locks the file against other processes.
 * - `posix`: fcntl byte-range locks (the default VFS of native and node).
 * - `dotfile`: `mkdir <db>.lock` (wasm always; native and node with `vfs=unix-dotfile`).
 * - `none`: memory/temp databases, `nolock=1`, `immutable=1`.
 */
export type LockProtocol = 'posix' | 'dotfile' | 'none';

/** One result row: column name to value (number | bigint | string | Buffer | null); every column is an own property. */
export type Row = Record<string, unknown>;

/** The outcome of running one statement. */
export interface StatementResult {
  /** True when the statement returns rows (SELECT, RETURNING, row-returning PRAGMA). */
  readonly reader: boolean;
  /** Rows for readers, `[]` otherwise. */
  readonly rows: Row[];
  /** Rows changed by this statement (0 for statements that are not INSERT/UPDATE/DELETE). */
  readonly changes: number;
  /** `last_insert_rowid()` after the statement. */
  readonly lastInsertRowid: number | bigint;
}

/**
 * What the SQLite build behind a connection can parse, found at open by preparing a probe
 * statement (never by `pragma compile_options`, which can claim options the parser lacks).
 */
export interface BackendCapabilities {
  /**
   * `UPDATE/DELETE ... ORDER BY ... LIMIT ... OFFSET` (SQLite's SQLITE_ENABLE_UPDATE_DELETE_LIMIT
   * grammar). `core/` rewrites Kysely's `orderBy()/limit()` on UPDATE and DELETE where this is false.
   */
  readonly updateDeleteLimit: boolean;
}

/** Options for {@link Backend} creation that do not come from the DSN. */
export interface OpenBackendOptions {
  /** Driver chosen in code; beats the DSN's `_driver` and `SQLITE_DRIVER`. */
  readonly driver?: DriverChoice;
  /** Environment to read `SQLITE_DRIVER` from (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * SQLite's own (blocking) busy timeout in ms. `core/` sets it low and waits asynchronously
   * on top; default: the config's `busyTimeout`.
   */
  readonly sqliteBusyTimeout?: number;
}

/** A synchronous handle on one open connection. Not thread-safe; one per file per process. */
export interface Backend {
  readonly selection: DriverSelection;
  readonly config: DsnConfig;
  /** Real path (symlinks resolved) of the database file, `null` for memory and temp databases. */
  readonly filename: string | null;
  readonly lockProtocol: LockProtocol;
  /** Every applied setting as read back from SQLite after opening, keyed by pragma name. */
  readonly settings: Readonly<Record<string, string | number>>;
  /** What this connection's SQLite parses (probed at open). */
  readonly capabilities: BackendCapabilities;
  /** True between a successful BEGIN and the end of that transaction (SQLite's autocommit off). */
  readonly inTransaction: boolean;
  /** True once `close()` has run. */
  readonly closed: boolean;
  /**
   * Runs exactly one statement. Multi-statement SQL is rejected. Throws `SqliteError`
   * (with `code` such as `SQLITE_BUSY`) on failure.
   */
  execute(sql: string, params: readonly unknown[]): StatementResult;
  /**
   * Iterates rows one by one. Stopping early (`return()`, `break`, `throw`) resets the statement
   * so it holds no lock.
   */
  iterate(sql: string, params: readonly unknown[]): IterableIterator<Row>;
  /** Finalizes every cached statement and closes the connection. Idempotent. */
  close(): void;
}
