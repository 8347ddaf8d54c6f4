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
 * Why a connection could not be made, as far as pg's error tells (docs/postgres.md):
 * - `network`: refused, reset, unreachable, closed by the server or a proxy before the login, no such Unix socket;
 * - `timeout`: no answer within `connect_timeout`;
 * - `dns`: the host name does not resolve;
 * - `tls`: TLS could not be set up: the server does not offer it, or its certificate was refused;
 * - `auth`: the client could not answer the server's login (no password given when one is asked for);
 * - `other`: none of these (the message and `cause` say what).
 * A login the server itself refused (wrong password 28P01, no such database 3D000) is a
 * {@link PostgresError} with that SQLSTATE instead.
 */
export type PgConnectKind = 'network' | 'timeout' | 'dns' | 'tls' | 'auth' | 'other';

/** Every {@link PgConnectKind}, for exhaustive tests and docs. */
export const PG_CONNECT_KINDS: readonly PgConnectKind[] = Object.freeze(['network', 'timeout', 'dns', 'tls', 'auth', 'other']);

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EPIPE', 'ENOENT', 'EADDRNOTAVAIL']);
/** getaddrinfo's failures (ENOTFOUND, and EAI_AGAIN and its kin when the resolver itself fails). */
const DNS_CODE = /^(ENOTFOUND|EAI_[A-Z]+)$/;

/** The {@link PgConnectKind} of the error pg (or Node's net/tls under it) gave for a connection. */
export function pgConnectKind(cause: unknown): PgConnectKind {
  const e = cause as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : '';
  if (DNS_CODE.test(code)) return 'dns';
  // pg: "Connection terminated due to connection timeout"; its pool: "timeout exceeded when trying to connect"
  if (code === 'ETIMEDOUT' || /\btime(d ?)?out\b/i.test(message)) return 'timeout';
  // OpenSSL's certificate codes (DEPTH_ZERO_SELF_SIGNED_CERT, ...), Node's ERR_TLS_*/ERR_SSL_*, pg's "does not support SSL"
  if (/CERT|TLS|SSL/.test(code) || /\b(SSL|TLS)\b|certificate/i.test(message)) return 'tls';
  if (/\b(SASL|SCRAM)\b|password/i.test(message)) return 'auth';
  if (NETWORK_CODES.has(code) || /Connection terminated|socket hang up/i.test(message)) return 'network';
  return 'other';
}

/**
 * The client could not reach or log in to the server (refused, timed out, no such host, TLS).
 * Code `PG_CONNECT_FAILED`, `kind` says which ({@link PgConnectKind}); the message names host and
 * port, never the password. An error the server itself sent while logging in (wrong password
 * 28P01, unknown database 3D000) is a {@link PostgresError} instead.
 */
export class PgConnectError extends DualSqliteError {
  readonly host: string;
  readonly port: number;
  /** Why it failed, as far as pg's error tells: `network`, `timeout`, `dns`, `tls`, `auth` or `other`. */
  readonly kind: PgConnectKind;

  constructor(host: string, port: number, cause: unknown) {
    const why = (cause instanceof Error ? cause.message : String(cause)).split('\n')[0]!.slice(0, 300);
    const kind = pgConnectKind(cause);
    super('PG_CONNECT_FAILED', `cannot connect to PostgreSQL at ${host}:${port} (${kind}): ${why}; ${HINTS[kind]}`, { cause });
    this.host = host;
    this.port = port;
    this.kind = kind;
  }
}

const HINTS: Readonly<Record<PgConnectKind, string>> = Object.freeze({
  network: 'check that the server runs and accepts connections at that host and port (listen_addresses, pg_hba.conf, a firewall)',
  timeout: 'nothing answered within connect_timeout: check the host and port, a firewall that drops packets, or raise connect_timeout',
  dns: 'the host name does not resolve: check its spelling and the DNS of this machine',
  tls: "check the DSN's sslmode and sslrootcert against the server's TLS set-up (sslmode=disable where the server has none)",
  auth: 'the server asks for a password the DSN does not give: add it to the URL (postgres://user:password@host/db, percent-encoded)',
  other: "check that the server runs there, and the DSN's sslmode and connect_timeout",
});

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
