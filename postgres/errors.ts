/**
 * Errors of the PostgreSQL engine (issue 18). Like every error of this library they extend
 * {@link DualSqliteError}, carry a stable `code` and keep the client library's error as `cause`.
 */
import { DualSqliteError, type ErrorKind } from '../dsn/base-error.js';

/**
 * SQLSTATE -> portable kind. Class 23 is integrity constraints; 40001 and 40P01 both mean "the
 * server rolled this transaction back, run it again"; 55P03 is a lock wait that ran out
 * (`lock_timeout`), the counterpart of SQLite's busy timeout.
 */
const KINDS: Readonly<Record<string, ErrorKind>> = Object.freeze({
  '23505': 'unique',
  '23503': 'foreign_key',
  '23502': 'not_null',
  '23514': 'check',
  '40001': 'serialization',
  '40P01': 'serialization',
  '55P03': 'busy',
});

/** The portable kind of a SQLSTATE, or `undefined`. */
export function postgresErrorKind(sqlState: string): ErrorKind | undefined {
  return Object.hasOwn(KINDS, sqlState) ? KINDS[sqlState] : undefined;
}

/** What pg's `DatabaseError` carries that this library passes on. */
export interface ServerErrorFields {
  readonly code?: string | undefined;
  readonly message: string;
  readonly constraint?: string | undefined;
  readonly table?: string | undefined;
  readonly column?: string | undefined;
}

/**
 * A failure reported by the PostgreSQL server. `code` is the SQLSTATE (`23505`, `40001`, ...),
 * the engine's own code as `SqliteError.code` is SQLite's; `kind` is the portable class shared
 * with SQLite. The server's `detail` (which may quote row values) stays in `cause` only.
 */
export class PostgresError extends DualSqliteError {
  /** The SQLSTATE, the same as `code`. */
  readonly sqlState: string;
  /** `unique`, `foreign_key`, `not_null`, `check`, `busy`, `serialization`, or `undefined`. */
  readonly kind: ErrorKind | undefined;
  /** The constraint, table and column the server names, when it names them. */
  readonly constraint: string | undefined;
  readonly table: string | undefined;
  readonly column: string | undefined;
  /** The SQL text that failed. */
  readonly sql: string | undefined;

  constructor(fields: ServerErrorFields, sql: string | undefined, cause: unknown) {
    const sqlState = fields.code ?? 'XX000';
    super(sqlState, sql === undefined ? fields.message : `${fields.message} (in: ${clip(sql)})`, { cause });
    this.sqlState = sqlState;
    this.kind = postgresErrorKind(sqlState);
    this.constraint = fields.constraint;
    this.table = fields.table;
    this.column = fields.column;
    this.sql = sql;
  }
}

/** True for pg's `DatabaseError` (an error the server sent), by shape: pg may not be loadable here. */
export function isServerError(error: unknown): error is Error & ServerErrorFields {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && 'severity' in error;
}

/**
 * `pg` (the PostgreSQL client, an optional peer dependency) could not be loaded. Code
 * `PG_UNAVAILABLE`; the message names the package and the install command.
 */
export class PgUnavailableError extends DualSqliteError {
  constructor(cause: unknown) {
    const why = (cause instanceof Error ? cause.message : String(cause)).split('\n')[0]!.slice(0, 300);
    super('PG_UNAVAILABLE', `a PostgreSQL DSN needs the "pg" package (the PostgreSQL client), which failed to load: ${why}; fix: \`npm install pg\` (an optional peer dependency of kysely-dual-sqlite)`, { cause });
  }
}

/**
 * The client could not reach or log in to the server (refused, timed out, no such host, TLS).
 * Code `PG_CONNECT_FAILED`; the message names host and port, never the password. An error the
 * server itself sent while logging in (wrong password 28P01, unknown database 3D000) is a
 * {@link PostgresError} instead.
 */
export class PgConnectError extends DualSqliteError {
  readonly host: string;
  readonly port: number;

  constructor(host: string, port: number, cause: unknown) {
    const why = (cause instanceof Error ? cause.message : String(cause)).split('\n')[0]!.slice(0, 300);
    super('PG_CONNECT_FAILED', `cannot connect to PostgreSQL at ${host}:${port}: ${why}; check that the server runs and accepts connections there (and the DSN's sslmode and connect_timeout)`, { cause });
    this.host = host;
    this.port = port;
  }
}

/**
 * A server setting the DSN asked for reads back different after connecting (an `ALTER ROLE ...
 * SET`, a pooler such as PgBouncer that drops startup parameters). Code `SETTING_NOT_APPLIED`,
 * as for SQLite.
 */
export class PostgresSettingError extends DualSqliteError {
  readonly setting: string;
  readonly wanted: string;
  readonly actual: string;

  constructor(setting: string, wanted: string, actual: string) {
    super(
      'SETTING_NOT_APPLIED',
      `${setting}: the DSN asked for "${wanted}", PostgreSQL reports "${actual}" after connecting; a connection pooler between the client and the server may drop startup settings (PgBouncer in transaction mode does), or an option in the DSN's options= overrides it: connect to the server directly, or set it on the server (ALTER ROLE ... SET ${setting} = ...)`,
    );
    this.setting = setting;
    this.wanted = wanted;
    this.actual = actual;
  }
}

function clip(sql: string): string {
  const one = sql.replace(/\s+/g, ' ').trim();
  return one.length > 200 ? `${one.slice(0, 200)}...` : one;
}
