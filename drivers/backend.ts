/**
 * The {@link Backend} both drivers share: the checks and mappings that make them behave the same
 * (one statement per call, parameter mapping, `changes` for non-DML, iterator exclusivity, the
 * statement cache) are done here once, over a {@link DriverConnection}.
 */
import type { DsnConfig } from '../dsn/types.js';
import type { DriverConnection, PreparedStatement } from './connection.js';
import { StatementError } from './errors.js';
import { scanSql } from './sql-scan.js';
import { StatementCache, type CachedStatement } from './statement-cache.js';
import type { Backend, BackendCapabilities, DriverSelection, LockProtocol, Row, StatementResult } from './types.js';
import { toBindValues, type BindValue } from './values.js';

/** Everything decided while opening, handed to the backend. */
export interface BackendInit {
  readonly selection: DriverSelection;
  readonly config: DsnConfig;
  readonly filename: string | null;
  readonly lockProtocol: LockProtocol;
  readonly settings: Readonly<Record<string, string | number>>;
  readonly capabilities: BackendCapabilities;
}

const NO_ROWS: Row[] = [];

/** A {@link Backend} over one driver connection. */
export class DualBackend implements Backend {
  readonly selection: DriverSelection;
  readonly config: DsnConfig;
  readonly filename: string | null;
  readonly lockProtocol: LockProtocol;
  readonly settings: Readonly<Record<string, string | number>>;
  readonly capabilities: BackendCapabilities;
  readonly #conn: DriverConnection;
  readonly #cache: StatementCache;
  #closed = false;
  #iterating = false;
  // the open iterator's statement cursor, ended by close(): better-sqlite3 refuses to close a
  // connection with a running iterator, and a wasm one would keep the lock
  #cursor: Iterator<Row, undefined> | undefined;
  // uncached statements of iterators not started yet: finalized by close() if never started
  readonly #unstarted = new Set<PreparedStatement>();
  // last_insert_rowid() only moves when a row is inserted, so readers that insert nothing report
  // the value seen last instead of paying a second statement
  #lastInsertRowid: number | bigint = 0;

  constructor(conn: DriverConnection, init: BackendInit) {
    this.#conn = conn;
    this.selection = init.selection;
    this.config = init.config;
    this.filename = init.filename;
    this.lockProtocol = init.lockProtocol;
    this.settings = Object.freeze({ ...init.settings });
    this.capabilities = Object.freeze({ ...init.capabilities });
    this.#cache = new StatementCache(init.config.stmtCacheSize);
  }

  get inTransaction(): boolean {
    return !this.#closed && this.#conn.inTransaction;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Prepared statements currently held by the LRU cache (for tests and `inspect`). */
  get cachedStatements(): number {
    return this.#cache.size;
  }

  execute(sql: string, params: readonly unknown[]): StatementResult {
    const { entry, cached, values } = this.#prepare(sql, params);
    try {
      return entry.stmt.reader ? this.#read(entry, values) : this.#write(entry, values);
    } finally {
      if (!cached) entry.stmt.finalize();
    }
  }

  iterate(sql: string, params: readonly unknown[]): IterableIterator<Row> {
    const prepared = this.#prepare(sql, params);
    if (!prepared.cached) this.#unstarted.add(prepared.entry.stmt);
    return this.#rows(prepared.entry, prepared.values, prepared.cached);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#cursor?.return?.();
    this.#cursor = undefined;
    for (const stmt of this.#unstarted) stmt.finalize();
    this.#unstarted.clear();
    this.#cache.clear();
    this.#conn.close();
  }

  #prepare(sql: string, params: readonly unknown[]): { entry: CachedStatement; cached: boolean; values: BindValue[] } {
    if (this.#closed) throw new StatementError('CONNECTION_CLOSED', 'the connection is closed; open a new one', sql);
    if (this.#iterating) {
      throw new StatementError('CONNECTION_BUSY', 'an iterator is still open on this connection; finish or return() it first', sql);
    }
    let entry = this.#cache.get(sql);
    let cached = true;
    if (entry === undefined) {
      entry = this.#create(sql);
      cached = this.#cache.add(sql, entry);
    }
    const want = entry.shape.paramCount;
    if (params.length !== want) {
      if (!cached) entry.stmt.finalize();
      throw new StatementError('PARAMETER_COUNT_MISMATCH', `the statement takes ${want} parameter(s), ${params.length} given`, sql);
    }
    try {
      return { entry, cached, values: toBindValues(params, sql) };
    } catch (e) {
      if (!cached) entry.stmt.finalize();
      throw e;
    }
  }

  #create(sql: string): CachedStatement {
    const shape = scanSql(sql);
    if (shape.statements === 0) throw new StatementError('EMPTY_STATEMENT', 'the SQL holds no statement', sql);
    if (shape.statements > 1) {
      throw new StatementError(
        'MULTIPLE_STATEMENTS',
        `the SQL holds ${shape.statements} statements; run them one call each (one statement per query keeps results and errors unambiguous)`,
        sql,
      );
    }
    if (shape.namedParams || shape.numberedParams) {
      // better-sqlite3 binds those only from an object or in its own order: positional `?` is the common ground
      throw new StatementError('INVALID_PARAMETER', 'named (:name, @name, $name) and numbered (?NNN) parameters are not supported; use ?', sql);
    }
    const stmt: PreparedStatement = this.#conn.prepare(sql);
    return { stmt, shape };
  }

  #read(entry: CachedStatement, values: BindValue[]): StatementResult {
    const rows = entry.stmt.all(values);
    if (!entry.shape.dml) return { reader: true, rows, changes: 0, lastInsertRowid: this.#lastInsertRowid };
    const { changes, lastInsertRowid } = this.#conn.counters();
    this.#lastInsertRowid = lastInsertRowid;
    return { reader: true, rows, changes, lastInsertRowid };
  }

  #write(entry: CachedStatement, values: BindValue[]): StatementResult {
    const r = entry.stmt.run(values);
    this.#lastInsertRowid = r.lastInsertRowid;
    // SQLite's changes() keeps the count of the last INSERT/UPDATE/DELETE: stale after DDL etc.
    return { reader: false, rows: NO_ROWS.slice(), changes: entry.shape.dml ? r.changes : 0, lastInsertRowid: r.lastInsertRowid };
  }

  *#rows(entry: CachedStatement, values: BindValue[], cached: boolean): Generator<Row, undefined, undefined> {
    this.#unstarted.delete(entry.stmt);
    if (this.#closed) throw new StatementError('CONNECTION_CLOSED', 'the connection is closed; open a new one', '');
    if (this.#iterating) {
      if (!cached) entry.stmt.finalize();
      throw new StatementError('CONNECTION_BUSY', 'an iterator is still open on this connection; finish or return() it first', '');
    }
    if (!entry.stmt.reader) {
      // better-sqlite3 refuses to iterate a non-reader, wasm would run it: run it and yield nothing
      try {
        this.#write(entry, values);
      } finally {
        if (!cached) entry.stmt.finalize();
      }
      return undefined;
    }
    this.#iterating = true;
    const it = entry.stmt.iterate(values);
    this.#cursor = it;
    try {
      for (;;) {
        if (this.#closed) throw new StatementError('CONNECTION_CLOSED', 'the connection was closed during iteration', '');
        const r = it.next();
        if (r.done) break;
        yield r.value;
      }
    } finally {
      this.#iterating = false;
      this.#cursor = undefined;
      if (!this.#closed) {
        it.return?.();
        if (!cached) entry.stmt.finalize();
        if (entry.shape.dml) this.#lastInsertRowid = this.#conn.counters().lastInsertRowid;
      }
    }
    return undefined;
  }
}
