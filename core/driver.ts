/**
 * Kysely `Driver` over the shared database of one file: acquiring a connection queues on the
 * file's FIFO lock (shared with every other dialect on the file in this process).
 */
import type { CompiledQuery, DatabaseConnection, Driver, QueryCompiler, TransactionSettings } from 'kysely';
import { createQueryId, IdentifierNode, RawNode } from 'kysely';
import type { DsnConfig } from '../dsn/types.js';
import { DualSqliteConnection } from './connection.js';
import { markControl } from './control.js';
import { defaultLogger, type DualSqliteDialectConfig } from './dialect-config.js';
import { TransactionMisuseError, DatabaseClosedError } from './errors.js';
import { heldHere, markFlow, markHolding, type Holding } from './misuse.js';
import { migrationWaitPolicy } from './migration-wait.js';
import { retainDatabase, type SharedRef } from './registry.js';
import { warnDriverFallback } from './fallback-warning.js';

/** Kysely driver of one Kysely instance; all instances on a file share its {@link SharedRef}'s database. */
export class DualSqliteDriver implements Driver {
  readonly #config: DualSqliteDialectConfig;
  readonly #dsn: DsnConfig;
  readonly #memoryOwner: object;
  #ref: SharedRef | undefined;
  #connection: DualSqliteConnection | undefined;
  #destroyed = false;
  /** Names this Kysely instance in messages about who holds the connection. */
  readonly #owner = `Kysely instance #${++instances}`;

  /** `owner` scopes private memory databases: drivers of one dialect share one. */
  constructor(config: DualSqliteDialectConfig, dsn: DsnConfig, owner: object) {
    this.#config = config;
    this.#dsn = dsn;
    this.#memoryOwner = owner;
  }

  async init(): Promise<void> {
    const { driver, env } = this.#config;
    const wait = migrationWaitPolicy(this.#config);
    this.#ref = await retainDatabase(this.#dsn, { driver, env, wait }, this.#memoryOwner);
    warnDriverFallback(this.#ref.database.backend.selection, this.#config.log ?? defaultLogger);
    this.#connection = new DualSqliteConnection(this.#ref.database, this.#dsn.busyTimeout, this.#config.log ?? defaultLogger, wait, this.#dsn.readSpans === true);
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const ref = this.#ref;
    if (!ref || this.#destroyed) throw new DatabaseClosedError(ref?.database.label ?? 'the database');
    const detect = this.#config.detectMisuse !== false;
    const held = detect ? heldHere(ref.database) : undefined;
    if (held) {
      // The transaction that holds the connection cannot commit any more, even if the callback
      // catches this error: its work may depend on a query that never ran (see connection.commit).
      const misuse = new TransactionMisuseError(ref.database.label);
      held.misuse ??= misuse;
      throw misuse;
    }
    // Synchronously, in the context of the user's call: a stream on this lease marks the loop
    // that consumes it (see misuse.ts).
    const mark = detect ? markFlow(ref.database) : undefined;
    try {
      // A free lock is taken synchronously: no promise and no extra tick per query.
      const unlock = ref.database.tryAcquire(this.#owner) ?? (await ref.database.acquire(this.#acquireOptions()));
      if (mark) mark.lease = ref.database.holder;
      this.#connection!.lease(unlock, ref.database.holder!, mark);
      return this.#connection!;
    } catch (error) {
      if (mark) mark.active = false;
      throw error;
    }
  }

  #acquireOptions() {
    const { acquireTimeout, acquireWarning, log } = this.#config;
    return { owner: this.#owner, timeoutMs: acquireTimeout, busyTimeoutMs: this.#dsn.busyTimeout, warnAfterMs: acquireWarning, log: log ?? defaultLogger };
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    // Synchronously, before any await: the mark must land in the context that Kysely then runs
    // the transaction callback in (see misuse.ts).
    const holding = this.#config.detectMisuse === false ? unmarked(this.#ref!.database) : markHolding(this.#ref!.database);
    return (connection as DualSqliteConnection).begin(settings, this.#dsn.txlock, holding);
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as DualSqliteConnection).commit();
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as DualSqliteConnection).rollback();
  }

  async savepoint(connection: DatabaseConnection, name: string, compileQuery: QueryCompiler['compileQuery']): Promise<void> {
    await connection.executeQuery(savepointCommand('savepoint', name, compileQuery));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string, compileQuery: QueryCompiler['compileQuery']): Promise<void> {
    await connection.executeQuery(savepointCommand('rollback to', name, compileQuery));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string, compileQuery: QueryCompiler['compileQuery']): Promise<void> {
    await connection.executeQuery(savepointCommand('release', name, compileQuery));
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    (connection as DualSqliteConnection).release();
  }

  async destroy(): Promise<void> {
    if (this.#destroyed) return;
    this.#destroyed = true;
    await this.#ref?.release();
  }
}

let instances = 0;

/** A holding that marks no context: detection is off for this dialect. */
function unmarked(database: object): Holding {
  return { database, active: true, outer: undefined };
}

/** Same statement Kysely's own SQLite driver builds (`savepoint "name"`), quoted by the compiler. */
function savepointCommand(command: string, name: string, compileQuery: QueryCompiler['compileQuery']): CompiledQuery {
  const node = RawNode.createWithChildren([RawNode.createWithSql(`${command} `), IdentifierNode.create(name)]);
  return markControl(compileQuery(node, createQueryId()));
}
