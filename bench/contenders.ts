/**
 * The contenders, each behind one small {@link Session} interface so a workload is written
 * once. This file (with the contention worker) is the only code outside `drivers/` that imports
 * the raw drivers: the benchmark measures them.
 *
 * Every contender runs with its own defaults (busy timeout, BEGIN mode, journal mode), because
 * that is what a user of it gets.
 */
import { readFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Kysely, SqliteDialect, sql, type CompiledQuery, type DatabaseConnection, type Dialect, type Driver, type QueryResult } from 'kysely';
import type { DriverName } from '../drivers/types.js';
import { SCHEMA, type BenchDB } from './schema.js';

const require = createRequire(import.meta.url);

/** Appended to a file name: open an in-memory copy of that file instead (the in-memory rows). */
const IN_MEMORY = '#memory';

/** better-sqlite3 on `file`, or on an in-memory copy of it (deserialized) for the in-memory rows. */
function openBetterSqlite(file: string) {
  const Database = require('better-sqlite3');
  return file.endsWith(IN_MEMORY) ? new Database(readFileSync(file.slice(0, -IN_MEMORY.length))) : new Database(file);
}

/** One open contender on one database file. Ops may return a value or a promise. */
export interface Session {
  /** Point SELECT by primary key through the query builder (Kysely contenders only). */
  readonly selectQB?: (id: number) => unknown;
  /** Point SELECT by primary key, compiled once (raw: a reused prepared statement). */
  readonly selectCompiled: (id: number) => unknown;
  /** One-row INSERT in autocommit. */
  readonly insertOne: (n: number) => unknown;
  /** `count` one-row INSERTs inside one transaction. */
  readonly insertBatch: (n: number, count: number) => unknown;
  /** One-row UPDATE by primary key in autocommit. */
  readonly update: (id: number, n: number) => unknown;
  /** Point SELECTs (precompiled) of `ids`, all inside one read transaction. */
  readonly readBatch: (ids: ArrayLike<number>) => unknown;
  /** A read-then-write transaction: read the counter, increment it, append an event. */
  readonly writeTx: (n: number) => unknown;
  close(): unknown;
}

/**
 * Which family a contender belongs to; `ours` is the baseline of every ratio on its driver.
 * `variant` is ours with a non-default DSN option (shown by default); `probe` rows exist to
 * explain the others (Kysely's own floor, the cost of value mapping) and run with `--probes`.
 */
export type ContenderKind = 'raw' | 'kysely' | 'ours' | 'variant' | 'probe';

/** A benchmark contender. */
export interface Contender {
  readonly id: string;
  readonly label: string;
  readonly driver: DriverName;
  readonly kind: ContenderKind;
  /** True when the ops return plain values (no promise): the loop then skips `await`. */
  readonly sync: boolean;
  /** False for contenders that cannot share a file between processes (exclusive locking). */
  readonly multiProcess?: boolean;
  /** The workloads a probe answers a question for; absent = every workload it can run. */
  readonly workloads?: readonly string[];
  /** Id of the row its "ours ÷ this" compares with; default `ours-<driver>`. */
  readonly baseline?: string;
  open(file: string): Promise<Session>;
}

const SELECT_SQL = 'select * from items where id = ?';
const INSERT_SQL = 'insert into events (item_id, kind, at) values (?, ?, ?)';
const UPDATE_SQL = 'update items set qty = ? where id = ?';
const COUNTER_SQL = 'select n from counters where id = 1';
const BUMP_SQL = 'update counters set n = ? where id = 1';

/** Ops through a Kysely instance, the same for every Kysely-based contender. */
function kyselySession(db: Kysely<BenchDB>): Session {
  const compiled = db.selectFrom('items').selectAll().where('id', '=', 0).compile();
  const insertRow = (k: Kysely<BenchDB>, n: number) =>
    k.insertInto('events').values({ item_id: n, kind: 'bench', at: n }).execute();
  return {
    selectQB: (id) => db.selectFrom('items').selectAll().where('id', '=', id).executeTakeFirst(),
    // A CompiledQuery reused with new parameters: how an app skips the builder on a hot path.
    selectCompiled: (id) => db.executeQuery({ ...compiled, parameters: [id] } as CompiledQuery),
    insertOne: (n) => insertRow(db, n),
    insertBatch: (n, count) =>
      db.transaction().execute(async (trx) => {
        for (let i = 0; i < count; i++) await insertRow(trx, n + i);
      }),
    update: (id, n) => db.updateTable('items').set({ qty: n }).where('id', '=', id).execute(),
    readBatch: (ids) =>
      db
        .transaction()
        .setAccessMode('read only')
        .execute(async (trx) => {
          for (let i = 0; i < ids.length; i++) await trx.executeQuery({ ...compiled, parameters: [ids[i]] } as CompiledQuery);
        }),
    writeTx: (n) =>
      db.transaction().execute(async (trx) => {
        const row = await trx.selectFrom('counters').select('n').where('id', '=', 1).executeTakeFirstOrThrow();
        await trx.updateTable('counters').set({ n: row.n + 1 }).where('id', '=', 1).execute();
        await insertRow(trx, n);
      }),
    close: () => db.destroy(),
  };
}

/** better-sqlite3 with reused prepared statements: the native limit. */
const rawNative: Contender = {
  id: 'raw-native',
  label: 'better-sqlite3 (raw, reused stmts)',
  driver: 'native',
  kind: 'raw',
  sync: true,
  async open(file) {
    const Database = require('better-sqlite3');
    const db = new Database(file);
    const sel = db.prepare(SELECT_SQL);
    const ins = db.prepare(INSERT_SQL);
    const upd = db.prepare(UPDATE_SQL);
    const counter = db.prepare(COUNTER_SQL);
    const bump = db.prepare(BUMP_SQL);
    const batch = db.transaction((n: number, count: number) => {
      for (let i = 0; i < count; i++) ins.run(n + i, 'bench', n + i);
    });
    const reads = db.transaction((ids: ArrayLike<number>) => {
      for (let i = 0; i < ids.length; i++) sel.get(ids[i]);
    });
    const tx = db.transaction((n: number) => {
      const row = counter.get() as { n: number };
      bump.run(row.n + 1);
      ins.run(n, 'bench', n);
    });
    return {
      selectCompiled: (id) => sel.get(id),
      insertOne: (n) => ins.run(n, 'bench', n),
      insertBatch: (n, count) => batch(n, count),
      update: (id, n) => upd.run(n, id),
      readBatch: (ids) => reads(ids),
      writeTx: (n) => tx(n),
      close: () => db.close(),
    };
  },
};

/** Kysely's built-in SqliteDialect on better-sqlite3: what Kysely users have today. */
const kyselyNative: Contender = {
  id: 'kysely-native',
  label: 'Kysely SqliteDialect (better-sqlite3)',
  driver: 'native',
  kind: 'kysely',
  sync: false,
  async open(file) {
    return kyselySession(new Kysely<BenchDB>({ dialect: new SqliteDialect({ database: openBetterSqlite(file) }) }));
  },
};

/** The parts of node:sqlite's DatabaseSync the bench uses (the project's @types/node is Node 20's). */
interface NodeSqliteDatabase {
  exec(sql: string): void;
  prepare(sql: string): { get(...p: unknown[]): unknown; run(...p: unknown[]): unknown };
  readonly isTransaction: boolean;
  close(): void;
}

/**
 * Node's built-in node:sqlite with reused prepared statements: the node limit. Its defaults:
 * busy timeout 0, plain (deferred) BEGIN.
 */
const rawNode: Contender = {
  id: 'raw-node',
  label: 'node:sqlite (raw, reused stmts)',
  driver: 'node',
  kind: 'raw',
  sync: true,
  async open(file) {
    const { DatabaseSync } = require('node:sqlite') as { DatabaseSync: new (f: string) => NodeSqliteDatabase };
    const db = new DatabaseSync(file);
    const sel = db.prepare(SELECT_SQL);
    const ins = db.prepare(INSERT_SQL);
    const upd = db.prepare(UPDATE_SQL);
    const counter = db.prepare(COUNTER_SQL);
    const bump = db.prepare(BUMP_SQL);
    const tx = <A extends unknown[]>(body: (...args: A) => void) => (...args: A) => {
      db.exec('BEGIN');
      try {
        body(...args);
        db.exec('COMMIT');
      } catch (error) {
        if (db.isTransaction) db.exec('ROLLBACK');
        throw error;
      }
    };
    return {
      selectCompiled: (id) => sel.get(id),
      insertOne: (n) => ins.run(n, 'bench', n),
      insertBatch: tx((n: number, count: number) => {
        for (let i = 0; i < count; i++) ins.run(n + i, 'bench', n + i);
      }),
      update: (id, n) => upd.run(n, id),
      readBatch: tx((ids: ArrayLike<number>) => {
        for (let i = 0; i < ids.length; i++) sel.get(ids[i]);
      }),
      writeTx: tx((n: number) => {
        const row = counter.get() as { n: number };
        bump.run(row.n + 1);
        ins.run(n, 'bench', n);
      }),
      close: () => db.close(),
    };
  },
};

/**
 * Minimal structural view of node-sqlite3-wasm (its typings declare an ambient module that
 * NodeNext resolution does not pick up from `require`).
 */
interface WasmStatement {
  run(values?: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  all(values?: unknown[]): Record<string, unknown>[];
  get(values?: unknown[]): Record<string, unknown> | null;
  finalize(): void;
}
interface WasmDatabase {
  readonly inTransaction: boolean;
  exec(sql: string): void;
  prepare(sql: string): WasmStatement;
  close(): void;
}
type WasmDatabaseCtor = new (file: string) => WasmDatabase;

/** Runs `body` in BEGIN/COMMIT on a raw wasm connection, rolling back on failure. */
function wasmTx<A extends unknown[]>(db: WasmDatabase, body: (...args: A) => void): (...args: A) => void {
  return (...args) => {
    db.exec('BEGIN');
    try {
      body(...args);
      db.exec('COMMIT');
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw error;
    }
  };
}

/** node-sqlite3-wasm with reused prepared statements: the wasm limit. */
const rawWasm: Contender = {
  id: 'raw-wasm',
  label: 'node-sqlite3-wasm (raw, reused stmts)',
  driver: 'wasm',
  kind: 'raw',
  sync: true,
  async open(file) {
    const { Database } = require('node-sqlite3-wasm') as { Database: WasmDatabaseCtor };
    const db = new Database(file);
    const sel = db.prepare(SELECT_SQL);
    const ins = db.prepare(INSERT_SQL);
    const upd = db.prepare(UPDATE_SQL);
    const counter = db.prepare(COUNTER_SQL);
    const bump = db.prepare(BUMP_SQL);
    const stmts = [sel, ins, upd, counter, bump];
    return {
      // all() rather than get(): get() leaves the statement un-reset and the lock held (FACTS),
      // which would be faster only by being unsafe for every other process.
      selectCompiled: (id) => sel.all([id])[0],
      insertOne: (n) => ins.run([n, 'bench', n]),
      insertBatch: wasmTx(db, (n: number, count: number) => {
        for (let i = 0; i < count; i++) ins.run([n + i, 'bench', n + i]);
      }),
      update: (id, n) => upd.run([n, id]),
      readBatch: wasmTx(db, (ids: ArrayLike<number>) => {
        for (let i = 0; i < ids.length; i++) sel.all([ids[i]]);
      }),
      writeTx: wasmTx(db, (n: number) => {
        const row = counter.all()[0] as { n: number };
        bump.run([row.n + 1]);
        ins.run([n, 'bench', n]);
      }),
      close: () => {
        // finalize() rethrows the statement's last step error (e.g. SQLITE_BUSY): not a close failure.
        for (const s of stmts) {
          try {
            s.finalize();
          } catch {}
        }
        db.close();
      },
    };
  },
};

/**
 * kysely-wasm's NodeWasmDialect. 1.2.1 is the last release whose peer range accepts kysely 0.28;
 * 2.x requires kysely 0.29, which needs Node 22.
 */
const kyselyWasm: Contender = {
  id: 'kysely-wasm',
  label: 'kysely-wasm 1.2.1 NodeWasmDialect',
  driver: 'wasm',
  kind: 'kysely',
  sync: false,
  async open(file) {
    const { Database } = require('node-sqlite3-wasm') as { Database: WasmDatabaseCtor };
    const { NodeWasmDialect } = (await import('kysely-wasm')) as unknown as {
      NodeWasmDialect: new (config: { database: WasmDatabase }) => Dialect;
    };
    return kyselySession(new Kysely<BenchDB>({ dialect: new NodeWasmDialect({ database: new Database(file) }) }));
  },
};

/** Loads our dialect lazily so the harness runs (and says why) before `core/` has landed. */
async function loadOurDialect(checkout?: string): Promise<new (config: { dsn: string; driver?: DriverName }) => Dialect> {
  const core = (await (checkout ? import(pathToFileURL(join(checkout, 'core/index.ts')).href) : import('../core/index.js'))) as Record<string, unknown>;
  const ctor = core.DualSqliteDialect;
  if (typeof ctor !== 'function') throw new Error('core/ does not export DualSqliteDialect yet');
  return ctor as new (config: { dsn: string; driver?: DriverName }) => Dialect;
}

function ours(driver: DriverName, query = '', suffix = '', checkout?: string, kind?: ContenderKind): Contender {
  const notes = [driver, query, checkout ? `build in ${checkout}` : ''].filter(Boolean).join(', ');
  return {
    id: `ours-${driver}${suffix}`,
    label: `kysely-dual-sqlite (${notes})`,
    driver,
    kind: kind ?? (query || checkout ? 'variant' : 'ours'),
    sync: false,
    multiProcess: !query.includes('exclusive'),
    async open(file) {
      const Dialect = await loadOurDialect(checkout);
      return kyselySession(new Kysely<BenchDB>({ dialect: new Dialect({ dsn: query ? `${file}?${query}` : file, driver }) }));
    },
  };
}

/**
 * Our dialect on a private `:memory:` database loaded with the template's rows (ATTACH, copy,
 * DETACH): only the dialect's own overhead counts, no file lock.
 */
const oursMemory: Contender = {
  id: 'ours-native-memory',
  label: 'in memory: kysely-dual-sqlite (native, :memory:)',
  driver: 'native',
  kind: 'variant',
  sync: false,
  multiProcess: false,
  workloads: ['select-qb', 'select-compiled'],
  baseline: 'ours-native-memory',
  async open(file) {
    const Dialect = await loadOurDialect();
    const db = new Kysely<BenchDB>({ dialect: new Dialect({ dsn: ':memory:', driver: 'native' }) });
    for (const statement of SCHEMA) await sql.raw(statement).execute(db);
    await sql`attach database ${file} as src`.execute(db);
    await sql`insert into items select * from src.items`.execute(db);
    await sql`detach database src`.execute(db);
    return kyselySession(db);
  },
};

/** The same contender on an in-memory copy of the file (see {@link oursMemory}). */
function inMemory(c: Contender, label: string): Contender {
  return {
    ...c,
    id: `${c.id}-memory`,
    label: `in memory: ${label}`,
    kind: 'variant',
    multiProcess: false,
    workloads: ['select-qb', 'select-compiled'],
    baseline: 'ours-native-memory',
    open: (file) => c.open(file + IN_MEMORY),
  };
}

/**
 * Probe: the cheapest possible Kysely dialect over better-sqlite3 (reused statements, no mutex,
 * no value mapping, no busy handling). Whatever it costs above raw better-sqlite3 is Kysely's own
 * per-query pipeline, which no dialect can remove.
 */
const kyselyFloor: Contender = {
  id: 'floor-native',
  label: 'probe: Kysely floor (no-op driver, better-sqlite3)',
  driver: 'native',
  kind: 'probe',
  sync: false,
  multiProcess: false,
  workloads: ['select-qb', 'select-compiled', 'select-in-tx', 'insert-tx'],
  async open(file) {
    const db = openBetterSqlite(file);
    const stmts = new Map<string, { reader: boolean; all(...p: unknown[]): unknown[]; run(...p: unknown[]): { changes: number; lastInsertRowid: number | bigint } }>();
    const conn: DatabaseConnection = {
      executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
        let stmt = stmts.get(q.sql);
        if (!stmt) stmts.set(q.sql, (stmt = db.prepare(q.sql)));
        if (stmt!.reader) return Promise.resolve({ rows: stmt!.all(...q.parameters) as R[] });
        const r = stmt!.run(...q.parameters);
        return Promise.resolve({ rows: [], numAffectedRows: BigInt(r.changes), insertId: BigInt(r.lastInsertRowid) });
      },
      streamQuery(): AsyncIterableIterator<never> {
        throw new Error('not used by the benchmark');
      },
    };
    const exec = (sql: string) => Promise.resolve(void db.prepare(sql).run());
    const driver: Driver = {
      init: async () => {},
      acquireConnection: async () => conn,
      beginTransaction: () => exec('begin'),
      commitTransaction: () => exec('commit'),
      rollbackTransaction: () => exec('rollback'),
      releaseConnection: async () => {},
      destroy: async () => db.close(),
    };
    const sqlite = new SqliteDialect({ database: db });
    const dialect: Dialect = {
      createDriver: () => driver,
      createQueryCompiler: () => sqlite.createQueryCompiler(),
      createAdapter: () => sqlite.createAdapter(),
      createIntrospector: (k) => sqlite.createIntrospector(k),
    };
    return kyselySession(new Kysely<BenchDB>({ dialect }));
  },
};

/**
 * Probe: raw better-sqlite3 plus exactly the value mapping our native driver does for parity
 * (safe integers read as bigint and narrowed back, parameters validated). Its distance to the
 * plain raw row is the cost of the parity work per point SELECT.
 */
const rawNativeParity: Contender = {
  id: 'parity-native',
  label: 'probe: better-sqlite3 raw + our value mapping',
  driver: 'native',
  kind: 'probe',
  sync: true,
  multiProcess: false,
  workloads: ['select-compiled'],
  async open(file) {
    const base = await rawNative.open(file);
    const { normalizeNativeRow, toBindValues, toNativeIntegers } = await import('../drivers/values.js');
    const Database = require('better-sqlite3');
    const db = new Database(file);
    const sel = db.prepare(SELECT_SQL).safeIntegers(true);
    return {
      ...base,
      // Same call as the raw row (get), plus exactly the mapping: the difference is its cost.
      selectCompiled: (id) =>
        normalizeNativeRow(sel.get(...toNativeIntegers(toBindValues([id], SELECT_SQL))) as Record<string, unknown>),
      close: () => {
        db.close();
        return base.close();
      },
    };
  },
};

/** Every contender, in table order: per driver, the limit, the alternative, ours. */
/**
 * `BENCH_COMPARE=<another checkout>` adds our dialect from that tree (its `core/index.ts`) as
 * extra rows, to A/B a change in one interleaved run. An environment variable, not a flag, so the
 * contention writer processes see the same contender list.
 */
const compare = process.env.BENCH_COMPARE;

/** Every contender, in table order: per driver the limit, the probes, the alternative, ours. */
export const CONTENDERS: readonly Contender[] = [
  rawNative,
  rawNativeParity,
  kyselyFloor,
  kyselyNative,
  ours('native'),
  ours('native', '_read_spans=1', '-spans'),
  ...(compare ? [ours('native', '', '@compare', compare)] : []),
  // node:sqlite exists from Node 22.13; no Kysely dialect for it is published on npm (checked:
  // only generic ones), so the node rows are the raw limit and ours
  ...(isBuiltin('node:sqlite') ? [rawNode, ours('node'), ours('node', '_read_spans=1', '-spans'), ...(compare ? [ours('node', '', '@compare', compare)] : [])] : []),
  rawWasm,
  kyselyWasm,
  ours('wasm'),
  ours('wasm', '_read_spans=1', '-spans'),
  ...(compare ? [ours('wasm', '', '@compare', compare)] : []),
  ours('wasm', '_locking_mode=exclusive', '-exclusive'),
  // What the statement cache buys: the same dialect preparing every statement anew.
  { ...ours('native', '_stmt_cache_size=0', '-nocache', undefined, 'probe'), multiProcess: false, workloads: ['select-qb', 'select-compiled', 'insert-tx'] },
  { ...ours('wasm', '_stmt_cache_size=0', '-nocache', undefined, 'probe'), multiProcess: false, workloads: ['select-compiled', 'select-in-tx'] },
  // In memory, where only the dialects' own overhead counts (issue 14: keep 2x SqliteDialect, 0.95x the floor).
  inMemory(kyselyFloor, 'probe: Kysely floor (no-op driver, better-sqlite3)'),
  inMemory(kyselyNative, 'Kysely SqliteDialect (better-sqlite3)'),
  oursMemory,
];

/** Looks a contender up by id. */
export function contenderById(id: string): Contender {
  const c = CONTENDERS.find((x) => x.id === id);
  if (!c) throw new Error(`unknown contender "${id}"; known: ${CONTENDERS.map((x) => x.id).join(', ')}`);
  return c;
}
