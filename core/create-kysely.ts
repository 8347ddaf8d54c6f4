import { Kysely, type KyselyConfig } from 'kysely';
import type { DsnConfig } from '../dsn/types.js';
import type { DualSqliteDialectConfig, DualSqliteOpenOptions } from './dialect-config.js';
import { DualSqliteDialect } from './dialect.js';
import { InvalidOptionError } from './errors.js';
import { checkDsnArgument, checkOptionNames, CREATE_KYSELY_OPTIONS } from './options.js';

/** Options of {@link createKysely}: the dialect's options plus Kysely's own `plugins` and `log`. */
export interface CreateKyselyOptions extends DualSqliteOpenOptions {
  readonly plugins?: KyselyConfig['plugins'];
  /** Kysely's query log (not the dialect's event log, which is `log`). */
  readonly kyselyLog?: KyselyConfig['log'];
}

/** `new Kysely<DB>({ dialect: new DualSqliteDialect({ dsn, ...options }) })` in one call. */
export function createKysely<DB>(dsn: string | DsnConfig, options: CreateKyselyOptions = {}): Kysely<DB> {
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', options, 'pass an options object or leave it out');
  checkDsnArgument(dsn, 'createKysely');
  checkOptionNames(options, CREATE_KYSELY_OPTIONS, 'createKysely()');
  const { plugins, kyselyLog, ...dialectOptions } = options;
  return new Kysely<DB>({
    dialect: new DualSqliteDialect({ dsn, ...dialectOptions }),
    ...(plugins ? { plugins } : {}),
    ...(kyselyLog ? { log: kyselyLog } : {}),
  });
}
