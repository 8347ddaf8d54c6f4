import { isSecretName, redactDsn } from './errors.js';

/**
 * Connection strings of other databases that are not URLs, so {@link classifyDsn}'s scheme rule
 * cannot see them. Read as SQLite paths they would create files named after them and print the
 * password back in a "folder not found" message. Recognised shapes (docs/dsn.md):
 * - `user:password@host/db`, `user:password@host:port...` and Go's `user[:password]@tcp(...)`,
 *   `@unix(...)` (go-sql-driver/mysql);
 * - libpq `key=value key=value` where every key is a libpq keyword;
 * - ADO.NET/ODBC `Key=Value;Key=Value` where every key is a known keyword.
 * Only a DSN that does not start with `/`, `.` or `file:` is looked at: `./name` and
 * `file:name` keep any such text a file name.
 */

/** A recognised connection string: what it is, how to quote it, and the SQLite rewrite if any. */
export interface ConnectionString {
  /** What it names, for the message (`a go-sql-driver/mysql DSN`). */
  readonly what: string;
  /** The text with every secret (password, user) replaced by `***`. */
  readonly quote: string;
  /** The SQLite DSN meaning the same local file, when there is one (`Data Source=app.db` -> `app.db`). */
  readonly rewrite?: string;
}

const GO_MYSQL = /^([^\s/@]*)@(tcp|tcp6|unix|udp)\(/;
/** A host: `localhost`, a dotted name or address, or `[v6]`. A bare word (`a`) may be a folder. */
const HOST = String.raw`(?:localhost|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+|\[[0-9A-Fa-f:.]+\])`;
/** `user:pw@` then a host and `/`, or any host word with a port (`db:5432`). */
const USERINFO = new RegExp(String.raw`^[A-Za-z0-9._~-]+:[^\s/@]*@(?:(?:${HOST}|[A-Za-z0-9-]+):\d+(?:\/|$)|${HOST}\/)`);

/** libpq's connection keywords (PostgreSQL docs, "Parameter Key Words"). */
const LIBPQ = new Set([
  'host', 'hostaddr', 'port', 'dbname', 'user', 'password', 'passfile', 'require_auth', 'channel_binding',
  'connect_timeout', 'client_encoding', 'options', 'application_name', 'fallback_application_name',
  'keepalives', 'keepalives_idle', 'keepalives_interval', 'keepalives_count', 'tcp_user_timeout',
  'replication', 'gssencmode', 'sslmode', 'requiressl', 'sslcompression', 'sslcert', 'sslkey', 'sslpassword',
  'sslcertmode', 'sslrootcert', 'sslcrl', 'sslcrldir', 'sslsni', 'requirepeer', 'ssl_min_protocol_version',
  'ssl_max_protocol_version', 'krbsrvname', 'gsslib', 'gssdelegation', 'service', 'target_session_attrs',
  'load_balance_hosts',
]);

/** ADO.NET / ODBC keywords (SqlClient, Microsoft.Data.Sqlite, System.Data.SQLite, Npgsql, MySQL, ODBC). */
const ADO = new Set([
  'data source', 'datasource', 'server', 'address', 'addr', 'network address', 'host', 'port',
  'password', 'pwd', 'user id', 'userid', 'uid', 'user', 'username', 'user name', 'database',
  'initial catalog', 'driver', 'dsn', 'dbq', 'provider', 'integrated security', 'trusted_connection',
  'encrypt', 'trustservercertificate', 'trust server certificate', 'mode', 'version', 'cache',
  'foreign keys', 'journal mode', 'pooling', 'timeout', 'default timeout', 'connect timeout',
  'connection timeout', 'read only', 'new', 'filename', 'sslmode', 'ssl mode', 'charset',
  'application name', 'attachdbfilename', 'persist security info', 'multipleactiveresultsets',
  'failover partner', 'recursive triggers', 'synchronous', 'busytimeout', 'fkconstraints',
]);
/** Keys strong enough that one alone (`Data Source=app.db`) marks a connection string. */
const ADO_STRONG = new Set(['data source', 'datasource', 'server', 'password', 'pwd', 'driver', 'initial catalog', 'user id', 'dsn']);
/** Keys whose value names a server: such a string has no SQLite rewrite. */
const SERVER_KEYS = new Set(['server', 'address', 'addr', 'network address', 'host', 'port', 'driver', 'dsn', 'initial catalog', 'database', 'provider', 'integrated security', 'trusted_connection']);
/** Keys whose value is a user name: masked like URL user information. */
const USER_KEYS = new Set(['user', 'user id', 'userid', 'uid', 'username', 'user name']);

/** The connection string `input` is, or `undefined` when it may be a file name. */
export function classifyConnectionString(input: string): ConnectionString | undefined {
  if (/^[./]|^file:/.test(input)) return undefined;
  const go = GO_MYSQL.exec(input);
  if (go) {
    return { what: `a go-sql-driver/mysql DSN ("user:password@${go[2]}(address)/dbname")`, quote: `***@${redactDsn(input.slice(go[1]!.length + 1))}` };
  }
  // `user:pw@host` alone could be a file name (`notes:v2@draft.db`); with `/` or a port after a
  // host name it is a server address.
  if (USERINFO.test(input)) {
    const at = input.indexOf('@');
    return { what: 'a server address with user and password ("user:password@host/dbname", as MySQL and PostgreSQL tools write it)', quote: `***@${redactDsn(input.slice(at + 1))}` };
  }
  return ado(input) ?? libpq(input);
}

function ado(input: string): ConnectionString | undefined {
  if (!/^\s*[A-Za-z][A-Za-z _]*=/.test(input)) return undefined;
  const parts = input.split(';').filter((p) => p.trim() !== '');
  const pairs: Array<[string, string]> = [];
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq <= 0) return undefined;
    const key = part.slice(0, eq).trim().replace(/\s+/g, ' ').toLowerCase();
    if (!ADO.has(key)) return undefined;
    pairs.push([key, part.slice(eq + 1).trim()]);
  }
  if (pairs.length === 0) return undefined;
  if (pairs.length === 1 && !input.includes(';') && !ADO_STRONG.has(pairs[0]![0])) return undefined;
  const quote = parts
    .map((part) => {
      const eq = part.indexOf('=');
      const key = part.slice(0, eq).trim().replace(/\s+/g, ' ').toLowerCase();
      return isSecretName(key) || USER_KEYS.has(key) ? `${part.slice(0, eq)}=***` : part;
    })
    .join(';');
  const source = pairs.find(([k]) => k === 'data source' || k === 'datasource' || k === 'filename')?.[1];
  const local = source !== undefined && source !== '' && !pairs.some(([k]) => SERVER_KEYS.has(k)) && !/[;?#]/.test(source);
  const rewrite = local ? (/^[A-Za-z][A-Za-z0-9+.-]+:/.test(source) && source !== ':memory:' ? `./${source}` : source) : undefined;
  return { what: 'an ADO.NET/ODBC connection string ("Key=Value;Key=Value")', quote, ...(rewrite === undefined ? {} : { rewrite }) };
}

const LIBPQ_PAIR = /\s*([A-Za-z_]+)\s*=\s*('(?:[^'\\]|\\.)*'|[^\s']*)/y;

function libpq(input: string): ConnectionString | undefined {
  const pairs: Array<[string, string, string]> = [];
  LIBPQ_PAIR.lastIndex = 0;
  while (LIBPQ_PAIR.lastIndex < input.length) {
    const start = LIBPQ_PAIR.lastIndex;
    const m = LIBPQ_PAIR.exec(input);
    if (!m || m[0].length === 0) {
      if (input.slice(start).trim() === '') break;
      return undefined;
    }
    if (!LIBPQ.has(m[1]!)) return undefined;
    pairs.push([m[1]!, m[2]!, m[0]]);
  }
  if (pairs.length === 0) return undefined;
  if (pairs.length === 1 && !isSecretName(pairs[0]![0])) return undefined;
  const quote = pairs.map(([k, v]) => `${k}=${isSecretName(k) || k === 'user' ? '***' : v}`).join(' ');
  return { what: 'a PostgreSQL (libpq) connection string ("key=value key=value")', quote };
}
