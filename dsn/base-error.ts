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
