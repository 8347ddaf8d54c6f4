/**
 * `createKysely(dsn)`, the one front door: a `postgres://` or `postgresql://` URL opens
 * PostgreSQL (postgres/), everything else is a SQLite DSN (core/). Deciding here keeps each engine
 * ignorant of the other; dsn/scheme.ts's `classifyDsn` is the one rule that tells them apart.
 */
import type { Kysely } from 'kysely';
import { createKysely as createSqliteKysely, type CreateKyselyOptions } from './core/create-kysely.js';
import { InvalidOptionError } from './core/errors.js';
import { classifyDsn } from './dsn/scheme.js';
import type { DsnConfig } from './dsn/types.js';
import { createPostgresKysely } from './postgres/create-kysely.js';

/**
 * A Kysely for `dsn`: on SQLite (`new Kysely({ dialect: new DualSqliteDialect({ dsn, ...options }) })`)
 * for a path, a `file:` URI, `:memory:` or a `DsnConfig`; on PostgreSQL (Kysely's PostgresDialect
 * over `pg`, see docs/postgres.md) for `postgres://user:password@host:5432/db?...`, where only
 * `log`, `plugins` and `kyselyLog` apply.
 *
 * @throws DsnError for an invalid DSN of either kind; InvalidOptionError for a bad option.
 */
export function createKysely<DB>(dsn: string | DsnConfig, options: CreateKyselyOptions = {}): Kysely<DB> {
  if (typeof dsn === 'string' && classifyDsn(dsn).kind === 'postgres') {
    if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', options, 'pass an options object or leave it out');
    return createPostgresKysely<DB>(dsn, options as Record<string, unknown>);
  }
  return createSqliteKysely<DB>(dsn, options);
}
