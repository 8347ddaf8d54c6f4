/**
 * `openDatabase`: a plain async handle on the shared connection of one database, for code that
 * wants SQL without Kysely. It queues on the same FIFO lock as every dialect on the file.
 */
import { migrationWaitPolicy, type MigrationWaitPolicy } from './migration-wait.js';
import type { DriverSelection, Row, StatementResult } from '../drivers/types.js';
import type { DsnConfig } from '../dsn/types.js';
import { defaultLogger, type DualSqliteOpenOptions } from './dialect-config.js';
import { DatabaseClosedError, InvalidOptionError } from './errors.js';
import type { Unlock } from './fifo-lock.js';
import { enableMisuseDetection, markFlow, type Holding } from './misuse.js';
import { backupShared, type BackupOptions, type BackupResult } from './backup/backup.js';
import { existsSync } from 'node:fs';
import { OpenError } from '../drivers/errors.js';
import { realDatabasePath } from '../drivers/paths.js';
import { checkDsnArgument, checkOptionNames, OPEN_OPTIONS, resolveOptions } from './options.js';
import { retainDatabase, type SharedRef } from './registry.js';
import { warnDriverFallback } from './fallback-warning.js';

/**
 * An open database. Statements wait for the process's connection in FIFO order, then wait
 * asynchronously for SQLite's lock (`_busy_timeout`). A handle that BEGINs a transaction keeps
 * the connection until that transaction ends, so nobody else's statement lands inside it; use one
 * handle per concurrent task (they share the connection) or the Kysely dialect.
 */
export class DualSqliteDatabase {
  readonly #ref: SharedRef;
  readonly #config: DsnConfig;
  readonly #options: DualSqliteOpenOptions;
  readonly #wait: MigrationWaitPolicy;
  /** The lease kept while this handle's transaction is open. */
  #held: Unlock | undefined;
  /** The mark of the async flow that began that transaction (see misuse.ts). */
  #heldBy: Holding | undefined;
  #closed = false;
  /** Names this handle in messages about who holds the connection. */
  readonly #owner = `openDatabase handle #${++handles}`;

  /** Use {@link openDatabase}. */
  constructor(ref: SharedRef, config: DsnConfig, options: DualSqliteOpenOptions) {
    this.#ref = ref;
    this.#config = config;
    this.#options = Object.freeze({ ...options });
    this.#wait = migrationWaitPolicy(options);
  }

  /** Real path of the file, `null` for memory and temp databases. */
  get filename(): string | null {
    return this.#ref.database.backend.filename;
  }

  /** The driver in use and why it was chosen. */
  get selection(): DriverSelection {
    return this.#ref.database.backend.selection;
  }

  /** The config this handle was opened with (its `_txlock`/`_busy_timeout` apply to it). */
  get config(): DsnConfig {
    return this.#config;
  }

  /** True while this handle's own transaction is open. */
  get inTransaction(): boolean {
    return this.#held !== undefined && this.#ref.database.inTransaction;
  }

  /** Runs one statement; SQLITE_BUSY is waited out asynchronously where a retry is safe. */
  async execute(sql: string, params: readonly unknown[] = []): Promise<StatementResult> {
    // Synchronously, in the caller's context: a transaction this statement begins belongs to the
    // caller's flow, which must not then wait for the connection through another handle.
    const flow = this.#held === undefined && BEGIN.test(sql) ? this.#markFlow() : undefined;
    let unlock: Unlock;
    try {
      unlock = await this.#lease();
    } catch (error) {
      if (flow) flow.active = false;
      throw error;
    }
    const database = this.#ref.database;
    if (flow) {
      flow.lease = database.holder;
      database.holder?.useFor('transaction', sql, database.captureSites);
    }
    try {
      return await database.run(sql, params, this.#config.busyTimeout, this.#wait, this.#config.readSpans === true);
    } finally {
      this.#settle(unlock, flow);
    }
  }

  /** Iterates rows; the connection is this handle's until the loop ends or stops early. */
  async *iterate(sql: string, params: readonly unknown[] = []): AsyncGenerator<Row> {
    const flow = this.#held === undefined ? this.#markFlow() : undefined;
    let unlock: Unlock;
    try {
      unlock = await this.#lease();
    } catch (error) {
      if (flow) flow.active = false;
      throw error;
    }
    const database = this.#ref.database;
    // inside this handle's transaction the lease stays the transaction's
    const lease = flow ? database.holder : undefined;
    if (flow) flow.lease = lease;
    lease?.useFor('stream', sql, database.captureSites);
    try {
      for await (const rows of database.iterate(sql, params, this.#config.busyTimeout, 1, this.#wait)) {
        for (const row of rows) {
          if (lease) lease.parked = true;
          yield row;
          if (lease) lease.parked = false;
        }
      }
    } finally {
      if (lease) lease.parked = false;
      this.#settle(unlock, flow);
    }
  }

  /**
   * Writes a consistent, verified copy of the database to `dest` while other processes keep
   * committing: `VACUUM INTO` a temporary file next to `dest` (waiting asynchronously for the read
   * lock like any statement), fsync, `integrity_check`, page count and header checks, then an
   * atomic rename. An existing `dest` is refused unless `force`. The connection is this handle's
   * for the copy only. In rollback-journal mode and with dot-file locking, other processes' writers
   * wait for the whole copy (`writersHeldMs` in the result); in WAL mode they do not wait.
   * Throws `BackupDestinationError`, `BackupVerificationError`, `BackupIoError`,
   * `BackupNotAFileError` (memory/temp database) or the `SqliteError` of the copy (e.g. inside a
   * transaction of this handle).
   */
  async backup(dest: string, options: BackupOptions = {}): Promise<BackupResult> {
    const unlock = await this.#lease();
    return backupShared(this.#ref.database, this.#config.busyTimeout, dest, options, () => this.#settle(unlock, undefined));
  }

  /**
   * Rolls back this handle's open transaction, if any, and drops its reference; the connection
   * closes when its last user is gone. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const held = this.#held;
    this.#held = undefined;
    if (held) {
      try {
        if (this.#ref.database.inTransaction) this.#ref.database.runNow('rollback');
      } catch (error) {
        (this.#options.log ?? defaultLogger)({ level: 'error', event: 'rollback-failed', message: 'rollback on close failed', error });
      } finally {
        if (this.#heldBy) this.#heldBy.active = false;
        this.#heldBy = undefined;
        held();
      }
    }
    await this.#ref.release();
  }

  async #lease(): Promise<Unlock> {
    if (this.#closed) throw new DatabaseClosedError(this.#ref.database.label);
    if (this.#held) return () => {};
    const { acquireTimeout, acquireWarning, log } = this.#options;
    const database = this.#ref.database;
    return database.tryAcquire(this.#owner) ?? database.acquire({
      owner: this.#owner,
      timeoutMs: acquireTimeout,
      busyTimeoutMs: this.#config.busyTimeout,
      warnAfterMs: acquireWarning,
      log: log ?? defaultLogger,
    });
  }

  #markFlow(): Holding | undefined {
    return this.#options.detectMisuse === false ? undefined : markFlow(this.#ref.database);
  }

  /** Keeps the lease while a transaction begun through this handle is open, else hands it on. */
  #settle(unlock: Unlock, flow: Holding | undefined): void {
    const database = this.#ref.database;
    if (database.inTransaction && !database.closed) {
      if (this.#held === undefined) {
        this.#held = unlock;
        this.#heldBy = flow;
        const holder = database.holder;
        if (holder) holder.handleTransaction = true;
      }
      return;
    }
    const held = this.#held;
    const heldBy = this.#heldBy;
    this.#held = undefined;
    this.#heldBy = undefined;
    if (flow) flow.active = false;
    if (heldBy) heldBy.active = false;
    unlock();
    held?.();
  }
}

let handles = 0;

const BEGIN = /^\s*begin\b/i;

/**
 * Opens (or joins, when this process already has it open) the database a DSN names.
 * Private `:memory:` and temp databases are private to the returned handle.
 */
export async function openDatabase(dsnOrConfig: string | DsnConfig, options: DualSqliteOpenOptions = {}): Promise<DualSqliteDatabase> {
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', options, 'pass an options object or leave it out');
  checkDsnArgument(dsnOrConfig, 'openDatabase');
  checkOptionNames(options, OPEN_OPTIONS, 'openDatabase()');
  const config = resolveOptions(dsnOrConfig, options);
  if (options.detectMisuse !== false) enableMisuseDetection();
  const ref = await retainDatabase(config, { driver: options.driver, env: options.env, wait: migrationWaitPolicy(options) });
  warnDriverFallback(ref.database.backend.selection, options.log ?? defaultLogger);
  return new DualSqliteDatabase(ref, config, options);
}

/**
 * Opens the database `dsnOrConfig` names (joining this process's connection if it is open),
 * backs it up to `dest` (see {@link DualSqliteDatabase.backup}) and closes it again.
 */
export async function backupDatabase(
  dsnOrConfig: string | DsnConfig,
  dest: string,
  options: BackupOptions & DualSqliteOpenOptions = {},
): Promise<BackupResult> {
  const { force, onProgress, ...open } = options;
  const config = resolveOptions(dsnOrConfig, open);
  // Opening creates a missing file (mode rwc): a typo in the source must not back up an empty database.
  if (config.location.kind === 'file' && !existsSync(realDatabasePath(config.location.path))) {
    throw new OpenError('DATABASE_NOT_FOUND', config.location.path, `cannot back up "${config.location.path}": the database file does not exist; check the path`);
  }
  const db = await openDatabase(config, open);
  try {
    return await db.backup(dest, { force, onProgress });
  } finally {
    await db.close();
  }
}
