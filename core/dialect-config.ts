/** Configuration of {@link DualSqliteDialect} and {@link openDatabase}. */
import type { DriverChoice, DsnConfig } from '../dsn/types.js';

/** Something worth knowing that the dialect handled by itself (it never throws from these paths). */
export interface DualSqliteLogEvent {
  /** `info` for progress reports (e.g. `waiting-for-migration`), `warn`/`error` for things handled. */
  readonly level: 'info' | 'warn' | 'error';
  /** Stable identifier, e.g. `open-transaction-released`, `release-failed`, `waiting-for-migration`. */
  readonly event: string;
  readonly message: string;
  readonly error?: unknown;
}

/** Receives {@link DualSqliteLogEvent}s. */
export type DualSqliteLogger = (event: DualSqliteLogEvent) => void;

/** Options shared by the dialect and the plain database handle. */
export interface DualSqliteOpenOptions {
  /** Driver chosen in code; beats the DSN's `_driver` and the `SQLITE_DRIVER` environment variable. */
  readonly driver?: DriverChoice;
  /** Environment to read `SQLITE_DRIVER` from (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Receives events the library handled by itself. Default: `console.warn` for warnings and errors. */
  readonly log?: DualSqliteLogger;
  /**
   * Longest wait, in ms, for this process's connection to the database (held by another query or
   * transaction of this process) before failing with code `ACQUIRE_TIMEOUT`. Default: wait forever.
   */
  readonly acquireTimeout?: number;
  /**
   * A wait for this process's connection that lasts this many ms logs one `slow-acquire` warning
   * through `log`, naming what holds the connection (a transaction, a stream or a query, on which
   * Kysely instance or handle, for how long, and from the second such wait on, where it began).
   * Default 10000; `Infinity` turns it off.
   */
  readonly acquireWarning?: number;
  /**
   * Detect waits for the connection that can never end because the waiting async flow holds it
   * itself: the outer `db` inside its own transaction callback (`TRANSACTION_MISUSE`), a statement
   * inside a `for await` over a stream on the same file (`STREAM_MISUSE`), a second handle used
   * while this flow has a transaction open on another (`TRANSACTION_MISUSE`). Default true.
   * `false` skips the AsyncLocalStorage this needs (a small cost on every promise in the process
   * on Node 20); such a misuse then waits, so set `acquireTimeout`.
   */
  readonly detectMisuse?: boolean;
  /**
   * Longest wait, in ms, for the database lock while another process is migrating the file
   * (running Kysely's Migrator through this dialect): such a wait outlasts `_busy_timeout`, logs a
   * `waiting-for-migration` event every 5 s and fails with code `MIGRATION_WAIT_TIMEOUT` after
   * this long. Default 300000 (5 minutes). See docs/migrations.md.
   */
  readonly migrationTimeout?: number;
}

/** Configuration of {@link DualSqliteDialect}. */
export interface DualSqliteDialectConfig extends DualSqliteOpenOptions {
  /** A DSN string (`file:app.db?_txlock=immediate`, `:memory:`, ...) or an already parsed config. */
  readonly dsn: string | DsnConfig;
}

/** The default logger: the library's warnings must not vanish, but must not throw either. */
export const defaultLogger: DualSqliteLogger = (event) => {
  console.warn(`[kysely-dual-sqlite] ${event.event}: ${event.message}`, event.error ?? '');
};
