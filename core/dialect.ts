/**
 * The Kysely dialect. Everything SQL-shaped is Kysely's own SQLite support (query compiler,
 * adapter, introspector); what this dialect adds is below Kysely's `Driver` interface.
 */
import { SqliteIntrospector, SqliteQueryCompiler, type DatabaseIntrospector, type Dialect, type DialectAdapter, type Driver, type Kysely, type QueryCompiler } from 'kysely';
import type { DsnConfig } from '../dsn/types.js';
import { DualSqliteAdapter } from './adapter.js';
import type { DualSqliteDialectConfig } from './dialect-config.js';
import { DualSqliteDriver } from './driver.js';
import { enableMisuseDetection } from './misuse.js';
import { InvalidOptionError } from './errors.js';
import { checkOptionNames, DIALECT_OPTIONS, resolveOptions } from './options.js';

/**
 * SQLite dialect for Kysely on better-sqlite3 or node-sqlite3-wasm, configured by a DSN.
 *
 * ```ts
 * const db = new Kysely<DB>({ dialect: new DualSqliteDialect({ dsn: process.env.DATABASE_URL! }) })
 * ```
 *
 * Every dialect (and every Kysely instance) on one file in this process shares one connection and
 * one FIFO queue; transactions begin with the DSN's `_txlock` (default IMMEDIATE); lock waits are
 * asynchronous; using the outer `db` inside its own transaction callback throws
 * `TransactionMisuseError`. The DSN and options are checked here, so bad input fails at construction.
 */
export class DualSqliteDialect implements Dialect {
  readonly #config: DualSqliteDialectConfig;
  readonly #dsn: DsnConfig;

  constructor(config: DualSqliteDialectConfig) {
    if (config === null || typeof config !== 'object') throw new InvalidOptionError('config', config, 'pass { dsn, ...options } to new DualSqliteDialect()');
    checkOptionNames(config, DIALECT_OPTIONS, 'new DualSqliteDialect()');
    this.#config = Object.freeze({ ...config });
    this.#dsn = resolveOptions(config.dsn, config);
    if (config.detectMisuse !== false) enableMisuseDetection();
  }

  /** The parsed DSN this dialect opens. */
  get dsn(): DsnConfig {
    return this.#dsn;
  }

  createDriver(): Driver {
    // The dialect itself owns private memory databases, so two Kysely instances built on the
    // same dialect object see the same `:memory:` database.
    return new DualSqliteDriver(this.#config, this.#dsn, this);
  }

  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new DualSqliteAdapter();
  }

  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}
