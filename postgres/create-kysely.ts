import { Kysely, type KyselyConfig } from 'kysely';
import type { DualSqliteLogger } from '../core/dialect-config.js';
import { InvalidOptionError } from '../core/errors.js';
import { parsePostgresDsn } from '../dsn/postgres.js';
import { PostgresDsnDialect } from './dialect.js';

/** The options `createKysely` takes for a PostgreSQL DSN; the others configure SQLite only. */
export const POSTGRES_KYSELY_OPTIONS = ['log', 'plugins', 'kyselyLog'] as const;

/** What `createKysely(url, options)` passes on for a PostgreSQL DSN. */
export interface PostgresKyselyOptions {
  readonly log?: DualSqliteLogger;
  readonly plugins?: KyselyConfig['plugins'];
  readonly kyselyLog?: KyselyConfig['log'];
}

/**
 * A Kysely on PostgreSQL for a `postgres://` DSN: parsed and checked at once (bad DSNs throw
 * here, synchronously, like SQLite ones), connected on the first query.
 */
export function createPostgresKysely<DB>(url: string, options: Record<string, unknown>): Kysely<DB> {
  for (const [name, value] of Object.entries(options)) {
    if ((POSTGRES_KYSELY_OPTIONS as readonly string[]).includes(name) || value === undefined) continue;
    throw new InvalidOptionError(name, value, `"${name}" is an option of the SQLite engine, and the DSN names a PostgreSQL server; remove it (createKysely takes ${POSTGRES_KYSELY_OPTIONS.join(', ')} for a PostgreSQL DSN; see docs/postgres.md)`);
  }
  const { log, plugins, kyselyLog } = options as PostgresKyselyOptions;
  return new Kysely<DB>({
    dialect: new PostgresDsnDialect({ dsn: parsePostgresDsn(url), ...(log ? { log } : {}) }),
    ...(plugins ? { plugins } : {}),
    ...(kyselyLog ? { log: kyselyLog } : {}),
  });
}
