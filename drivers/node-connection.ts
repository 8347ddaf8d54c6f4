/**
 * Node's built-in `node:sqlite` (`DatabaseSync`) adapted to {@link DriverConnection}. Statements
 * read integers as `bigint` (normalized like native's safe integers), parameters bind integers as
 * integers (node:sqlite, like better-sqlite3, binds every JS number as a double), and errors carry
 * SQLite's extended result code as a number (`errcode`), mapped to the names better-sqlite3 uses.
 */
import type { DriverConnection, PreparedStatement } from './connection.js';
import { resultCodeName } from './error-codes.js';
import { directoryNotWritable, SqliteError } from './errors.js';
import { dirError } from './native-connection.js';
import { diskFullError, PAGE_LIMIT_SQL } from './os-errors.js';
import type { NodeDatabase, NodeStatement } from './load.js';
import type { Row } from './types.js';
import { normalizeInteger, normalizeNodeRow, toNativeIntegers, type BindValue } from './values.js';

// A zero-length view on a real (1-byte) buffer: see nodeParams
const EMPTY_BLOB = new Uint8Array(new ArrayBuffer(1), 0, 0);

/** A `node:sqlite` connection. */
export class NodeConnection implements DriverConnection {
  readonly driver = 'node' as const;
  readonly #db: NodeDatabase;
  readonly #allByIterate: boolean;
  readonly #filename: string | null;
  #counters: NodeStatement | undefined;

  /**
   * `allReadsStaleColumns`: this Node's `all()` names columns before the first step (see load.ts).
   * `filename`: the database's real path (`null` for memory/temp), named by errors about its directory.
   */
  constructor(db: NodeDatabase, options: { allReadsStaleColumns: boolean; filename?: string | null }) {
    this.#db = db;
    this.#allByIterate = options.allReadsStaleColumns;
    this.#filename = options.filename ?? null;
  }

  /**
   * node:sqlite's error as ours, as on the native driver: SQLITE_FULL gains the OS error behind it
   * (see {@link diskFullError}; node:sqlite drops the errno too); SQLITE_READONLY_DIRECTORY (a WAL
   * reader that cannot create `-shm`) becomes `DIRECTORY_NOT_WRITABLE`.
   */
  error(e: unknown, sql: string | undefined): unknown {
    const err = toSqliteError(e, sql);
    if (!(err instanceof SqliteError) || this.#filename === null) return err;
    if (err.code === 'SQLITE_READONLY_DIRECTORY') return directoryNotWritable(this.#filename, 'node', 'wal', dirError(this.#filename));
    if (err.code === 'SQLITE_FULL') return diskFullError(this.#filename, 'node', sql, e, () => this.#pageLimitReached()) ?? err;
    return err;
  }

  /** True when SQLITE_FULL came from `max_page_count`, not from the disk. */
  #pageLimitReached(): boolean {
    try {
      const row = this.#db.prepare(PAGE_LIMIT_SQL).all()[0] as { hit?: unknown } | undefined;
      return Number(row?.hit) === 1;
    } catch {
      return false;
    }
  }

  get inTransaction(): boolean {
    return this.#db.isTransaction;
  }

  prepare(sql: string): PreparedStatement {
    const stmt = guard(() => this.#db.prepare(sql), sql, this);
    stmt.setReadBigInts(true);
    return new NodePrepared(stmt, sql, this.#allByIterate, this);
  }

  counters(): { changes: number; lastInsertRowid: number | bigint } {
    if (this.#counters === undefined) {
      this.#counters = this.#db.prepare('select changes() as c, last_insert_rowid() as r');
      this.#counters.setReadBigInts(true);
    }
    const row = this.#counters.all()[0] as { c: bigint; r: bigint };
    return { changes: Number(row.c), lastInsertRowid: normalizeInteger(row.r) };
  }

  close(): void {
    // node:sqlite finalizes every statement of the connection when it closes
    if (this.#db.isOpen) this.#db.close();
  }
}

class NodePrepared implements PreparedStatement {
  readonly reader: boolean;
  readonly #stmt: NodeStatement;
  readonly #sql: string;
  readonly #allByIterate: boolean;

  readonly #conn: NodeConnection;

  constructor(stmt: NodeStatement, sql: string, allByIterate: boolean, conn: NodeConnection) {
    this.#conn = conn;
    this.#stmt = stmt;
    this.reader = stmt.columns().length > 0;
    this.#sql = sql;
    this.#allByIterate = allByIterate;
  }

  all(params: readonly BindValue[]): Row[] {
    let rows: Row[];
    try {
      if (this.#allByIterate) {
        // Node 22's all() would name the columns as they were before a schema change
        rows = [];
        const it = this.#stmt.iterate(...nodeParams(params));
        for (let r = it.next(); !r.done; r = it.next()) rows.push(normalizeNodeRow(r.value));
        return rows;
      }
      rows = this.#stmt.all(...nodeParams(params));
    } catch (e) {
      throw this.#conn.error(e, this.#sql);
    }
    for (let i = 0; i < rows.length; i++) rows[i] = normalizeNodeRow(rows[i]!);
    return rows;
  }

  run(params: readonly BindValue[]): { changes: number; lastInsertRowid: number | bigint } {
    let r: { changes: number | bigint; lastInsertRowid: number | bigint };
    try {
      r = this.#stmt.run(...nodeParams(params));
    } catch (e) {
      throw this.#conn.error(e, this.#sql);
    }
    return { changes: Number(r.changes), lastInsertRowid: normalizeInteger(r.lastInsertRowid) };
  }

  iterate(params: readonly BindValue[]): Iterator<Row, undefined> {
    const conn = this.#conn;
    const it = guard(() => this.#stmt.iterate(...nodeParams(params)), this.#sql, conn);
    const sql = this.#sql;
    return {
      next(): IteratorResult<Row, undefined> {
        const r = guard(() => it.next(), sql, conn);
        return r.done ? { done: true, value: undefined } : { done: false, value: normalizeNodeRow(r.value) };
      },
      return(): IteratorResult<Row, undefined> {
        // node:sqlite's iterator resets the statement here, which releases its read lock
        it.return?.();
        return { done: true, value: undefined };
      },
    };
  }

  finalize(): void {
    // Node 24 finalizes at once; Node 22 has no such call and leaves it to the garbage collector
    // or close(). An idle statement holds no lock either way: node:sqlite resets it after
    // all()/run() and on an iterator's return().
    this.#stmt.close?.();
  }
}

/**
 * Parameters as node:sqlite must get them: integers as `bigint` (see `toNativeIntegers`), and an
 * empty blob on a real buffer, because Node 22 binds a zero-length view of a zero-length
 * ArrayBuffer (no backing store, so a NULL data pointer) as SQL NULL instead of an empty blob.
 */
function nodeParams(params: readonly BindValue[]): readonly BindValue[] {
  const values = toNativeIntegers(params);
  let out: BindValue[] | undefined;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v instanceof Uint8Array && v.byteLength === 0 && v !== EMPTY_BLOB) {
      out ??= values.slice();
      out[i] = EMPTY_BLOB;
    }
  }
  return out ?? values;
}

function guard<T>(fn: () => T, sql: string, conn: NodeConnection): T {
  try {
    return fn();
  } catch (e) {
    throw conn.error(e, sql);
  }
}

/**
 * node:sqlite error (code `ERR_SQLITE_ERROR`, numeric extended `errcode`) -> {@link SqliteError};
 * other errors (argument type errors, closed database) pass through.
 */
export function toSqliteError(e: unknown, sql: string | undefined): unknown {
  const errcode = (e as { errcode?: unknown } | null)?.errcode;
  // Node's own error code, in backticks so the troubleshooting table's scan does not take it for ours
  if (e instanceof Error && (e as { code?: unknown }).code === `ERR_SQLITE_ERROR` && typeof errcode === 'number') {
    return new SqliteError(resultCodeName(errcode), e.message, 'node', sql, e);
  }
  return e;
}
