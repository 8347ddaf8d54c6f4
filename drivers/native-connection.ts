/** better-sqlite3 adapted to {@link DriverConnection}. */
import { accessSync, constants } from 'node:fs';
import { dirname } from 'node:path';
import type { DriverConnection, PreparedStatement } from './connection.js';
import { directoryNotWritable, SqliteError, type OpenError } from './errors.js';
import { diskFullError, PAGE_LIMIT_SQL } from './os-errors.js';
import type { NativeDatabase, NativeStatement } from './load.js';
import type { Row } from './types.js';
import { normalizeInteger, normalizeNativeRow, PROTO_COLUMN, rowFromValues, toNativeIntegers, type BindValue } from './values.js';

/** A better-sqlite3 connection. Every statement runs with safe integers (see `values.ts`). */
export class NativeConnection implements DriverConnection {
  readonly driver = 'native' as const;
  readonly #db: NativeDatabase;
  readonly #filename: string | null;
  #counters: NativeStatement | undefined;

  constructor(db: NativeDatabase, filename: string | null) {
    this.#db = db;
    this.#filename = filename;
  }

  get inTransaction(): boolean {
    return this.#db.inTransaction;
  }

  prepare(sql: string): PreparedStatement {
    let stmt: NativeStatement;
    try {
      stmt = this.#db.prepare(sql);
    } catch (e) {
      throw this.error(e, sql);
    }
    return new NativePrepared(this, stmt.safeIntegers(true), sql);
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

  /**
   * better-sqlite3's error as ours. SQLITE_FULL gains the OS error behind it (see
   * {@link diskFullError}); SQLITE_READONLY_DIRECTORY (a WAL reader that cannot create
   * `-shm`) becomes `DIRECTORY_NOT_WRITABLE` naming the directory and the ways out.
   */
  error(e: unknown, sql: string | undefined): unknown {
    const err = toSqliteError(e, sql);
    if (!(err instanceof SqliteError) || this.#filename === null) return err;
    if (err.code === 'SQLITE_READONLY_DIRECTORY') return directoryNotWritable(this.#filename, 'native', 'wal', dirError(this.#filename));
    if (err.code === 'SQLITE_FULL') return diskFullError(this.#filename, 'native', sql, e, () => this.#pageLimitReached()) ?? err;
    return err;
  }

  /** True when SQLITE_FULL came from `max_page_count`, not from the disk. */
  #pageLimitReached(): boolean {
    try {
      const row = this.#db.prepare(PAGE_LIMIT_SQL).all()[0];
      return Number(row?.hit) === 1;
    } catch {
      return false;
    }
  }
}

/**
 * Why the database's directory refuses new entries, as an OS error (better-sqlite3 and
 * node:sqlite drop it).
 * @internal drivers' helper
 */
export function dirError(filename: string): NodeJS.ErrnoException | undefined {
  const dir = dirname(filename);
  try {
    accessSync(dir, constants.W_OK);
    return undefined;
  } catch (e) {
    return e as NodeJS.ErrnoException;
  }
}

class NativePrepared implements PreparedStatement {
  readonly reader: boolean;
  readonly #conn: NativeConnection;
  readonly #stmt: NativeStatement;
  readonly #sql: string;
  /**
   * True when a result column is named `__proto__`: better-sqlite3 assigns it like any name,
   * which sets the row's prototype (or is ignored for a number or text) and loses the column. Such
   * a statement reads raw value arrays and names them itself. Decided once, at prepare: a column
   * that a later schema change brings into a cached `select *` is not seen (documented limit).
   */
  readonly #byIndex: boolean;

  constructor(conn: NativeConnection, stmt: NativeStatement, sql: string) {
    this.#conn = conn;
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
      throw this.#conn.error(e, this.#sql);
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
      throw this.#conn.error(e, this.#sql);
    }
    return { changes: r.changes, lastInsertRowid: normalizeInteger(r.lastInsertRowid) };
  }

  iterate(params: readonly BindValue[]): Iterator<Row, undefined> {
    const conn = this.#conn;
    const sql = this.#sql;
    const guard = <T>(fn: () => T): T => {
      try {
        return fn();
      } catch (e) {
        throw conn.error(e, sql);
      }
    };
    const it = guard(() => this.#stmt.iterate(...toNativeIntegers(params)));
    const named = this.#byIndex ? (values: unknown) => this.#named([values as unknown[]])[0]! : undefined;
    return {
      next(): IteratorResult<Row, undefined> {
        const r = guard(() => it.next());
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

/** better-sqlite3 error -> {@link SqliteError}; other errors (TypeError, RangeError) pass through. */
export function toSqliteError(e: unknown, sql: string | undefined): unknown {
  if (e instanceof Error && typeof (e as { code?: unknown }).code === 'string' && e.name === 'SqliteError') {
    return new SqliteError((e as Error & { code: string }).code, e.message, 'native', sql, e);
  }
  return e;
}
