/**
 * Lazy loading of the three bindings. Each is `require`d only when a connection asks for it, so a
 * wasm-only install never touches better-sqlite3, a native-only install never touches
 * node-sqlite3-wasm, and `node:sqlite` (with its ExperimentalWarning) is loaded only when chosen. Results (including failures) are cached for the life of the process, since
 * Node caches modules anyway and a failed native addon cannot be retried.
 */
import { createRequire } from 'node:module';
import { DriverUnavailableError } from './errors.js';
import { loadWithFs, observedFs, WasmFsErrors } from './wasm-fs.js';

const require = createRequire(import.meta.url);

/** The parts of better-sqlite3's `Database` constructor this layer uses. */
export interface NativeModule {
  new (filename: string, options?: { readonly?: boolean; fileMustExist?: boolean; timeout?: number }): NativeDatabase;
}
/** The parts of a better-sqlite3 `Database` this layer uses. */
export interface NativeDatabase {
  readonly inTransaction: boolean;
  readonly open: boolean;
  prepare(sql: string): NativeStatement;
  close(): void;
}
/** The parts of a better-sqlite3 `Statement` this layer uses. */
export interface NativeStatement {
  readonly reader: boolean;
  safeIntegers(on: boolean): NativeStatement;
  /** Rows as arrays of values in column order. */
  raw(on: boolean): NativeStatement;
  /** The result columns as SQLite names them now (readers only). */
  columns(): { name: string }[];
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  all(...params: unknown[]): Record<string, unknown>[];
  iterate(...params: unknown[]): IterableIterator<Record<string, unknown>>;
}

/** The parts of node-sqlite3-wasm this layer uses, including the emscripten exports it reaches through. */
export interface WasmModule {
  Database: new (filename: string, options?: { fileMustExist?: boolean; readOnly?: boolean }) => WasmDatabase;
  SQLite3Error: new (message: string) => Error;
  cwrap(name: string, ret: string | null, args: string[]): (...a: unknown[]) => unknown;
}
/** A node-sqlite3-wasm `Database`; `_ptr` is its `sqlite3*`, needed for the calls the class does not offer. */
export interface WasmDatabase {
  readonly _ptr: number | null;
  readonly inTransaction: boolean;
  readonly isOpen: boolean;
  prepare(sql: string): WasmStatement;
  close(): void;
}
/**
 * A node-sqlite3-wasm `Statement`; `_ptr` is its `sqlite3_stmt*`. The underscored methods are the
 * class's own steps of `all()`/`iterate()`, used separately because those read the column names
 * before the first step (see `wasm-connection.ts`); {@link loadWasm} checks they exist.
 */
export interface WasmStatement {
  readonly _ptr: number | null;
  readonly isFinalized: boolean;
  run(values?: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  finalize(): void;
  /** Throws when the statement is finalized or its database closed. */
  _assertReady(): void;
  /** Resets the statement, clears its bindings and binds `values`. */
  _bind(values: unknown[]): void;
  /** One `sqlite3_step`: true for a row, false when done; throws on an error. */
  _step(): boolean;
  /** `sqlite3_column_name` of every column, as SQLite sees them now. */
  _getColumnNames(): string[];
  /** The current row as `{ [keys[i]]: value of column i }` (blobs as fresh `Uint8Array` copies). */
  _getRow(keys: readonly string[], expand: false): Record<string, unknown>;
}

const WASM_STATEMENT_METHODS = ['_assertReady', '_bind', '_step', '_getColumnNames', '_getRow', 'run', 'finalize'] as const;

/** The parts of `node:sqlite` this layer uses (typed here: the project's @types/node is Node 20's). */
export interface NodeSqliteModule {
  DatabaseSync: new (path: string, options?: NodeOpenOptions) => NodeDatabase;
}

/** `node:sqlite` as loaded and checked by {@link loadNode}. */
export interface LoadedNodeSqlite {
  readonly module: NodeSqliteModule;
  /**
   * True when `StatementSync#all()` reads the column names before its first step (Node 22): a
   * statement that SQLite re-prepares in that step after a schema change then returns rows
   * under the old names and column count. `iterate()` reads them after the step on 22 and 24.
   */
  readonly allReadsStaleColumns: boolean;
}
/** `DatabaseSync` constructor options this layer sets. */
export interface NodeOpenOptions {
  readonly open?: boolean;
  readonly readOnly?: boolean;
  readonly timeout?: number;
  readonly enableForeignKeyConstraints?: boolean;
}
/** A `node:sqlite` `DatabaseSync`. */
export interface NodeDatabase {
  readonly isOpen: boolean;
  readonly isTransaction: boolean;
  prepare(sql: string): NodeStatement;
  close(): void;
}
/** A `node:sqlite` `StatementSync`. Rows are null-prototype objects. */
export interface NodeStatement {
  setReadBigInts(on: boolean): void;
  columns(): readonly unknown[];
  run(...params: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  all(...params: unknown[]): Record<string, unknown>[];
  iterate(...params: unknown[]): Iterator<Record<string, unknown>> & { return?(): unknown };
  /** Finalizes the statement (Node 24; absent on Node 22). */
  close?(): void;
}

/** The first Node release with `node:sqlite` usable without a command-line flag. */
export const NODE_SQLITE_MIN_VERSION = '22.13.0';

type Loaded<T> = { ok: true; value: T } | { ok: false; error: unknown };
let native: Loaded<NativeModule> | undefined;
let wasm: Loaded<WasmModule> | undefined;
let nodeSqlite: Loaded<LoadedNodeSqlite> | undefined;
let uriEnvSetByUs = false;

/**
 * Loads better-sqlite3 and proves its addon works by opening `:memory:` once (requiring the JS
 * package alone does not load the addon). `SQLITE_USE_URI=1` is set first unless the user set
 * it: the addon reads it once, when it loads, and only URI mode lets a later connection in this
 * process use `vfs=`, `immutable=`, `nolock=` and friends.
 */
export function loadNative(): NativeModule {
  native ??= attempt(() => {
    if (process.env.SQLITE_USE_URI === undefined) {
      process.env.SQLITE_USE_URI = '1';
      uriEnvSetByUs = true;
    }
    const Database = require('better-sqlite3') as NativeModule;
    new Database(':memory:').close();
    return Database;
  });
  if (!native.ok) throw new DriverUnavailableError('native', native.error);
  return native.value;
}

const fsErrors = new WeakMap<WasmModule, WasmFsErrors>();

/**
 * Loads node-sqlite3-wasm with an observed `fs` (see wasm-fs.ts) and checks the internals this
 * layer relies on are where it expects.
 */
export function loadWasm(): WasmModule {
  wasm ??= attempt(() => {
    const errors = new WasmFsErrors();
    const mod = loadWithFs(require, observedFs(errors)) as WasmModule;
    fsErrors.set(mod, errors);
    if (typeof mod.cwrap !== 'function' || typeof mod.Database !== 'function') {
      throw new Error('node-sqlite3-wasm does not export cwrap/Database as version 0.8 did');
    }
    checkStatementMethods(mod);
    return mod;
  });
  if (!wasm.ok) throw new DriverUnavailableError('wasm', wasm.error);
  return wasm.value;
}

/** Proves the `Statement` internals this layer steps with exist (the class itself is not exported). */
function checkStatementMethods(mod: WasmModule): void {
  const db = new mod.Database(':memory:');
  try {
    const stmt = db.prepare('select 1');
    const missing = WASM_STATEMENT_METHODS.filter((m) => typeof (stmt as unknown as Record<string, unknown>)[m] !== 'function');
    stmt.finalize();
    if (missing.length > 0) throw new Error(`node-sqlite3-wasm's Statement lacks ${missing.join(', ')} (version 0.8 has them): this version is not supported`);
  } finally {
    db.close();
  }
}

/** The OS errors of `mod`'s file system calls (a fresh, never-filled record for a module not loaded here). */
export function wasmFsErrors(mod: WasmModule): WasmFsErrors {
  let errors = fsErrors.get(mod);
  if (!errors) fsErrors.set(mod, (errors = new WasmFsErrors()));
  return errors;
}

/**
 * Which bindings this process has tried to load (node-sqlite3-wasm is loaded outside Node's module
 * cache, see wasm-fs.ts, so `require.cache` does not show it).
 */
export function driversLoaded(): { native: boolean; wasm: boolean } {
  return { native: native !== undefined, wasm: wasm !== undefined };
}

/**
 * Loads Node's built-in `node:sqlite` and checks the members this layer needs (`isTransaction`,
 * `setReadBigInts`, `iterate`) exist in this Node. Node 22 and 24 print "ExperimentalWarning:
 * SQLite is an experimental feature" when the module loads; that one warning (and only it, and
 * only during this load) is dropped: under `auto` the user never asked for an experimental
 * module, the library pins the behaviour it relies on with its own tests, and a warning on
 * stderr breaks tools that parse it (`dual-sqlite inspect --json`, CI logs treated as failures).
 * Code that imports `node:sqlite` itself before this still sees the warning.
 */
export function loadNode(): LoadedNodeSqlite {
  nodeSqlite ??= attempt(() => {
    const mod = withoutSqliteWarning(() => requireNodeSqlite());
    const db = new mod.DatabaseSync(':memory:');
    let allReadsStaleColumns: boolean;
    try {
      const stmt = db.prepare('select 1');
      const missing = [
        typeof db.isTransaction === 'boolean' ? '' : 'DatabaseSync#isTransaction',
        typeof stmt.setReadBigInts === 'function' ? '' : 'StatementSync#setReadBigInts',
        typeof stmt.iterate === 'function' ? '' : 'StatementSync#iterate',
        typeof stmt.columns === 'function' ? '' : 'StatementSync#columns',
      ].filter(Boolean);
      if (missing.length > 0) {
        throw new Error(`node:sqlite in Node ${process.version} lacks ${missing.join(', ')}; use a current Node 22 or 24 (tested: 22.23, 24.22)`);
      }
      allReadsStaleColumns = probeStaleColumns(db);
    } finally {
      db.close();
    }
    return { module: mod, allReadsStaleColumns };
  });
  if (!nodeSqlite.ok) throw new DriverUnavailableError('node', nodeSqlite.error);
  return nodeSqlite.value;
}

/** Does `all()` return the old columns right after a schema change? (Asked of this Node, not assumed from its version.) */
function probeStaleColumns(db: NodeDatabase): boolean {
  db.prepare('create table probe (a)').run();
  db.prepare('insert into probe values (1)').run();
  const stmt = db.prepare('select * from probe');
  stmt.all();
  db.prepare('alter table probe add column b').run();
  return !('b' in (stmt.all()[0] ?? {}));
}

function requireNodeSqlite(): NodeSqliteModule {
  try {
    return require('node:sqlite') as NodeSqliteModule;
  } catch (e) {
    // Node's own error code, in backticks so the troubleshooting table's scan does not take it for ours
    if ((e as NodeJS.ErrnoException).code === `ERR_UNKNOWN_BUILTIN_MODULE`) {
      throw new Error(`node:sqlite does not exist in Node ${process.version}; it needs Node ${NODE_SQLITE_MIN_VERSION} or later`, { cause: e });
    }
    throw e;
  }
}

/** Runs `fn` with `process.emitWarning` dropping only `node:sqlite`'s ExperimentalWarning. */
function withoutSqliteWarning<T>(fn: () => T): T {
  const original = process.emitWarning;
  process.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]) {
    if (isSqliteExperimentalWarning(warning, rest[0])) return;
    return (original as (...a: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    return fn();
  } finally {
    process.emitWarning = original;
  }
}

function isSqliteExperimentalWarning(warning: string | Error, typeOrOptions: unknown): boolean {
  const type = typeof typeOrOptions === 'string' ? typeOrOptions : (typeOrOptions as { type?: unknown } | undefined)?.type;
  const text = typeof warning === 'string' ? warning : warning?.message;
  const name = typeof warning === 'string' ? type : warning?.name;
  return name === 'ExperimentalWarning' && typeof text === 'string' && text.startsWith('SQLite is an experimental feature');
}

/** True when this module set `SQLITE_USE_URI` itself (for error messages). */
export function uriEnvWasSetByUs(): boolean {
  return uriEnvSetByUs;
}

function attempt<T>(fn: () => T): Loaded<T> {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    return { ok: false, error };
  }
}
