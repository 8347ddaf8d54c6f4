/**
 * The PostgreSQL side of `createKysely(url)`: Kysely's own PostgresDialect parts over `pg`, with
 * three things added, all in the pool handed to Kysely's PostgresDriver: `pg` is loaded on first
 * use; every error the server sends becomes a {@link PostgresError} with the portable `kind`;
 * every new connection reads back the server settings the DSN asked for.
 */
import {
  PostgresAdapter,
  PostgresDriver,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type PostgresPool,
  type PostgresPoolClient,
  type QueryCompiler,
} from 'kysely';
import type { PostgresDsnConfig } from '../dsn/postgres.js';
import type { DualSqliteLogger } from '../core/dialect-config.js';
import { PgConnectError, PostgresError, isServerError } from './errors.js';
import { poolConfig } from './client-config.js';
import { loadPg, type PgClient, type PgPool } from './load.js';
import { readBackSettings } from './readback.js';

/** Options of {@link PostgresDsnDialect}. */
export interface PostgresDsnDialectConfig {
  /** A parsed `postgres://` DSN (`parsePostgresDsn`). */
  readonly dsn: PostgresDsnConfig;
  /** Receives events handled by the library (an idle pooled connection that broke). */
  readonly log?: DualSqliteLogger;
  /** @internal the module to load instead of `pg` (tests of the missing-package error). */
  readonly pgModule?: string;
}

/** A Kysely dialect for a PostgreSQL DSN. `createKysely('postgres://...')` builds it. */
export class PostgresDsnDialect implements Dialect {
  readonly #config: PostgresDsnDialectConfig;

  constructor(config: PostgresDsnDialectConfig) {
    this.#config = Object.freeze({ ...config });
  }

  createDriver(): Driver {
    const config = this.#config;
    return new PostgresDriver({ pool: () => openPool(config) });
  }

  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }

  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
}

async function openPool(config: PostgresDsnDialectConfig): Promise<PostgresPool> {
  const pg = await loadPg(config.pgModule);
  const { host, port } = config.dsn;
  const pool = new pg.Pool(poolConfig(config.dsn));
  // pg emits 'error' for an idle pooled connection that broke (server restart); without a
  // listener Node would end the process. pg drops that connection; the next query opens another.
  pool.on('error', (error) => {
    const log = config.log ?? ((e) => console.warn(`kysely-dual-sqlite: ${e.message}`));
    log({ level: 'warn', event: 'idle-connection-error', message: `an idle PostgreSQL connection to ${host}:${port} failed and was dropped from the pool: ${error.message}`, error });
  });
  return new TranslatingPool(pool, config.dsn);
}

/**
 * The pool Kysely's PostgresDriver sees: the same clients, each wrapped once (Kysely keys its
 * connections by client object). A new client reads its settings back before Kysely sees it, so a
 * mismatch can destroy that client: a client that failed inside Kysely's `onCreateConnection`
 * would stay checked out, and `db.destroy()` would wait for it forever.
 */
class TranslatingPool implements PostgresPool {
  readonly #pool: PgPool;
  readonly #dsn: PostgresDsnConfig;
  readonly #wrappers = new WeakMap<PgClient, PostgresPoolClient>();
  /**
   * Kysely 0.29 reads `options` (and `Client`) to open a separate connection that cancels a
   * query; without `Client` it cancels through a pooled connection instead, so the pool's
   * options (which hold the password) are not handed out.
   */
  readonly options: object = Object.freeze({});

  constructor(pool: PgPool, dsn: PostgresDsnConfig) {
    this.#pool = pool;
    this.#dsn = dsn;
  }

  async connect(): Promise<PostgresPoolClient> {
    let client: PgClient;
    try {
      client = await this.#pool.connect();
    } catch (e) {
      throw isServerError(e) ? new PostgresError(e, undefined, e) : new PgConnectError(this.#dsn.host, this.#dsn.port, e);
    }
    let wrapper = this.#wrappers.get(client);
    if (!wrapper) {
      const fresh = translatingClient(client);
      try {
        await readBackSettings((text, parameters) => fresh.query(text, parameters) as never, this.#dsn);
      } catch (e) {
        client.release(true);
        throw e;
      }
      wrapper = fresh;
      this.#wrappers.set(client, wrapper);
    }
    return wrapper;
  }

  end(): Promise<void> {
    return this.#pool.end();
  }
}

function translatingClient(client: PgClient): PostgresPoolClient {
  return {
    query(...args: unknown[]): any {
      const result = client.query(...args);
      if (!(result instanceof Promise)) return result; // a cursor
      const sql = typeof args[0] === 'string' ? args[0] : undefined;
      return result.catch((e: unknown) => {
        throw isServerError(e) ? new PostgresError(e, sql, e) : e;
      });
    },
    release: (destroy?: boolean) => client.release(destroy),
  } as PostgresPoolClient;
}
