import { DSN_OPTIONS, DSN_UNSUPPORTED_KEYS } from './registry.js';
import { integer, oneOf, Rejection, type ValueType } from './values.js';

/**
 * The one allow-list of query keys of a PostgreSQL DSN (`postgres://...?key=value`). Parsing,
 * the client configuration, the read-back after connecting, `dual-sqlite inspect` and the table
 * in docs/postgres.md are all driven by this table, like dsn/registry.ts for SQLite.
 */

/** What the adapter does with an accepted key. */
export type PostgresTarget =
  /** A pg client setting (`ssl`, `connectionTimeoutMillis`, ...), not visible from SQL. */
  | 'client'
  /** A server setting sent at connect time and read back with `SHOW name`. */
  | 'server'
  /** A setting of the connection pool. */
  | 'pool';

/** One accepted key. */
export interface PostgresDsnOption {
  /** The query key (libpq's spelling where libpq has the setting). */
  readonly key: string;
  /** Other accepted spellings (pg's own names). */
  readonly aliases: readonly string[];
  readonly target: PostgresTarget;
  /** The server setting `SHOW` reads back, for `server` targets. */
  readonly show: string | undefined;
  // The value type is heterogeneous across the table; each entry pairs its own parse/format.
  readonly type: ValueType<any>;
  /** What happens when the DSN leaves the key out, for docs and `inspect`. */
  readonly unset: string;
  readonly description: string;
}

function option(o: Omit<PostgresDsnOption, 'aliases' | 'show'> & Partial<Pick<PostgresDsnOption, 'aliases' | 'show'>>): PostgresDsnOption {
  return Object.freeze({ ...o, aliases: Object.freeze([...(o.aliases ?? [])]), show: o.show, type: Object.freeze(o.type) });
}

/** Free text kept as written (case and spaces), without control characters. */
function text(accepts: string, max = 1000): ValueType<string> {
  return {
    accepts,
    caseSensitive: true,
    parse: (t) => (t.length > 0 && t.length <= max && !/[\u0000-\u001f\u007f]/.test(t) ? t : undefined),
    format: (v) => v,
  };
}

/** `default_transaction_isolation`: the SQL spelling, also with `_` or `-` for the space. */
const ISOLATION: ValueType<string> = {
  accepts: 'read committed, repeatable read, serializable (a space may be written as _, - or +); read uncommitted is refused',
  parse(t) {
    const v = t.replace(/[_+-]/g, ' ').replace(/\s+/g, ' ').trim();
    if (v === 'read uncommitted') {
      return new Rejection('DSN_INVALID_VALUE', 'PostgreSQL runs read uncommitted as read committed, so the read-back would never match', 'write read_committed.');
    }
    return ['read committed', 'repeatable read', 'serializable'].includes(v) ? v : undefined;
  },
  format: (v) => v.replace(/ /g, '_'),
};

const ms = (max = 2_147_483_647): ValueType<number> => integer(0, max, `an integer number of milliseconds from 0 to ${max} (0 = no limit)`);

/** The registry, in documentation order. */
export const POSTGRES_DSN_OPTIONS: readonly PostgresDsnOption[] = Object.freeze([
  option({
    key: 'sslmode',
    target: 'client',
    type: oneOf(['disable', 'require', 'verify-ca', 'verify-full', 'no-verify'], {
      refused: Object.fromEntries(
        ['prefer', 'allow'].map((v) => [
          v,
          new Rejection('DSN_UNSUPPORTED', `sslmode=${v} falls back between TLS and plain text, which pg (the client library) does not do`, 'write sslmode=require (TLS always) or sslmode=disable (never).'),
        ]),
      ),
    }),
    unset: 'no TLS (pg\'s default; libpq would try TLS first)',
    description: 'TLS: disable = never; require = always, certificate not checked (unless sslrootcert is given); verify-ca = the server certificate must chain to sslrootcert; verify-full = verify-ca plus the host name; no-verify = TLS without any check.',
  }),
  option({
    key: 'sslrootcert',
    target: 'client',
    type: text('a path to a PEM file of trusted CA certificates', 4096),
    unset: 'the system\'s CA certificates (for verify-full)',
    description: 'File of CA certificates the server certificate must chain to; read when the first connection opens.',
  }),
  option({
    key: 'sslcert',
    target: 'client',
    type: text('a path to a PEM client certificate', 4096),
    unset: 'no client certificate',
    description: 'Client certificate file (with sslkey), for servers that authenticate by certificate.',
  }),
  option({
    key: 'sslkey',
    target: 'client',
    type: text('a path to the PEM private key of sslcert', 4096),
    unset: 'no client certificate',
    description: 'Private key file of sslcert.',
  }),
  option({
    key: 'connect_timeout',
    target: 'client',
    type: integer(0, 2_147_483, 'an integer number of seconds from 0 to 2147483 (0 = wait without limit)'),
    unset: 'wait without limit (pg\'s default)',
    description: 'Seconds to wait for a connection to be established, as in libpq.',
  }),
  option({
    key: 'application_name',
    target: 'server',
    show: 'application_name',
    type: text('text of up to 63 characters', 63),
    unset: 'empty',
    description: 'The name the server shows for this client (pg_stat_activity, logs). Read back after connecting.',
  }),
  option({
    key: 'options',
    target: 'client',
    type: text('command-line options for the server, e.g. -c search_path=app'),
    unset: 'none',
    description: 'Server options sent at connect time, as in libpq (e.g. "-c search_path=app"). Not read back: use the keys below for settings that are.',
  }),
  option({
    key: 'statement_timeout',
    target: 'server',
    show: 'statement_timeout',
    type: ms(),
    unset: 'the server\'s setting (0 = no limit unless configured)',
    description: 'Milliseconds a statement may run before the server cancels it (SQLSTATE 57014). Read back after connecting.',
  }),
  option({
    key: 'lock_timeout',
    target: 'server',
    show: 'lock_timeout',
    type: ms(),
    unset: 'the server\'s setting (0 = wait without limit unless configured)',
    description: 'Milliseconds a statement waits for a lock before failing with SQLSTATE 55P03 (kind "busy"): the closest thing to SQLite\'s _busy_timeout. Read back after connecting.',
  }),
  option({
    key: 'idle_in_transaction_session_timeout',
    target: 'server',
    show: 'idle_in_transaction_session_timeout',
    type: ms(),
    unset: 'the server\'s setting',
    description: 'Milliseconds a session may sit idle inside an open transaction before the server ends it. Read back after connecting.',
  }),
  option({
    key: 'default_transaction_isolation',
    aliases: ['isolation'],
    target: 'server',
    show: 'default_transaction_isolation',
    type: ISOLATION,
    unset: 'the server\'s setting: read committed unless configured',
    description: 'Isolation level of every transaction that does not choose one (db.transaction().setIsolationLevel(...) still wins). serializable comes closest to SQLite, where every transaction is serializable. Read back after connecting.',
  }),
  option({
    key: 'pool_max',
    aliases: ['max'],
    target: 'pool',
    type: integer(1, 10_000),
    unset: '10 (pg.Pool\'s default)',
    description: 'Most connections the pool opens at once.',
  }),
  option({
    key: 'pool_idle_timeout',
    target: 'pool',
    type: ms(),
    unset: '10000 (pg.Pool\'s default)',
    description: 'Milliseconds an idle pooled connection is kept before it is closed (0 = kept until the pool ends).',
  }),
]);

/** A key the URL itself already says: given in the query too, it would contradict the URL or hide a secret. */
export const POSTGRES_URL_KEYS: Readonly<Record<string, string>> = Object.freeze({
  host: 'the host goes in the URL: postgres://user@HOST:5432/db (a Unix socket directory as %2Fvar%2Frun%2Fpostgresql)',
  hostaddr: 'the host goes in the URL: postgres://user@HOST:5432/db',
  port: 'the port goes in the URL: postgres://user@host:PORT/db',
  user: 'the user goes in the URL: postgres://USER@host/db',
  password: 'the password goes in the URL\'s user information: postgres://user:PASSWORD@host/db (percent-encode @ : / ? #)',
  passfile: 'pg reads no password file; put the password in the URL\'s user information',
  dbname: 'the database goes in the URL\'s path: postgres://user@host/DBNAME',
  database: 'the database goes in the URL\'s path: postgres://user@host/DATABASE',
  ssl: 'write sslmode=require or sslmode=disable',
});

/** Why a SQLite key means nothing to PostgreSQL, for the keys where the message can say more. */
const SQLITE_HINTS: Readonly<Record<string, string>> = Object.freeze({
  _txlock: 'PostgreSQL has no BEGIN IMMEDIATE: writers do not take a database-wide lock; choose the isolation level with default_transaction_isolation',
  _busy_timeout: 'PostgreSQL waits for row locks, not a file lock; lock_timeout bounds that wait',
  _timeout: 'PostgreSQL waits for row locks, not a file lock; lock_timeout bounds that wait',
  _foreign_keys: 'PostgreSQL always enforces foreign keys',
  _fk: 'PostgreSQL always enforces foreign keys',
  _journal_mode: 'the server manages its own write-ahead log',
  _journal: 'the server manages its own write-ahead log',
  vfs: 'a VFS is how SQLite reaches a local file; a server has none',
  _driver: 'it picks a SQLite binding; PostgreSQL always goes through pg',
  mode: 'read-only access is a role or a transaction setting on a server (db.transaction().setAccessMode(\'read only\'))',
  _pragma: 'PRAGMA statements are SQLite\'s; server settings are set with options=-c name=value or the keys of this list',
});

/** Why `key` (a SQLite DSN key or Go-driver key) is refused on a PostgreSQL DSN, or `undefined`. */
export function sqliteOnlyReason(key: string): string | undefined {
  const sqlite = key === '_pragma' || DSN_OPTIONS.some((o) => o.key === key || o.aliases.includes(key));
  const goOnly = DSN_UNSUPPORTED_KEYS.some((u) => (u.key.endsWith('*') ? key.startsWith(u.key.slice(0, -1)) : key === u.key));
  if (!sqlite && !goOnly) return undefined;
  const hint = SQLITE_HINTS[key];
  return `"${key}" is a SQLite setting, and this DSN names a PostgreSQL server${hint ? `: ${hint}` : ''}`;
}

/** The option whose key or alias is exactly `key`. */
export function findPostgresOption(key: string): PostgresDsnOption | undefined {
  return BY_KEY.get(key);
}

/** Every key and alias accepted in a PostgreSQL DSN's query, sorted. */
export const POSTGRES_ACCEPTED_KEYS: readonly string[] = Object.freeze(POSTGRES_DSN_OPTIONS.flatMap((o) => [o.key, ...o.aliases]).sort());

const BY_KEY = new Map<string, PostgresDsnOption>(POSTGRES_DSN_OPTIONS.flatMap((o) => [o.key, ...o.aliases].map((k) => [k, o] as const)));

/** The key table of docs/postgres.md, rendered from {@link POSTGRES_DSN_OPTIONS}. */
export function renderPostgresOptionTable(): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|');
  const rows = POSTGRES_DSN_OPTIONS.map((o) => {
    const keys = [o.key, ...o.aliases].map((k) => `\`${k}\``).join(', ');
    const readBack = o.show === undefined ? (o.target === 'pool' ? 'pool' : 'client') : `read back (\`${o.show}\`)`;
    return `| ${keys} | ${cell(o.type.accepts)} | ${cell(o.unset)} | ${readBack} | ${cell(o.description)} |`;
  });
  return ['| Key | Values | When not set | Applied | What it does |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}
