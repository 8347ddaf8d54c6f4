/**
 * The Kysely connection of one dialect instance over a shared database. It carries the lease
 * (the FIFO lock of the file) while Kysely holds it, and the transaction state of that lease.
 */
import type { CompiledQuery, DatabaseConnection, QueryResult, TransactionSettings } from 'kysely';
import type { StatementResult } from '../drivers/types.js';
import type { TxLock } from '../dsn/types.js';
import { ReadOnlyTransactionError, TransactionAbortedError } from './errors.js';
import { checkUserStatement, isOwn } from './statement-policy.js';
import type { Unlock } from './fifo-lock.js';
import type { Holding } from './misuse.js';
import type { Lease } from './lease.js';
import { controlQuery } from './control.js';
import type { SharedDatabase } from './shared-database.js';
import { isLimitedWrite, rewriteLimitedWrite } from './limited-write.js';
import type { DualSqliteLogger } from './dialect-config.js';
import { MigrationMarker } from './guard/index.js';
import type { MigrationWaitPolicy } from './migration-wait.js';

const DEFAULT_CHUNK_SIZE = 100;

/**
 * Kysely's view of the shared connection. Kysely holds it between `acquireConnection` and
 * `releaseConnection`; the FIFO lock guarantees no other user runs statements meanwhile.
 */
export class DualSqliteConnection implements DatabaseConnection {
  readonly #db: SharedDatabase;
  readonly #busyTimeoutMs: number;
  readonly #log: DualSqliteLogger;
  readonly #wait: MigrationWaitPolicy;
  /** `_read_spans`: this user's autocommit SELECTs may share a read span (see read-span.ts). */
  readonly #spans: boolean;
  #unlock: Unlock | undefined;
  #holding: Holding | undefined;
  /** The current lease and the mark of the flow that took it (see misuse.ts). */
  #lease: Lease | undefined;
  #flow: Holding | undefined;
  /** `query_only` value to restore when a read-only transaction ends; undefined outside one. */
  #restoreQueryOnly: number | undefined;
  /** True between the adapter's acquireMigrationLock and releaseMigrationLock. */
  #migrating = false;
  /** This process's migration marker (file databases only), see guard/migrating.ts. */
  #marker: MigrationMarker | undefined;
  #warnedNoTransaction = false;

  constructor(db: SharedDatabase, busyTimeoutMs: number, log: DualSqliteLogger, wait: MigrationWaitPolicy, spans = false) {
    this.#db = db;
    this.#spans = spans;
    this.#busyTimeoutMs = busyTimeoutMs;
    this.#log = log;
    this.#wait = wait;
  }

  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    try {
      checkUserStatement(compiledQuery, this.#db.inTransaction);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#needsRewrite(compiledQuery)) return this.#executeRewritten(compiledQuery);
    const { sql, parameters } = compiledQuery;
    if (this.#migrating && !this.#db.inTransaction) this.#migrationOutsideTransaction(compiledQuery);
    // Inside a read-only transaction #run translates SQLITE_READONLY; elsewhere there is nothing
    // to translate, and an uncontended statement completes synchronously: one settled promise.
    if (this.#restoreQueryOnly !== undefined) return this.#run(sql, parameters).then(toQueryResult<R>);
    try {
      const attempt = this.#db.runFirst(sql, parameters, this.#busyTimeoutMs, this.#wait, this.#spans);
      return attempt instanceof Promise ? attempt.then(toQueryResult<R>) : Promise.resolve(toQueryResult<R>(attempt));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery, chunkSize = DEFAULT_CHUNK_SIZE): AsyncIterableIterator<QueryResult<R>> {
    const size = Number.isInteger(chunkSize) && chunkSize > 0 ? chunkSize : DEFAULT_CHUNK_SIZE;
    checkUserStatement(compiledQuery, this.#db.inTransaction);
    const query = this.#needsRewrite(compiledQuery) ? await this.#rewrite(compiledQuery) : compiledQuery;
    const lease = this.#lease;
    const inTransaction = lease?.use === 'transaction';
    // Inside a transaction the lease stays the transaction's (Kysely queues trx statements itself).
    if (lease && !inTransaction) lease.useFor('stream', query.sql, this.#db.captureSites);
    try {
      for await (const rows of this.#db.iterate(query.sql, query.parameters, this.#busyTimeoutMs, size, this.#wait)) {
        // parked while the consumer runs its loop body: a statement it starts then can never run
        if (lease) lease.parked = true;
        yield { rows: rows as R[] };
        if (lease) lease.parked = false;
      }
    } finally {
      if (lease) lease.parked = false;
    }
  }

  /** UPDATE/DELETE with ORDER BY/LIMIT where the SQLite in use cannot parse it (see limited-write.ts). */
  async #executeRewritten<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const query = await this.#rewrite(compiledQuery);
    return toQueryResult<R>(await this.#run(query.sql, query.parameters));
  }

  #needsRewrite(compiledQuery: CompiledQuery): boolean {
    return !this.#db.backend.capabilities.updateDeleteLimit && isLimitedWrite(compiledQuery.query);
  }

  #rewrite(compiledQuery: CompiledQuery): Promise<CompiledQuery> {
    return rewriteLimitedWrite(compiledQuery, this.#db.backend.selection.driver, async (sql, params) => (await this.#run(sql, params)).rows);
  }

  /**
   * Kysely's Migrator asked for the migration lock (through the adapter): the migration
   * transaction that follows begins IMMEDIATE whatever the `_txlock`, so that migrators of all
   * processes queue on SQLite's write lock and each reads the migration state only once it holds
   * it; and this process announces itself, so that other processes wait for it past their busy
   * timeout (see migration-wait.ts).
   */
  enterMigration(): void {
    if (this.#migrating) return;
    this.#migrating = true;
    this.#warnedNoTransaction = false;
    const filename = this.#db.backend.filename;
    if (filename === null || this.#db.backend.lockProtocol === 'none') return;
    this.#marker = new MigrationMarker(filename);
    this.#marker.set(this.#db.inTransaction ? 'running' : 'queued');
  }

  /** The Migrator released its lock: the migration run is over. */
  leaveMigration(): void {
    this.#migrating = false;
    this.#marker?.remove();
    this.#marker = undefined;
  }

  /** Records the lease granted by the file's FIFO lock, and the mark of the flow that took it. */
  lease(unlock: Unlock, lease: Lease, flow: Holding | undefined): void {
    this.#unlock = unlock;
    this.#lease = lease;
    this.#flow = flow;
  }

  /**
   * BEGINs with the DSN's `_txlock`; a read-only transaction begins DEFERRED (it never needs the
   * write lock) and turns on `PRAGMA query_only` until it ends, so a write inside it fails.
   * Isolation levels need nothing: SQLite transactions are always serializable.
   */
  async begin(settings: TransactionSettings, txlock: TxLock, holding: Holding): Promise<void> {
    this.#holding = holding;
    const readOnly = settings.accessMode === 'read only';
    const begin = `begin ${readOnly || this.#connectionReadOnly() ? 'deferred' : this.#migrating ? 'immediate' : txlock}`;
    this.#lease?.useFor('transaction', begin, this.#db.captureSites);
    await this.#control(begin);
    if (this.#migrating) this.#marker?.set('running');
    if (!readOnly) return;
    try {
      const current = await this.#run('pragma query_only', []);
      this.#restoreQueryOnly = Number(Object.values(current.rows[0] ?? {})[0] ?? 0);
      await this.#run('pragma query_only = 1', []);
    } catch (error) {
      this.#endQuietly('rollback');
      throw error;
    }
  }

  /**
   * COMMITs, unless a misuse was raised inside the transaction: then it rolls back and rejects
   * with {@link TransactionAbortedError}, whether or not the callback caught the misuse.
   */
  async commit(): Promise<void> {
    const misuse = this.#holding?.misuse;
    if (misuse !== undefined) {
      await this.rollback();
      throw new TransactionAbortedError(this.#db.label, misuse);
    }
    await this.#control('commit');
    this.#leaveReadOnly();
  }

  /**
   * Rolls back unless SQLite already did so by itself (after SQLITE_FULL, SQLITE_IOERR, a busy
   * statement...): a ROLLBACK then would fail with "no transaction is active" and replace the
   * error that caused the rollback.
   */
  async rollback(): Promise<void> {
    try {
      if (this.#db.inTransaction) await this.#control('rollback');
    } finally {
      this.#leaveReadOnly();
    }
  }

  /**
   * Hands the connection back. Never throws (a throw here would keep the FIFO lock forever): a
   * transaction left open is rolled back, read-only mode is undone, then the lock moves on.
   */
  release(): void {
    try {
      if (this.#migrating) this.leaveMigration();
      if (this.#holding) this.#holding.active = false;
      this.#holding = undefined;
      if (this.#flow) this.#flow.active = false;
      this.#flow = undefined;
      this.#lease = undefined;
      if (!this.#db.closed && this.#db.inTransaction) {
        this.#log({ level: 'warn', event: 'open-transaction-released', message: `connection to ${this.#db.label} released inside an open transaction; rolled it back` });
        this.#endQuietly('rollback');
      }
      this.#leaveReadOnly();
    } catch (error) {
      this.#log({ level: 'error', event: 'release-failed', message: `cleanup on release of ${this.#db.label} failed`, error });
    } finally {
      const unlock = this.#unlock;
      this.#unlock = undefined;
      unlock?.();
    }
  }

  /**
   * A transaction-control statement through `this.executeQuery`: Kysely's logging wraps that
   * method on this very object, so BEGIN/COMMIT/ROLLBACK are logged with their duration.
   */
  async #control(sql: string): Promise<void> {
    await this.executeQuery(controlQuery(sql));
  }

  async #run(sql: string, parameters: readonly unknown[]) {
    try {
      return await this.#db.run(sql, parameters, this.#busyTimeoutMs, this.#wait);
    } catch (error) {
      if (this.#restoreQueryOnly !== undefined && isReadOnlyError(error)) throw new ReadOnlyTransactionError(sql, error);
      throw error;
    }
  }

  /**
   * A connection that cannot write (`mode=ro`, `_query_only=1`) begins DEFERRED whatever the
   * `_txlock`: IMMEDIATE would fail with SQLITE_READONLY under query_only, and would take a write
   * lock it can never use.
   */
  #connectionReadOnly(): boolean {
    const config = this.#db.backend.config;
    return config.mode === 'ro' || config.pragmas.query_only === true;
  }

  /**
   * A migration statement in autocommit: the Migrator runs without a transaction
   * (`disableTransactions`), so processes are not serialized and a crash leaves a migration half
   * applied. Said once per run; the dialect's own statements do not count.
   */
  #migrationOutsideTransaction(query: CompiledQuery): void {
    if (this.#warnedNoTransaction || isOwn(query)) return;
    this.#warnedNoTransaction = true;
    this.#log({
      level: 'warn',
      event: 'migration-without-transaction',
      message:
        `migrations on ${this.#db.label} run without a transaction (disableTransactions): other processes may run the same ` +
        'migrations at the same time and a crash can leave one half applied; see docs/migrations.md',
    });
  }

  #leaveReadOnly(): void {
    const restore = this.#restoreQueryOnly;
    if (restore === undefined || this.#db.closed) return;
    this.#restoreQueryOnly = undefined;
    try {
      this.#db.runNow(`pragma query_only = ${restore ? 1 : 0}`);
    } catch (error) {
      this.#log({ level: 'error', event: 'query-only-restore-failed', message: `could not turn query_only back to ${restore} on ${this.#db.label}`, error });
    }
  }

  #endQuietly(sql: 'rollback'): void {
    try {
      if (this.#db.inTransaction) this.#db.runNow(sql);
    } catch (error) {
      this.#log({ level: 'error', event: 'rollback-failed', message: `${sql} on ${this.#db.label} failed`, error });
    }
  }
}

function toQueryResult<R>(result: StatementResult): QueryResult<R> {
  if (result.reader) return { rows: result.rows as R[] };
  return { numAffectedRows: BigInt(result.changes), insertId: BigInt(result.lastInsertRowid), rows: [] };
}

function isReadOnlyError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_READONLY');
}
