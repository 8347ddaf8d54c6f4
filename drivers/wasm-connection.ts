/**
 * node-sqlite3-wasm adapted to {@link DriverConnection}. The package's classes do the binding and
 * row reading; a few raw SQLite calls (reached through the module's `cwrap` and the classes'
 * `_ptr` handles) fill what they lack: resetting a statement right after use (its `get()` and
 * abandoned iterators keep the statement, and so the `<db>.lock` directory, alive), the result
 * code of a failed step, the reader flag, and fresh `changes()`. Rows are read with the class's
 * own bind/step/row steps, but column names only after the first step (see {@link Columns}).
 */
import { constraintCode, PRIMARY_CODES, primaryFromMessage } from './error-codes.js';
import type { DriverConnection, PreparedStatement } from './connection.js';
import { DriverUnavailableError, SqliteError, type OpenError } from './errors.js';
import { wasmFsErrors, type WasmDatabase, type WasmModule, type WasmStatement } from './load.js';
import { fromOsError } from './os-errors.js';
import type { WasmFsErrors } from './wasm-fs.js';
import type { Row } from './types.js';
import { asBuffer, normalizeInteger, PROTO_COLUMN, rowFromValues, type BindValue } from './values.js';

/** Raw SQLite entry points not wrapped by the package's classes. */
interface RawApi {
  reset(stmt: number): number;
  columnCount(stmt: number): number;
  changes(db: number): number;
  lastInsertRowid(db: number): number | bigint;
}

const apis = new WeakMap<WasmModule, RawApi>();

function rawApi(mod: WasmModule): RawApi {
  let api = apis.get(mod);
  if (!api) {
    api = {
      reset: mod.cwrap('sqlite3_reset', 'number', ['number']) as RawApi['reset'],
      columnCount: mod.cwrap('sqlite3_column_count', 'number', ['number']) as RawApi['columnCount'],
      changes: mod.cwrap('sqlite3_changes', 'number', ['number']) as RawApi['changes'],
      lastInsertRowid: mod.cwrap('sqlite3_last_insert_rowid', 'number', ['number']) as RawApi['lastInsertRowid'],
    };
    apis.set(mod, api);
  }
  return api;
}

/** A node-sqlite3-wasm connection. */
export class WasmConnection implements DriverConnection {
  readonly driver = 'wasm' as const;
  readonly #db: WasmDatabase;
  readonly #api: RawApi;
  readonly #fsErrors: WasmFsErrors;
  readonly #filename: string | null;

  constructor(mod: WasmModule, db: WasmDatabase, filename: string | null) {
    if (typeof db._ptr !== 'number') {
      db.close();
      throw new DriverUnavailableError('wasm', new Error('node-sqlite3-wasm\'s Database has no numeric _ptr handle: this version is not supported (0.8 is)'));
    }
    this.#db = db;
    this.#api = rawApi(mod);
    this.#fsErrors = wasmFsErrors(mod);
    this.#filename = filename;
  }

  /** Forgets OS errors of earlier calls: called before each call that may touch the file. */
  beginCall(): void {
    this.#fsErrors.clear();
  }

  get inTransaction(): boolean {
    return this.#db.inTransaction;
  }

  prepare(sql: string): PreparedStatement {
    let stmt: WasmStatement;
    this.beginCall();
    try {
      stmt = this.#db.prepare(sql);
    } catch (e) {
      // prepare's return code does not reach JavaScript: SQLite's fixed message texts name it
      throw this.#error(e, primaryFromMessage(messageOf(e)), sql);
    }
    return new WasmPrepared(this, stmt, this.#api.columnCount(stmt._ptr!) > 0, sql);
  }

  counters(): { changes: number; lastInsertRowid: number | bigint } {
    const db = this.#db._ptr!;
    return { changes: this.#api.changes(db), lastInsertRowid: normalizeInteger(this.#api.lastInsertRowid(db)) };
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }

  /** Resets `stmt`, returning the result code of its last step (non-zero after a failed step). */
  reset(stmt: WasmStatement): number {
    return stmt.isFinalized ? 0 : this.#api.reset(stmt._ptr!);
  }

  /** Builds the {@link SqliteError} for a failure whose primary code name is `primary`. */
  #error(e: unknown, primary: string, sql: string): SqliteError | OpenError {
    const message = messageOf(e);
    const os = fromOsError({
      driver: 'wasm', filename: this.#filename, code: primary, message, sql, osError: this.#fsErrors.first, driverError: e,
    });
    if (os) return os;
    const code = primary === 'SQLITE_CONSTRAINT' ? constraintCode(message, (f) => this.#isPrimaryKey(f.table, f.columns)) : primary;
    return new SqliteError(code, message, 'wasm', sql, e);
  }

  /** Error of a failed step: the code comes from resetting the statement, which also frees it for a retry. */
  stepError(e: unknown, stmt: WasmStatement, sql: string): SqliteError | OpenError {
    const rc = this.reset(stmt) & 0xff;
    const primary = rc !== 0 ? PRIMARY_CODES[rc] ?? 'SQLITE_ERROR' : primaryFromMessage(messageOf(e));
    return this.#error(e, primary, sql);
  }

  #isPrimaryKey(table: string, columns: readonly string[]): boolean {
    let stmt: WasmStatement | undefined;
    try {
      stmt = this.#db.prepare('select name from pragma_table_info(?) where pk > 0 order by pk');
      const pk = readAll(stmt, [table]).map((r) => r.name as string);
      return pk.length === columns.length && pk.every((c) => columns.includes(c));
    } catch {
      return false;
    } finally {
      stmt?.finalize();
    }
  }
}

class WasmPrepared implements PreparedStatement {
  readonly reader: boolean;
  readonly #conn: WasmConnection;
  readonly #stmt: WasmStatement;
  readonly #sql: string;

  constructor(conn: WasmConnection, stmt: WasmStatement, reader: boolean, sql: string) {
    this.#conn = conn;
    this.#stmt = stmt;
    this.reader = reader;
    this.#sql = sql;
  }

  all(params: readonly BindValue[]): Row[] {
    this.#conn.beginCall();
    try {
      const rows = readAll(this.#stmt, params);
      this.#conn.reset(this.#stmt);
      return rows;
    } catch (e) {
      throw this.#conn.stepError(e, this.#stmt, this.#sql);
    }
  }

  run(params: readonly BindValue[]): { changes: number; lastInsertRowid: number | bigint } {
    this.#conn.beginCall();
    try {
      const r = this.#stmt.run(params as BindValue[]);
      this.#conn.reset(this.#stmt);
      return { changes: r.changes, lastInsertRowid: normalizeInteger(r.lastInsertRowid) };
    } catch (e) {
      throw this.#conn.stepError(e, this.#stmt, this.#sql);
    }
  }

  iterate(params: readonly BindValue[]): Iterator<Row, undefined> {
    const self = { conn: this.#conn, stmt: this.#stmt, sql: this.#sql };
    let columns: Columns | undefined;
    let started = false;
    let done = false;
    return {
      next(): IteratorResult<Row, undefined> {
        if (done) return { done: true, value: undefined };
        self.conn.beginCall();
        try {
          if (!started) {
            started = true;
            self.stmt._assertReady();
            self.stmt._bind(params as BindValue[]);
          }
          if (self.stmt._step()) {
            columns ??= columnsOf(self.stmt);
            return { done: false, value: readRow(self.stmt, columns) };
          }
        } catch (e) {
          done = true;
          throw self.conn.stepError(e, self.stmt, self.sql);
        }
        done = true;
        self.conn.reset(self.stmt);
        return { done: true, value: undefined };
      },
      return(): IteratorResult<Row, undefined> {
        // the statement stays mid-step otherwise: without this reset the lock outlives the loop
        if (!done) self.conn.reset(self.stmt);
        done = true;
        return { done: true, value: undefined };
      },
    };
  }

  finalize(): void {
    if (this.#stmt.isFinalized) return;
    this.#conn.reset(this.#stmt);
    this.#stmt.finalize();
  }
}

/**
 * How one execution names its columns. The package's own `all()`/`iterate()` read the names
 * after binding and before the first step, but a statement whose schema changed (a table dropped
 * and re-created, a column added or renamed, by this connection or another process) is
 * re-prepared by SQLite inside that first step: names read before it are the old ones, and so is
 * their count. Reading them after the first step gives the statement as it actually ran.
 */
interface Columns {
  readonly names: readonly string[];
  /** The keys the package writes values under: the names, or indexes when a name is `__proto__`. */
  readonly keys: readonly string[];
  readonly byIndex: boolean;
}

function columnsOf(stmt: WasmStatement): Columns {
  const names = stmt._getColumnNames();
  // the package assigns row[name] = value, which for `__proto__` sets the prototype instead
  const byIndex = names.includes(PROTO_COLUMN);
  return { names, keys: byIndex ? names.map((_, i) => String(i)) : names, byIndex };
}

/** The current row: every column, blobs as `Buffer` views (the package returns fresh copies). */
function readRow(stmt: WasmStatement, columns: Columns): Row {
  const raw = stmt._getRow(columns.keys, false);
  if (columns.byIndex) return rowFromValues(columns.names, columns.keys.map((k) => blobAsBuffer(raw[k])));
  for (const k in raw) {
    const v = raw[k];
    if (v instanceof Uint8Array) raw[k] = asBuffer(v);
  }
  return raw;
}

function blobAsBuffer(v: unknown): unknown {
  return v instanceof Uint8Array ? asBuffer(v) : v;
}

/** Binds and steps `stmt` to the end, naming columns after the first step (see {@link Columns}). */
function readAll(stmt: WasmStatement, params: readonly BindValue[]): Row[] {
  stmt._assertReady();
  stmt._bind(params as BindValue[]);
  const rows: Row[] = [];
  if (!stmt._step()) return rows;
  const columns = columnsOf(stmt);
  do rows.push(readRow(stmt, columns));
  while (stmt._step());
  return rows;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
