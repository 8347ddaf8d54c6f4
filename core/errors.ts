/**
 * Errors thrown by `core/`. Each extends {@link DualSqliteError} with a stable `code`; the message
 * names what went wrong, the value involved and the fix.
 */
import { DualSqliteError } from '../dsn/base-error.js';

/**
 * The outer `db` was used inside its own transaction callback. It would wait for the connection
 * that this very callback holds, forever. Code `TRANSACTION_MISUSE`.
 */
export class TransactionMisuseError extends DualSqliteError {
  /** The database (real path, or a memory label) whose connection is held. */
  readonly database: string;

  /**
   * `holder`: the open transaction of an `openDatabase` handle that this flow began, waited for
   * `waitedMs` (the waiter's `_busy_timeout`), as a second SQLite connection would have.
   */
  constructor(database: string, holder?: string, waitedMs?: number) {
    super(
      'TRANSACTION_MISUSE',
      holder === undefined
        ? `the outer Kysely instance was used inside its own transaction callback on ${database}: ` +
            'this async context already holds the connection to this database, so the query would wait forever. ' +
            'Use the `trx` argument of the callback instead of `db` (and do not start a second transaction inside it).'
        : `this async flow holds the connection to ${database} in ${holder}, and waited ${waitedMs} ms (_busy_timeout) for that ` +
            'same connection through another handle or a Kysely instance: only this flow can end that transaction, so awaiting ' +
            'this statement first would wait forever (every handle and dialect on a file shares one connection). Run the statement ' +
            'through the handle that began the transaction, or commit or roll back there first.',
    );
    this.database = database;
  }
}

/**
 * A statement was started on a database while the same async flow iterates a stream on it (e.g.
 * a write inside `for await (const row of db.selectFrom(...).stream())`). The one connection
 * cannot run a statement while it iterates, so the statement would wait for the stream, which
 * waits for the loop: forever. Code `STREAM_MISUSE`.
 */
export class StreamMisuseError extends DualSqliteError {
  readonly database: string;

  constructor(database: string, holder: string) {
    super(
      'STREAM_MISUSE',
      `a statement was started on ${database} while this async flow iterates ${holder}: the connection cannot run a ` +
        'statement while it iterates, and the stream only moves on when this loop does, so it would wait forever. ' +
        'Read the rows first (.execute(), or pages with limit/offset) and write after, or collect the changes and run them after the loop.',
    );
    this.database = database;
  }
}

/** Waiting for this process's connection took longer than `acquireTimeout`. Code `ACQUIRE_TIMEOUT`. */
export class AcquireTimeoutError extends DualSqliteError {
  readonly database: string;
  readonly timeoutMs: number;

  constructor(database: string, timeoutMs: number) {
    super(
      'ACQUIRE_TIMEOUT',
      `waited ${timeoutMs} ms (acquireTimeout=${timeoutMs}) for the connection to ${database}, which another ` +
        'query or transaction of this process still holds; finish or shorten that transaction (a controlled ' +
        'transaction from startTransaction() holds it until commit/rollback) or raise acquireTimeout.',
    );
    this.database = database;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * Two users of one database file in this process asked for connection-level settings that one
 * shared connection cannot honor at once. Code `REGISTRY_CONFLICT`.
 */
export class RegistryConflictError extends DualSqliteError {
  readonly database: string;
  /** Each conflicting setting with the value in force and the value asked for. */
  readonly conflicts: readonly { setting: string; existing: unknown; requested: unknown }[];

  constructor(database: string, conflicts: RegistryConflictError['conflicts']) {
    const list = conflicts
      .map((c) => `${c.setting}: open with ${show(c.existing)}, this one asks for ${show(c.requested)}`)
      .join('; ');
    super(
      'REGISTRY_CONFLICT',
      `${database} is already open in this process with different connection settings (${list}). ` +
        'Every dialect on one file shares one connection: use the same values in every DSN for this file ' +
        '(only _txlock, _busy_timeout and acquireTimeout may differ per dialect).',
    );
    this.database = database;
    this.conflicts = conflicts;
  }
}

/** A write was attempted inside a transaction begun with `setAccessMode('read only')`. Code `READ_ONLY_TRANSACTION`. */
export class ReadOnlyTransactionError extends DualSqliteError {
  constructor(sql: string, cause: unknown) {
    super(
      'READ_ONLY_TRANSACTION',
      `cannot write inside a read-only transaction (setAccessMode('read only')): ${clip(sql)}; ` +
        "start the transaction without setAccessMode('read only') to write.",
      { cause },
    );
  }
}

/** The database handle or dialect was already closed/destroyed. Code `DATABASE_CLOSED`. */
export class DatabaseClosedError extends DualSqliteError {
  constructor(database: string) {
    super('DATABASE_CLOSED', `${database} was already closed in this handle; open a new one (or create a new Kysely instance).`);
  }
}

function show(v: unknown): string {
  return typeof v === 'string' ? `"${v}"` : v === undefined ? '(unset)' : JSON.stringify(v);
}

function clip(sql: string): string {
  const one = sql.replace(/\s+/g, ' ').trim();
  return one.length > 120 ? `${one.slice(0, 120)}...` : one;
}

/** A dialect/handle option has a value it cannot take. Code `INVALID_OPTION`. */
export class InvalidOptionError extends DualSqliteError {
  readonly option: string;

  constructor(option: string, value: unknown, fix: string) {
    super('INVALID_OPTION', `option ${option} = ${describeValue(value)} is not valid; ${fix}`);
    this.option = option;
  }
}

function describeValue(v: unknown): string {
  if (typeof v === 'string') return `"${v}"`;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  return typeof v;
}

/**
 * A Kysely UPDATE or DELETE with `orderBy()`/`limit()` that the library cannot run on a driver
 * whose SQLite lacks the `UPDATE/DELETE ... LIMIT` grammar (`backend.capabilities.updateDeleteLimit`
 * false). Such queries are otherwise rewritten into a rowid (or primary-key) subquery; this error
 * is for the shapes that rewrite cannot give SQLite's result for. Code `UPDATE_DELETE_LIMIT_UNSUPPORTED`.
 */
export class UpdateDeleteLimitError extends DualSqliteError {
  /** The SQL Kysely compiled. */
  readonly sql: string;
  readonly statement: 'UPDATE' | 'DELETE';
  /** The driver whose SQLite lacks the grammar. */
  readonly driver: string;
  /**
   * `join`: the statement joins other tables (UPDATE ... FROM, joins), where SQLite itself picks
   * which joined row applies; `view`: the target is a view, which has no rowid or primary key.
   */
  readonly reason: 'join' | 'view';
  /** The statement to write by hand instead. */
  readonly rewrite: string;

  constructor(sql: string, statement: 'UPDATE' | 'DELETE', driver: string, reason: 'join' | 'view', rewrite: string) {
    const why =
      reason === 'view'
        ? 'the target is a view, which has no rowid or primary key to rewrite it with'
        : 'the statement joins other tables (UPDATE ... FROM or joins), and a rowid subquery would not pick the joined rows SQLite picks';
    super(
      'UPDATE_DELETE_LIMIT_UNSUPPORTED',
      `${statement} with ORDER BY/LIMIT "${sql}": the ${driver} driver's SQLite cannot parse ORDER BY/LIMIT on ${statement}, ` +
        `and the library cannot rewrite it because ${why}. Write it by hand: ${rewrite}`,
    );
    this.sql = sql;
    this.statement = statement;
    this.driver = driver;
    this.reason = reason;
    this.rewrite = rewrite;
  }
}

/**
 * Raw `BEGIN`, `COMMIT`, `END` or `ROLLBACK` sent through `sql` while a transaction is open: it
 * would end (or nest) the transaction behind Kysely's back, so `transaction().execute` would then
 * report a failure for work that was committed. Code `RAW_TRANSACTION_CONTROL`.
 */
export class RawTransactionControlError extends DualSqliteError {
  /** The refused statement. */
  readonly sql: string;

  constructor(sql: string, verb: string) {
    super(
      'RAW_TRANSACTION_CONTROL',
      `refused raw ${verb} inside an open transaction: ${clip(sql)}; the transaction API ends transactions: ` +
        'return from the transaction().execute callback to commit, throw to roll back (or trx.commit()/trx.rollback() ' +
        'of startTransaction()); use trx.savepoint()/rollbackToSavepoint()/releaseSavepoint() for partial rollback.',
    );
    this.sql = sql;
  }
}

/**
 * A statement that SQLite cannot run, or silently ignores, inside a transaction (every migration
 * runs in one): `VACUUM`, `PRAGMA foreign_keys = ...`, and other connection settings listed in
 * docs/migrations.md. Code `STATEMENT_IN_TRANSACTION`.
 */
export class StatementInTransactionError extends DualSqliteError {
  /** The refused statement. */
  readonly sql: string;

  constructor(sql: string, why: string, wayOut: string) {
    super('STATEMENT_IN_TRANSACTION', `refused inside a transaction (migrations run in one): ${clip(sql)}: ${why}; ${wayOut}`);
    this.sql = sql;
  }
}

/**
 * `PRAGMA journal_mode = ...` through a query: it would switch the file's journal mode behind
 * the DSN (for every process, persistently for WAL, and a WAL file locks wasm out). Reading the
 * mode (`pragma journal_mode`) is allowed. Code `JOURNAL_MODE_CHANGE`.
 */
export class JournalModeChangeError extends DualSqliteError {
  readonly sql: string;

  constructor(sql: string) {
    super(
      'JOURNAL_MODE_CHANGE',
      `refused ${clip(sql)}: the journal mode belongs to the DSN, where every process and both drivers see it; ` +
        'set _journal_mode in the DSN (e.g. file:app.db?_journal_mode=wal) and reopen. ' +
        'Reading it (pragma journal_mode) is allowed.',
    );
    this.sql = sql;
  }
}

/**
 * The transaction was poisoned by an earlier error inside its callback (a
 * {@link TransactionMisuseError} the callback caught), so it cannot commit: it was rolled back
 * instead. Code `TRANSACTION_ABORTED`; `cause` is the earlier error.
 */
export class TransactionAbortedError extends DualSqliteError {
  constructor(database: string, cause: unknown) {
    super(
      'TRANSACTION_ABORTED',
      `the transaction on ${database} was rolled back instead of committed: a TRANSACTION_MISUSE error was raised ` +
        'inside its callback (see cause), and catching it does not make the transaction usable again. ' +
        'Use the `trx` argument for every query inside the callback.',
      { cause },
    );
  }
}

/**
 * A statement waited longer than `migrationTimeout` while another process ran migrations on the
 * file. Code `MIGRATION_WAIT_TIMEOUT`; `cause` is the last SQLITE_BUSY.
 */
export class MigrationWaitTimeoutError extends DualSqliteError {
  readonly database: string;
  /** The processes that were migrating (or queued to) when the wait ended. */
  readonly migrators: readonly { pid: number; state: string }[];
  readonly waitedMs: number;

  constructor(database: string, migrators: MigrationWaitTimeoutError['migrators'], waitedMs: number, timeoutMs: number, cause: unknown) {
    const who = migrators.map((m) => `pid ${m.pid} (${m.state})`).join(', ') || 'another process';
    super(
      'MIGRATION_WAIT_TIMEOUT',
      `waited ${Math.round(waitedMs)} ms (migrationTimeout=${timeoutMs}) for the lock on ${database} while another ` +
        `process is migrating it: ${who}; let that migration finish (or find why it is stuck) and retry, or raise migrationTimeout.`,
      { cause },
    );
    this.database = database;
    this.migrators = migrators;
    this.waitedMs = waitedMs;
  }
}
