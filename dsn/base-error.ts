/**
 * The root of every error this library throws. `code` is stable and machine-readable; messages
 * are for people and may be reworded. The error of the underlying driver, when there is one, is
 * kept as `cause`.
 *
 * It lives in `dsn/` because that is the lowest layer: every other layer may import it, and it
 * knows nothing about drivers.
 */
export class DualSqliteError extends Error {
  /** Stable, machine-readable identifier of the failure, e.g. `DSN_UNKNOWN_OPTION`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * The portable class of a database failure, the same on SQLite and PostgreSQL, so application
 * code can catch "this row already exists" without knowing the engine (issue 18). The engine's
 * own code stays in `code` (`SQLITE_CONSTRAINT_UNIQUE`, SQLSTATE `23505`).
 *
 * - `unique`: a UNIQUE or PRIMARY KEY constraint;
 * - `foreign_key`, `not_null`, `check`: those constraints;
 * - `busy`: a lock held by another connection for longer than the configured wait (SQLite's
 *   `_busy_timeout`, PostgreSQL's `lock_timeout`);
 * - `serialization`: the transaction conflicted with another one and must be retried from the
 *   start (PostgreSQL's serialization failure and deadlock, SQLite's `SQLITE_BUSY_SNAPSHOT`).
 */
export type ErrorKind = 'unique' | 'foreign_key' | 'not_null' | 'check' | 'busy' | 'serialization';

/** Every {@link ErrorKind}, for exhaustive tests and docs. */
export const ERROR_KINDS: readonly ErrorKind[] = Object.freeze(['unique', 'foreign_key', 'not_null', 'check', 'busy', 'serialization']);

/** The portable kind of `error` (any value), or `undefined` when it has none. */
export function errorKind(error: unknown): ErrorKind | undefined {
  const kind = (error as { kind?: unknown } | null)?.kind;
  return error instanceof DualSqliteError && typeof kind === 'string' && (ERROR_KINDS as readonly string[]).includes(kind) ? (kind as ErrorKind) : undefined;
}
