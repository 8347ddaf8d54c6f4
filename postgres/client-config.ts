/**
 * A parsed PostgreSQL DSN -> the `pg.Pool` configuration. The one place that reveals the password
 * and reads the TLS files the DSN names (dsn/ does no I/O).
 */
import { readFileSync } from 'node:fs';
import type { PostgresDsnConfig } from '../dsn/postgres.js';
import { DualSqliteError } from '../dsn/base-error.js';

/** The pool configuration (pg's field names). */
export type PoolConfig = Record<string, unknown>;

/** Builds the pool configuration for `config`; reads `sslrootcert`/`sslcert`/`sslkey`. */
export function poolConfig(config: PostgresDsnConfig): PoolConfig {
  const s = config.settings;
  const out: PoolConfig = { host: config.host, port: config.port };
  if (config.database !== undefined) out.database = config.database;
  if (config.user !== undefined) out.user = config.user;
  if (config.password !== undefined) out.password = config.password.reveal();
  const ssl = tls(s);
  if (ssl !== undefined) out.ssl = ssl;
  if (s.connect_timeout !== undefined) out.connectionTimeoutMillis = Number(s.connect_timeout) * 1000;
  if (s.application_name !== undefined) out.application_name = s.application_name;
  for (const key of ['statement_timeout', 'lock_timeout', 'idle_in_transaction_session_timeout'] as const) {
    if (s[key] !== undefined) out[key] = s[key];
  }
  const options = [s.options, isolationOption(s.default_transaction_isolation)].filter((o) => o !== undefined);
  if (options.length > 0) out.options = options.join(' ');
  if (s.pool_max !== undefined) out.max = s.pool_max;
  if (s.pool_idle_timeout !== undefined) out.idleTimeoutMillis = s.pool_idle_timeout;
  return out;
}

/** `-c default_transaction_isolation=repeatable\ read`: the server splits options at unescaped spaces. */
function isolationOption(level: string | number | undefined): string | undefined {
  return level === undefined ? undefined : `-c default_transaction_isolation=${String(level).replace(/ /g, '\\ ')}`;
}

/** libpq's sslmode meanings, in node:tls terms. */
function tls(s: PostgresDsnConfig['settings']): false | Record<string, unknown> | undefined {
  const mode = s.sslmode as string | undefined;
  if (mode === undefined && s.sslrootcert === undefined && s.sslcert === undefined) return undefined;
  if (mode === 'disable') return false;
  const out: Record<string, unknown> = {};
  if (s.sslrootcert !== undefined) out.ca = readPem('sslrootcert', String(s.sslrootcert));
  if (s.sslcert !== undefined) out.cert = readPem('sslcert', String(s.sslcert));
  if (s.sslkey !== undefined) out.key = readPem('sslkey', String(s.sslkey));
  switch (mode) {
    case 'no-verify':
      out.rejectUnauthorized = false;
      break;
    case 'require':
      // libpq: require checks nothing, unless a root certificate is given (then it is verify-ca).
      if (s.sslrootcert === undefined) out.rejectUnauthorized = false;
      else out.checkServerIdentity = () => undefined;
      break;
    case 'verify-ca':
      out.checkServerIdentity = () => undefined;
      break;
    default: // verify-full, or TLS files without a mode: check chain and host name
      break;
  }
  return out;
}

function readPem(key: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    const code = (cause as { code?: string }).code ?? 'EIO';
    throw new DualSqliteError('PG_TLS_FILE_UNREADABLE', `${key}=${JSON.stringify(path)}: the file cannot be read (${code}); fix: give the path of a readable PEM file, or remove ${key}`, { cause });
  }
}
