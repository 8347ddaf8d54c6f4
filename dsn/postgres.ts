import { parse as parseConnectionString } from 'pg-connection-string';
import { dsnError, isSecretName, redactDsn, type Complaint } from './errors.js';
import {
  findPostgresOption,
  POSTGRES_ACCEPTED_KEYS,
  POSTGRES_DSN_OPTIONS,
  POSTGRES_URL_KEYS,
  sqliteOnlyReason,
  type PostgresDsnOption,
} from './postgres-registry.js';
import { POSTGRES_SCHEME_LIST, POSTGRES_SCHEMES } from './scheme.js';
import { closest } from './suggest.js';
import { Rejection } from './values.js';

/**
 * A PostgreSQL DSN (`postgres://user:password@host:5432/db?key=value`, issue 18), parsed and
 * checked against the allow-list in postgres-registry.ts. The URL's structure (user information,
 * host, port, path, percent-encoding) is read by pg's own parser, `pg-connection-string`, so it
 * means exactly what it means to pg; the query is checked here, key by key, because that parser
 * passes any key on to pg, which ignores the ones it does not know.
 */

/**
 * A password that never turns into text by accident: `String()`, template literals, JSON and
 * `util.inspect` all give `***`; only {@link Secret.reveal} gives the value.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
    Object.freeze(this);
  }

  /** The secret itself, for the one place that hands it to the client library. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '***';
  }

  toJSON(): string {
    return '***';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'Secret(***)';
  }
}

/** The accepted query settings of a PostgreSQL DSN, by canonical key. */
export type PostgresSettings = Readonly<Record<string, string | number>>;

/** A parsed PostgreSQL DSN; deep-frozen. The password is a {@link Secret}. */
export interface PostgresDsnConfig {
  readonly engine: 'postgres';
  /** Host name, IP address, or a Unix socket directory (starts with `/`). */
  readonly host: string;
  readonly port: number;
  /** `undefined`: PostgreSQL's default, the user's name. */
  readonly database: string | undefined;
  /** `undefined`: pg's default (`PGUSER`, else the operating-system user). */
  readonly user: string | undefined;
  readonly password: Secret | undefined;
  /** Query settings by canonical key (see `POSTGRES_DSN_OPTIONS`); absent = not set. */
  readonly settings: PostgresSettings;
}

const SCHEME = new RegExp(`^\\s*(${POSTGRES_SCHEMES.join('|')}):\\/\\/`, 'i');
/** Any URL scheme, to quote a refused URL with its own scheme. */
const ANY_SCHEME = /^\s*([A-Za-z][A-Za-z0-9+.-]*):\/\//;

/** True when `input` is a `postgres://` or `postgresql://` URL (any case, leading blanks allowed). */
export function isPostgresDsn(input: string): boolean {
  return SCHEME.test(input);
}

/**
 * Parses a `postgres://` or `postgresql://` DSN. Every query key must be in the allow-list;
 * SQLite keys are refused with the reason, unknown keys with the closest accepted one.
 *
 * @throws DsnError (`DSN_UNKNOWN_OPTION`, `DSN_INVALID_VALUE`, `DSN_CONFLICT`, `DSN_UNSUPPORTED`,
 *   `DSN_INVALID_URI`); no message ever contains the password or the user information.
 */
export function parsePostgresDsn(input: string): PostgresDsnConfig {
  const m = SCHEME.exec(input);
  if (!m) {
    const other = ANY_SCHEME.exec(input)?.[1];
    throw fail(input, {
      code: 'DSN_UNSUPPORTED_SCHEME',
      problem: other === undefined ? 'The text is not a PostgreSQL URL (it has no "scheme://")' : `The URL starts with "${other}://", not a PostgreSQL URL`,
      accepted: POSTGRES_SCHEME_LIST,
      fix: 'write postgres://user:password@host:5432/database.',
    });
  }
  const body = input.trim();
  const hash = body.indexOf('#');
  if (hash >= 0) throw fail(input, { code: 'DSN_INVALID_URI', problem: 'The URL has a fragment ("#..."), which means nothing to PostgreSQL and usually is an unencoded "#" in a password', fix: 'percent-encode "#" as %23.' });
  // A "%" not followed by two hex digits: libpq refuses it, and pg would take the text as is, so a
  // password typed with a literal "%" would silently be a different password.
  const badEscape = /%(?![0-9A-Fa-f]{2})/.exec(body);
  if (badEscape) {
    throw fail(input, { code: 'DSN_INVALID_URI', problem: `The URL has a bad "%" escape at character ${badEscape.index + 1} (a "%" must start %XX)`, fix: 'write a literal "%" as %25 (in the password too).' });
  }
  const q = body.indexOf('?');
  const base = q < 0 ? body : body.slice(0, q);
  const settings = readQuery(input, q < 0 ? '' : body.slice(q + 1));
  const url = readUrl(input, base);
  return Object.freeze({ engine: 'postgres' as const, ...url, settings });
}

/** The URL without its query, through pg's parser; the query never reaches it. */
function readUrl(input: string, base: string): Omit<PostgresDsnConfig, 'engine' | 'settings'> {
  const authority = base.slice(base.indexOf('//') + 2).split('/')[0]!;
  const hostPart = authority.slice(authority.lastIndexOf('@') + 1);
  if (hostPart.includes(',')) {
    throw fail(input, { code: 'DSN_UNSUPPORTED', problem: 'The URL names several hosts; pg connects to one', fix: 'name one host (a load balancer or the primary).' });
  }
  // Checked before pg's parser, which refuses an out-of-range port with a generic "Invalid URL".
  const portText = /^(?:\[[^\]]*\]|[^:]*):(.*)$/.exec(hostPart)?.[1];
  if (portText !== undefined && portText !== '') checkPort(input, portText);
  let parsed: ReturnType<typeof parseConnectionString>;
  try {
    parsed = parseConnectionString(`postgres://${base.slice(base.indexOf('//') + 2)}`);
  } catch {
    // The parser's error would quote the URL: report the structure without it.
    throw fail(input, { code: 'DSN_INVALID_URI', problem: 'The URL cannot be parsed (a bad port, a space or a stray "@", ":" or "/" in the user information)', fix: 'write postgres://user:password@host:5432/database and percent-encode @ : / ? # in the user name and password.' });
  }
  const host = parsed.host ?? '';
  if (host === '' || host === '___DUMMY___') {
    throw fail(input, { code: 'DSN_INVALID_URI', problem: 'The URL names no host', fix: 'write the host: postgres://user@localhost:5432/database (a Unix socket directory as %2Fvar%2Frun%2Fpostgresql).' });
  }
  const port = parsed.port ? checkPort(input, String(parsed.port)) : 5432;
  const database = parsed.database ?? undefined;
  if (database !== undefined && /[\u0000-\u001f\u007f]/.test(database)) {
    throw fail(input, { code: 'DSN_INVALID_URI', problem: 'The database name contains a control character', fix: 'remove it.' });
  }
  return {
    host,
    port,
    database: database === '' ? undefined : database,
    user: parsed.user ? parsed.user : undefined,
    password: parsed.password ? new Secret(parsed.password) : undefined,
  };
}

/**
 * The port as a number, or a `DSN_INVALID_URI` naming it and the range. Only digits are quoted:
 * in `postgres://user:secret/db` (the host forgotten) the "port" is a password.
 */
function checkPort(input: string, text: string): number {
  const port = /^\d+$/.test(text) ? Number(text) : NaN;
  if (port >= 1 && port <= 65535) return port;
  const shownPort = /^\d+$/.test(text) ? `port ${text}` : 'port (the text after the host\'s ":", not quoted: it may be part of a password)';
  throw fail(input, {
    code: 'DSN_INVALID_URI',
    problem: `The ${shownPort} is not a TCP port`,
    accepted: `a whole number from 1 to 65535 (default ${DEFAULT_PORT})`,
    fix: `write a port from 1 to 65535 after the host (postgres://user@host:${DEFAULT_PORT}/database), or none for ${DEFAULT_PORT}.`,
  });
}

const DEFAULT_PORT = 5432;

function readQuery(input: string, query: string): Record<string, string | number> {
  const settings: Record<string, string | number> = {};
  const seen = new Map<string, string>();
  const segments = query === '' ? [] : query.split('&');
  segments.forEach((segment, i) => {
    if (segment === '') return;
    const eq = segment.indexOf('=');
    const rawKey = eq < 0 ? segment : segment.slice(0, eq);
    const key = decode(input, rawKey, i);
    const text = eq < 0 ? '' : decode(input, segment.slice(eq + 1).replace(/\+/g, ' '), i);
    const where = { option: key, show: [i] };
    if (/[@:/]/.test(key)) {
      // `postgres://u:pa?ss@h/db`: an unencoded "?" in a password starts the query early.
      throw fail(input, { code: 'DSN_INVALID_URI', problem: `query segment ${i + 1} has a key with "@", ":" or "/", which usually means an unencoded "?" in the user information`, fix: 'percent-encode ? as %3F (and @ : / # likewise) in the user name and password.' });
    }
    const option = findPostgresOption(key);
    if (option === undefined) throw unknownKey(input, key, i);
    if (eq < 0) throw fail(input, { code: 'DSN_INVALID_VALUE', ...where, problem: `"${key}" has no value`, accepted: option.type.accepts, fix: `write ${key}=VALUE.` });
    const value = parseValue(input, option, key, text, i);
    const prior = seen.get(option.key);
    if (prior !== undefined && settings[option.key] !== value) {
      throw fail(input, { code: 'DSN_CONFLICT', option: key, show: [i], problem: `"${option.key}" is set twice with different values (as ${prior} and as ${key})`, fix: 'keep one.' });
    }
    seen.set(option.key, key);
    settings[option.key] = value;
  });
  if ((settings.sslmode === 'verify-ca') && settings.sslrootcert === undefined) {
    throw fail(input, { code: 'DSN_CONFLICT', option: 'sslmode', problem: 'sslmode=verify-ca checks the server certificate against sslrootcert, which is not given', fix: 'add sslrootcert=/path/to/ca.pem, or write sslmode=verify-full to check against the system\'s CA certificates.' });
  }
  const options = settings.options === undefined ? '' : String(settings.options);
  for (const o of POSTGRES_DSN_OPTIONS) {
    // options=-c statement_timeout=... beside statement_timeout=...: two values for one setting.
    if (o.show === undefined || settings[o.key] === undefined) continue;
    if (new RegExp(`(^|\\s)(-c\\s*|--)${o.show.replace(/_/g, '[-_]')}\\s*=`, 'i').test(options)) {
      throw fail(input, { code: 'DSN_CONFLICT', option: o.key, problem: `"${o.key}" is set both as a key and inside options=`, fix: `keep one (the key: it is read back after connecting).` });
    }
  }
  if ((settings.sslcert === undefined) !== (settings.sslkey === undefined)) {
    throw fail(input, { code: 'DSN_CONFLICT', option: settings.sslcert === undefined ? 'sslkey' : 'sslcert', problem: 'a client certificate needs both sslcert and sslkey', fix: 'give both, or neither.' });
  }
  return Object.freeze(settings) as Record<string, string | number>;
}

function parseValue(input: string, option: PostgresDsnOption, key: string, text: string, i: number): string | number {
  const typed = option.type.parse(option.type.caseSensitive ? text : text.toLowerCase(), { cwd: '/', resolvePath: (_c, p) => p });
  if (typed instanceof Rejection) {
    throw fail(input, { code: typed.code, option: key, show: [i], problem: `${key}=${shown(key, text)} is refused: ${typed.reason}`, accepted: option.type.accepts, fix: typed.fix ?? `write one of: ${option.type.accepts}.` });
  }
  if (typed === undefined) {
    throw fail(input, { code: 'DSN_INVALID_VALUE', option: key, show: [i], problem: `${key}=${shown(key, text)} is not a valid value`, accepted: option.type.accepts, fix: `write ${key}= followed by ${option.type.accepts}.` });
  }
  return typed as string | number;
}

function unknownKey(input: string, key: string, i: number): Error {
  const url = POSTGRES_URL_KEYS[key];
  if (url !== undefined) return fail(input, { code: 'DSN_UNSUPPORTED', option: key, problem: `"${key}" is not accepted as a query key`, fix: `${url}.` });
  const sqlite = sqliteOnlyReason(key);
  if (sqlite !== undefined) {
    return fail(input, { code: 'DSN_UNSUPPORTED', option: key, show: [i], problem: sqlite, accepted: POSTGRES_ACCEPTED_KEYS.join(', '), fix: `remove "${key}" (docs/postgres.md lists what a PostgreSQL DSN takes).` });
  }
  const guess = closest(key, POSTGRES_ACCEPTED_KEYS);
  return fail(input, {
    code: 'DSN_UNKNOWN_OPTION',
    option: key,
    show: [i],
    problem: `Unknown PostgreSQL DSN key "${secretKey(key) ? '***' : key}"${guess ? `; did you mean "${guess}"?` : ''}`,
    accepted: POSTGRES_ACCEPTED_KEYS.join(', '),
    fix: guess ? `write "${guess}".` : 'remove it (docs/postgres.md lists what a PostgreSQL DSN takes).',
  });
}

function decode(input: string, text: string, i: number): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw fail(input, { code: 'DSN_INVALID_URI', problem: `query segment ${i + 1} has a bad "%" escape`, fix: 'write "%" as %25.' });
  }
}

/** Allow-listed keys hold settings (sslkey is a file path), never secrets. */
const secretKey = (key: string): boolean => findPostgresOption(key) === undefined && isSecretName(key);
const shown = (key: string, value: string): string => (secretKey(key) ? '***' : JSON.stringify(value));

/**
 * A `DsnError` quoting the DSN as `postgres://***?query`: nothing before the query is quoted,
 * since a password with an unencoded `/`, `#` or `@` moves the boundaries any rule could draw;
 * query values are hidden except the offending one (and secret-looking ones always). When an
 * `@` appears only after the `?`, the `?` may be part of the password: then nothing is quoted.
 */
function fail(input: string, complaint: Complaint): Error {
  const body = input.trim();
  // the input's own scheme (a mysql:// URL given where a PostgreSQL one belongs is quoted as mysql://)
  const scheme = ANY_SCHEME.exec(input)?.[1];
  const q = body.indexOf('?');
  const query = q < 0 ? '' : body.slice(q);
  const suspicious = q >= 0 && !body.slice(0, q).includes('@') && query.includes('@');
  const hashless = query.includes('#') ? query.slice(0, query.indexOf('#')) : query;
  const shownQuery = suspicious || hashless === '' ? '' : redactDsn(`x${hashless}`, new Set(complaint.show ?? [])).slice(1);
  return dsnError(input, { ...complaint, quote: `${scheme === undefined ? '' : `${scheme}://`}***${shownQuery}` });
}

/**
 * The canonical spelling for people (`inspect`, logs): scheme `postgres`, the user information as
 * `***`, port always written, settings in table order. It is not a connection string.
 */
export function formatPostgresDsn(config: PostgresDsnConfig): string {
  const enc = encodeURIComponent;
  // The whole user information is hidden, the user name too (issue 19: a URL's user information
  // never reaches a message, an inspect line or a log; some put a token in the user name).
  const user = config.user === undefined && config.password === undefined ? '' : '***@';
  const host = config.host.startsWith('/') ? enc(config.host) : config.host.includes(':') ? `[${config.host}]` : config.host;
  const query = POSTGRES_DSN_OPTIONS.filter((o) => config.settings[o.key] !== undefined)
    .map((o) => `${o.key}=${enc(o.type.format(config.settings[o.key]))}`)
    .join('&');
  return `postgres://${user}${host}:${config.port}/${config.database === undefined ? '' : enc(config.database)}${query ? `?${query}` : ''}`;
}
