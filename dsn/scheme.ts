import { classifyConnectionString, type ConnectionString } from './conn-string.js';
import { dsnError, isSecretName, redactDsn } from './errors.js';

/**
 * What the start of a DSN says about the kind of database it names. `DATABASE_URL` often holds a
 * server URL (`postgres://user:password@host/db`); read as a SQLite path it would plan a file
 * under a folder called `postgres:` and print the password back. So a DSN is classified before
 * it is lexed, and everything that is not SQLite is refused here, in one place.
 *
 * Rules (docs/dsn.md, "URL schemes"):
 * - `file:` (lowercase, as SQLite compares it) is a SQLite URI;
 * - `SCHEME://...` for any other RFC 3986 scheme of two or more characters is a URL for some other
 *   database or service: refused. A single letter is a Windows drive (`C://x` is a path);
 * - `SCHEME:...` without `//` is refused only for the well-known database schemes in
 *   {@link FOREIGN_SCHEMES} (`postgres:`, `jdbc:sqlite:`, PDO's `mysql:host=...`, `sqlite:app.db`);
 *   any other `name:` stays a plain file name (`notes:2024.db`, `12:30.db`);
 * - `sqlite:` and `sqlite3:` are refused with the exact `file:` rewrite, because the ecosystems
 *   that use them disagree on what `sqlite:///x` means (SQLAlchemy: relative, sqlx/Rails: absolute);
 * - `./` in front keeps any of these a relative file path (`./mysql:/x`, `./sqlite:app.db`);
 * - non-URL connection strings of other databases (`user:pw@tcp(host)/db`, libpq
 *   `host=h password=p`, ADO.NET `Data Source=app.db;Password=p`) are refused too (conn-string.ts);
 *   `./` or `file:` in front keeps such text a file name.
 */

/** How a DSN is to be read. */
export type DsnKind =
  /** A SQLite DSN: `file:` URI, plain path, `:memory:` or `''`. */
  | { readonly kind: 'sqlite' }
  /**
   * A `postgres://` or `postgresql://` URL: `createKysely` opens it on PostgreSQL (issue 18,
   * dsn/postgres.ts); every SQLite-only entry point refuses it.
   */
  | { readonly kind: 'postgres'; readonly scheme: string }
  /** A URL or DSN of another database or service. */
  | { readonly kind: 'foreign'; readonly scheme: string; readonly hasAuthority: boolean }
  /** A connection string of another database that is not a URL (see conn-string.ts). */
  | ({ readonly kind: 'connection-string' } & ConnectionString);

/**
 * The URL schemes opened on PostgreSQL (with `//`, any case): the one list that classifying,
 * parsing and every message naming them are built from.
 */
export const POSTGRES_SCHEMES: readonly string[] = Object.freeze(['postgres', 'postgresql']);

/** `postgres:// or postgresql://`, for messages. */
export const POSTGRES_SCHEME_LIST = POSTGRES_SCHEMES.map((s) => `${s}://`).join(' or ');

/** True when `scheme` (without `:`) is one of {@link POSTGRES_SCHEMES}, in any case. */
export function isPostgresScheme(scheme: string): boolean {
  return POSTGRES_SCHEMES.includes(scheme.toLowerCase());
}

/** What a DSN may be, for the "Accepted:" part of a refusal: every SQLite form, and the PostgreSQL schemes. */
export const ACCEPTED_DSNS =
  'a file path (app.db, ./data/app.db, /abs/app.db), a file: URI (file:app.db?mode=ro, file:///abs/app.db), :memory:, or "" for a temporary database; ' +
  `in createKysely() and inspect also a PostgreSQL URL (${POSTGRES_SCHEME_LIST}, docs/postgres.md)`;

/** A well-known scheme that is not a SQLite file name. */
export interface ForeignScheme {
  /** What it names, for the message. */
  readonly what: string;
  /** Whether `scheme:` without `//` is refused too (it is for every entry of this table). */
  readonly withoutSlashes: true;
}

const db = (what: string): ForeignScheme => Object.freeze({ what, withoutSlashes: true });

/**
 * Well-known schemes of other databases and services. Any `scheme://` is refused whether or not
 * it is listed; the list adds the forms without `//` and a better description.
 *
 * `postgres://` and `postgresql://` (with `//`) are classified `postgres` instead: `createKysely`
 * routes them to PostgreSQL (issue 18). Without `//` they stay refused here.
 */
export const FOREIGN_SCHEMES: Readonly<Record<string, ForeignScheme>> = Object.freeze({
  postgres: db('a PostgreSQL server URL'),
  postgresql: db('a PostgreSQL server URL'),
  pgsql: db('a PostgreSQL DSN (PHP PDO)'),
  mysql: db('a MySQL server URL'),
  mysqlx: db('a MySQL X protocol URL'),
  mariadb: db('a MariaDB server URL'),
  mssql: db('a SQL Server URL'),
  sqlserver: db('a SQL Server URL'),
  oracle: db('an Oracle URL'),
  jdbc: db('a JDBC URL (Java)'),
  odbc: db('an ODBC connection string'),
  libsql: db('a libSQL/Turso server URL'),
  turso: db('a Turso URL'),
  http: db('an HTTP URL (a database server, e.g. libSQL/Turso or rqlite)'),
  https: db('an HTTPS URL (a database server, e.g. libSQL/Turso or rqlite)'),
  ws: db('a WebSocket URL (a database server, e.g. libSQL/Turso)'),
  wss: db('a WebSocket URL (a database server, e.g. libSQL/Turso)'),
  redis: db('a Redis URL'),
  rediss: db('a Redis URL'),
  mongodb: db('a MongoDB URL'),
  'mongodb+srv': db('a MongoDB URL'),
  duckdb: db('a DuckDB URL'),
  d1: db('a Cloudflare D1 binding'),
  sqlite: db('an SQLite URL in another ecosystem\'s spelling (SQLAlchemy, sqlx, Rails, dbmate, PDO)'),
  sqlite3: db('an SQLite URL in another ecosystem\'s spelling (Rails, golang-migrate)'),
});

const SCHEME = /^\s*([A-Za-z][A-Za-z0-9+.-]+):(\/\/)?/;

/**
 * Classifies `input` without reading the rest of it. The one place that decides "not SQLite":
 * {@link refuseForeignDsn} turns a foreign result into the error `parseDsn` throws.
 */
export function classifyDsn(input: string): DsnKind {
  const m = SCHEME.exec(input);
  if (!m) return connectionString(input);
  const scheme = m[1]!;
  const hasAuthority = m[2] !== undefined;
  if (scheme.toLowerCase() === 'file') {
    // `file:` exactly at the start is SQLite's URI prefix; `FILE:x.db` is a file name, as in
    // SQLite; only `FILE://...` or ` file://...` is surely a URI SQLite would not read as one.
    return (scheme === 'file' && !/^\s/.test(input)) || !hasAuthority ? SQLITE : foreign(scheme, true);
  }
  if (hasAuthority && isPostgresScheme(scheme)) return Object.freeze({ kind: 'postgres', scheme });
  // Leading blanks cannot start a path anyone meant; ` postgres://...` is still a server URL.
  if (hasAuthority || Object.hasOwn(FOREIGN_SCHEMES, scheme.toLowerCase())) return foreign(scheme, hasAuthority);
  return connectionString(input);
}

function connectionString(input: string): DsnKind {
  const found = classifyConnectionString(input);
  return found ? Object.freeze({ kind: 'connection-string', ...found }) : SQLITE;
}

/**
 * The error for a connection string {@link classifyDsn} recognised: `DSN_UNSUPPORTED_SCHEME`
 * naming the format, quoting it with passwords and user names as `***`, and giving the SQLite
 * spelling when the string names a local file.
 */
export function refuseConnectionString(input: string, found: Extract<DsnKind, { kind: 'connection-string' }>): Error {
  const fix = found.rewrite !== undefined
    ? `write "${found.rewrite}" (the file the string names; a password/encryption key has no meaning here). A file whose name really is this text is written "./" followed by the name (or as a file: URI).`
    : 'use a SQLite DSN (a path, a file: URI or ":memory:") or a Kysely dialect for that database; a file whose name really is this text is written "./" followed by the name (or as a file: URI).';
  return dsnError(input, {
    code: 'DSN_UNSUPPORTED_SCHEME',
    quote: found.quote,
    problem: `The DSN is ${found.what}, not a SQLite file; this library opens SQLite databases only`,
    accepted: ACCEPTED_DSNS,
    fix,
  });
}

/**
 * The error a SQLite-only entry point (`parseDsn`, `openDatabase`, `DualSqliteDialect`, `doctor`,
 * `backup`) gives for a PostgreSQL URL: `DSN_UNSUPPORTED_SCHEME`, saying that `createKysely`
 * opens it. Quotes only the scheme.
 */
export function refusePostgresDsn(input: string, found: Extract<DsnKind, { kind: 'postgres' }>): Error {
  return dsnError(input, {
    code: 'DSN_UNSUPPORTED_SCHEME',
    quote: `${found.scheme}://***`,
    problem: `The DSN starts with "${found.scheme}://", a PostgreSQL server URL; this entry point opens SQLite files only`,
    accepted: `a file path, a file: URI, :memory: or "" here; a PostgreSQL URL (${POSTGRES_SCHEME_LIST}) in createKysely() (docs/postgres.md)`,
    fix: 'open it with createKysely(url), which returns a Kysely on PostgreSQL; backups, doctor and openDatabase are SQLite tools (use pg_dump for PostgreSQL). A relative file whose first folder is really named "postgres:" is written "./postgres:...".',
  });
}

const SQLITE: DsnKind = Object.freeze({ kind: 'sqlite' });
const foreign = (scheme: string, hasAuthority: boolean): DsnKind => Object.freeze({ kind: 'foreign', scheme, hasAuthority });

/**
 * The error for a DSN {@link classifyDsn} found foreign: `DSN_UNSUPPORTED_SCHEME`, naming the
 * scheme and what is supported. The message quotes no more than the scheme: the rest of a server
 * URL carries user names, passwords and tokens in places no redaction rule can list
 * (`;password=` in JDBC, `host=...;pwd=` in ODBC).
 */
export function refuseForeignDsn(input: string, found: Extract<DsnKind, { kind: 'foreign' }>, prefix = ''): Error {
  const { scheme, hasAuthority } = found;
  const lower = scheme.toLowerCase();
  const known = Object.hasOwn(FOREIGN_SCHEMES, lower) ? FOREIGN_SCHEMES[lower] : undefined;
  const shown = `${prefix}${scheme}:${hasAuthority ? '//' : ''}***`;
  const what = lower === 'file'
    ? 'a URI that SQLite would not read as one (it reads only a lower-case "file:" at the very start)'
    : known
      ? known.what
      : `a "${scheme}:" URL, which is not a SQLite file`;
  const sqlite = lower === 'sqlite' || lower === 'sqlite3';
  // `postgres:` without `//` is a mistyped PostgreSQL URL: createKysely opens the `//` form.
  const pgNoSlashes = !prefix && !hasAuthority && isPostgresScheme(lower);
  const fix = pgNoSlashes
    ? `write the URL with "//": ${lower}://user:password@host:5432/database, and open it with createKysely(url) (docs/postgres.md); a relative file whose first folder is really named "${scheme}:" is written "./${scheme}:...".`
    : lower === 'file'
    ? 'write "file:" in lower case at the very start, with no blanks before it.'
    : sqlite
      ? `${sqliteRewrite(input, scheme)} A relative file whose name starts with "${scheme}:" is written "./${scheme}:...".`
      : `use a SQLite DSN (a path, a file: URI or ":memory:") or a Kysely dialect for that database; a relative file whose first folder is really named "${scheme}:" is written "./${scheme}:...".`;
  return dsnError(input, {
    code: 'DSN_UNSUPPORTED_SCHEME',
    quote: shown,
    problem: pgNoSlashes
      ? `The DSN starts with "${scheme}:": ${what} missing its "//" (createKysely opens ${lower}:// URLs), not a SQLite file`
      : `The DSN ${prefix ? `is "${prefix}" followed by` : 'starts with'} "${scheme}:${hasAuthority ? '//' : ''}", ${what}; this library opens SQLite databases only`,
    accepted: ACCEPTED_DSNS,
    fix,
  });
}

/**
 * The exact `file:` spelling of a `sqlite:`/`sqlite3:` URL. Where the ecosystems disagree
 * (`sqlite:///x`) both readings are given; a URL with user information gets no rewrite at all,
 * since it cannot name a local file.
 */
function sqliteRewrite(input: string, scheme: string): string {
  const body = input.trimStart().slice(scheme.length + 1);
  const q = body.indexOf('?');
  const where = q < 0 ? body : body.slice(0, q);
  const query = q < 0 ? '' : redactDsn(`x?${body.slice(q + 1)}`, 'all').slice(1);
  const uri = (p: string): string => (p === ':memory:' ? `:memory:${query}` : `file:${p}${query}`);
  const one = (p: string): string => `write "${uri(p)}".`;
  if (/^\/\/[^/]*@/.test(where) || where.includes('#') || carriesSecret(where)) {
    return 'write a file: URI with the path only (user information, passwords and fragments have no meaning for a local file).';
  }
  if (!where.startsWith('//')) return one(where);
  const rest = where.slice(2);
  if (rest.startsWith('//')) return one(rest.slice(1)); // sqlite:////abs: absolute everywhere
  if (rest.startsWith('/')) {
    return `write "${uri(rest)}" for the absolute path (sqlx, Rails, dbmate read it so), or "${uri(rest.slice(1))}" for the relative one (SQLAlchemy reads "${scheme}:///x" so).`;
  }
  return one(rest); // sqlite://data.db: sqlx and golang-migrate read a relative path
}

/** `host=db;password=...`: PDO/ODBC-style parameters in the path, one of them a secret. */
function carriesSecret(text: string): boolean {
  return text.split(/[;&]/).some((part) => {
    const eq = part.indexOf('=');
    return eq > 0 && isSecretName(part.slice(0, eq).trim());
  });
}

/**
 * The error for a file path argument (a backup's destination, the backup a restore reads) that
 * is written as a URL, a connection string or a `file:` URI, or `undefined` for a plain path.
 * Such text read as a path planned a file under a folder called `postgres:` and printed the
 * password back in the "folder not found" message; a `file:` URI became a file of that literal
 * name. `DSN_UNSUPPORTED_SCHEME`, quoting no more than {@link classifyDsn}'s refusals do. `role`
 * names the argument (`the backup destination`). `./` in front keeps any such text a file name.
 */
export function filePathProblem(input: string, role: string): Error | undefined {
  const found = classifyDsn(input);
  const escape = 'a file whose name really starts so is written "./" followed by the name.';
  if (found.kind === 'sqlite') {
    if (!input.startsWith('file:')) return undefined;
    const path = input.slice('file:'.length).split(/[?#]/)[0]!.replace(/^\/\/(localhost)?(?=\/)/, '');
    return dsnError(input, {
      code: 'DSN_UNSUPPORTED_SCHEME',
      problem: `${role} is a file path, not a DSN: a "file:" URI here would be a file of that literal name`,
      accepted: 'a file path (backups/app.db, /abs/app.db)',
      fix: `write the path alone${path ? `: "${path}"` : ''}; ${escape}`,
    });
  }
  const quote = found.kind === 'connection-string' ? found.quote : `${found.scheme}:${found.kind === 'postgres' || found.hasAuthority ? '//' : ''}***`;
  const what = found.kind === 'connection-string'
    ? found.what
    : found.kind === 'postgres'
      ? 'a PostgreSQL server URL'
      : Object.hasOwn(FOREIGN_SCHEMES, found.scheme.toLowerCase()) ? FOREIGN_SCHEMES[found.scheme.toLowerCase()]!.what : `a "${found.scheme}:" URL`;
  return dsnError(input, {
    code: 'DSN_UNSUPPORTED_SCHEME',
    quote,
    problem: `${role} is a file path, but this is ${what}; backups are SQLite files`,
    accepted: 'a file path (backups/app.db, /abs/app.db)',
    fix: `give a file path. To copy a SQLite database into PostgreSQL use pgloader (docs/postgres.md); to back up PostgreSQL use pg_dump; ${escape}`,
  });
}
