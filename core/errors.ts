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
