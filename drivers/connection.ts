/**
 * The small structural interface each binding is adapted to. Everything that must behave the
 * same on both drivers (scanning, parameter mapping, caching, `changes`, busy checks) lives in
 * `backend.ts` on top of it; adapters only translate calls and errors.
 */
import type { DriverName, Row } from './types.js';
import type { BindValue } from './values.js';

/** One prepared statement, already normalized (rows as plain values, errors as `SqliteError`). */
export interface PreparedStatement {
  /** True when the statement returns columns (SELECT, RETURNING, row-returning PRAGMA). */
  readonly reader: boolean;
  /** Runs a reader to completion; the statement holds no lock afterwards. */
  all(params: readonly BindValue[]): Row[];
  /** Runs a non-reader; `changes` is SQLite's `changes()` (stale for non-DML: the caller decides). */
  run(params: readonly BindValue[]): { changes: number; lastInsertRowid: number | bigint };
  /** Row by row; `return()` resets the statement. */
  iterate(params: readonly BindValue[]): Iterator<Row, undefined>;
  /** Frees the statement (wasm leaks memory and keeps the lock otherwise). Idempotent. */
  finalize(): void;
}

/** One open connection on one binding. */
export interface DriverConnection {
  readonly driver: DriverName;
  readonly inTransaction: boolean;
  /** Prepares exactly one statement (the caller has already checked it is one). */
  prepare(sql: string): PreparedStatement;
  /** `changes()` and `last_insert_rowid()` right now. */
  counters(): { changes: number; lastInsertRowid: number | bigint };
  /** Closes the connection; every statement must have been finalized first. */
  close(): void;
}
