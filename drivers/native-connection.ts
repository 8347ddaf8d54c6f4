/** better-sqlite3 adapted to {@link DriverConnection}. */
import type { DriverConnection, PreparedStatement } from './connection.js';
import { SqliteError } from './errors.js';
import type { NativeDatabase, NativeStatement } from './load.js';
import type { Row } from './types.js';
import { normalizeInteger, normalizeNativeRow, PROTO_COLUMN, rowFromValues, toNativeIntegers, type BindValue } from './values.js';

/** A better-sqlite3 connection. Every statement runs with safe integers (see `values.ts`). */
export class NativeConnection implements DriverConnection {
  readonly driver = 'native' as const;
  readonly #db: NativeDatabase;
  #counters: NativeStatement | undefined;

  constructor(db: NativeDatabase) {
    this.#db = db;
  }

  get inTransaction(): boolean {
    return this.#db.inTransaction;
  }

  prepare(sql: string): PreparedStatement {
    return new NativePrepared(guard(() => this.#db.prepare(sql), sql).safeIntegers(true), sql);
  }

  counters(): { changes: number; lastInsertRowid: number | bigint } {
    // better-sqlite3 only reports these from run(); readers (RETURNING) need them too
    this.#counters ??= this.#db.prepare('select changes() as c, last_insert_rowid() as r').safeIntegers(true);
    const row = this.#counters.all()[0] as { c: bigint; r: bigint };
    return { changes: Number(row.c), lastInsertRowid: normalizeInteger(row.r) };
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }
}

class NativePrepared implements PreparedStatement {
  readonly reader: boolean;
  readonly #stmt: NativeStatement;
  readonly #sql: string;
  /**
   * True when a result column is named `__proto__`: better-sqlite3 assigns it like any name,
   * which sets the row's prototype (or is ignored for a number or text) and loses the column. Such
   * a statement reads raw value arrays and names them itself. Decided once, at prepare: a column
   * that a later schema change brings into a cached `select *` is not seen (documented limit).
   */
  readonly #byIndex: boolean;

  constructor(stmt: NativeStatement, sql: string) {
    this.#stmt = stmt;
    this.reader = stmt.reader;
    this.#sql = sql;
    this.#byIndex = stmt.reader && stmt.columns().some((c) => c.name === PROTO_COLUMN);
    if (this.#byIndex) stmt.raw(true);
  }

  all(params: readonly BindValue[]): Row[] {
    let rows: Row[];
    try {
      rows = this.#stmt.all(...toNativeIntegers(params));
      if (this.#byIndex) rows = this.#named(rows as unknown as unknown[][]);
    } catch (e) {
      throw toSqliteError(e, this.#sql);
    }
    for (const row of rows) normalizeNativeRow(row);
    return rows;
  }

  /** Raw rows to named rows; names are read after stepping, so they are the ones that ran. */
  #named(values: unknown[][]): Row[] {
    if (values.length === 0) return [];
    const names = this.#stmt.columns().map((c) => c.name);
    return values.map((v) => rowFromValues(names, v));
  }

  run(params: readonly BindValue[]): { changes: number; lastInsertRowid: number | bigint } {
    let r: { changes: number; lastInsertRowid: number | bigint };
    try {
      r = this.#stmt.run(...toNativeIntegers(params));
    } catch (e) {
      throw toSqliteError(e, this.#sql);
    }
    return { changes: r.changes, lastInsertRowid: normalizeInteger(r.lastInsertRowid) };
  }

  iterate(params: readonly BindValue[]): Iterator<Row, undefined> {
    const it = guard(() => this.#stmt.iterate(...toNativeIntegers(params)), this.#sql);
    const sql = this.#sql;
    const named = this.#byIndex ? (values: unknown) => this.#named([values as unknown[]])[0]! : undefined;
    return {
      next(): IteratorResult<Row, undefined> {
        const r = guard(() => it.next(), sql);
        if (r.done) return { done: true, value: undefined };
        return { done: false, value: normalizeNativeRow(named ? named(r.value) : r.value) };
      },
      return(): IteratorResult<Row, undefined> {
        it.return?.();
        return { done: true, value: undefined };
      },
    };
  }

  finalize(): void {
    // better-sqlite3 has no finalize: statements are freed by GC or db.close(), and a statement
    // that is not running holds no lock, so dropping the reference is enough
  }
}

/** Runs `fn`, turning better-sqlite3's `SqliteError` (which has extended codes) into ours. */
function guard<T>(fn: () => T, sql: string): T {
  try {
    return fn();
  } catch (e) {
    throw toSqliteError(e, sql);
  }
}

/** better-sqlite3 error -> {@link SqliteError}; other errors (TypeError, RangeError) pass through. */
export function toSqliteError(e: unknown, sql: string | undefined): unknown {
  if (e instanceof Error && typeof (e as { code?: unknown }).code === 'string' && e.name === 'SqliteError') {
    return new SqliteError((e as Error & { code: string }).code, e.message, 'native', sql, e);
  }
  return e;
}
