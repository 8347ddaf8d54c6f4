/**
 * The process-wide registry on both drivers: one connection and one FIFO queue per file shared by
 * every Kysely instance, conflicting connection settings refused with both values named, private
 * and named in-memory databases, refcounted close.
 */
import * as assert from 'uvu/assert';
import { symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Kysely, sql } from 'kysely';
import { createKysely, DualSqliteDialect, openDatabase, RegistryConflictError, registeredUsers, registryKey } from '../../core/index.js';
import { parseDsn } from '../../dsn/index.js';
import type { DriverName } from '../../drivers/types.js';
import { matrix, otherProtocolDriver } from '../helpers/matrix.js';
import { openTestDb, rejection, tmpDsn, type TestDb } from './support.js';

const other = otherProtocolDriver;

matrix('registry', (test, driver) => {
  test('two Kysely instances, 64 concurrent tasks each, interleaved writes: one connection, no SQLITE_BUSY, every row', async () => {
    const { path: file, dsn } = tmpDsn();
    const a = await openTestDb(driver, dsn);
    const b = await openTestDb(driver, dsn);
    assert.is(registeredUsers(file), 2);
    // A temp table lives in one connection only: seeing it from b proves a and b share one.
    await sql`create temp table marker (x)`.execute(a);
    await sql`insert into marker values (1)`.execute(a);
    assert.equal((await sql`select x from marker`.execute(b)).rows, [{ x: 1 }]);
    const errors: unknown[] = [];
    const task = async (db: Kysely<TestDb>, name: string, i: number) => {
      for (let k = 0; k < 4; k++) {
        await db.insertInto('t').values({ v: `${name}-${i}-${k}`, n: k }).execute();
        await new Promise((r) => setImmediate(r));
        if (k % 2 === 0) {
          await db.transaction().execute(async (trx) => {
            await trx.updateTable('t').set({ n: sql`n + 100` }).where('v', '=', `${name}-${i}-${k}`).execute();
          });
        }
      }
    };
    await Promise.all(
      [a, b].flatMap((db, w) => Array.from({ length: 64 }, (_, i) => task(db, w === 0 ? 'a' : 'b', i).catch((e) => errors.push(e)))),
    );
    assert.equal(errors, []);
    const rows = await a.selectFrom('t').select(['v', 'n']).execute();
    assert.is(rows.length, 2 * 64 * 4);
    const names = new Set(rows.map((r) => r.v));
    for (const w of ['a', 'b']) for (let i = 0; i < 64; i++) for (let k = 0; k < 4; k++) assert.ok(names.has(`${w}-${i}-${k}`));
    assert.is(rows.filter((r) => r.n >= 100).length, 2 * 64 * 2);
    await a.destroy();
    assert.is(registeredUsers(file), 1);
    await b.destroy();
    assert.is(registeredUsers(file), 0);
  });

  test('the queue is FIFO across instances: waiters get the connection in arrival order', async () => {
    const { dsn } = tmpDsn();
    const a = await openTestDb(driver, dsn);
    const b = await openTestDb(driver, dsn);
    const trx = await a.startTransaction().execute();
    const issued = Array.from({ length: 24 }, (_, i) => (i % 3 === 0 ? a : b).insertInto('t').values({ v: `w${i}` }).execute());
    await new Promise((r) => setTimeout(r, 10));
    await trx.insertInto('t').values({ v: 'holder' }).execute();
    await trx.commit().execute();
    await Promise.all(issued);
    const order = (await a.selectFrom('t').select('v').orderBy('id').execute()).map((r) => r.v);
    assert.equal(order, ['holder', ...Array.from({ length: 24 }, (_, i) => `w${i}`)]);
    await a.destroy();
    await b.destroy();
  });

  test('a newcomer waits for the previous connection to finish closing instead of opening a second one', async () => {
    const { path: file, dsn } = tmpDsn();
    const a = await openTestDb(driver, dsn);
    const trx = await a.startTransaction().execute();
    await trx.insertInto('t').values({ v: 'from a' }).execute();
    const destroyed = a.destroy(); // waits for the open transaction (FIFO drain)
    await new Promise((r) => setImmediate(r));
    assert.is(registeredUsers(file), 0, 'a left the registry; its connection is closing');
    const b = createKysely<TestDb>(dsn, { driver });
    const read = b.selectFrom('t').select('v').execute();
    await new Promise((r) => setTimeout(r, 20));
    assert.is(registeredUsers(file), 0, 'b must not have opened a second connection meanwhile');
    await trx.commit().execute();
    await destroyed;
    assert.equal(await read, [{ v: 'from a' }]);
    assert.is(registeredUsers(file), 1);
    await b.destroy();
  });

  test('the registry key is the real path: a symlink and the file share one connection', async () => {
    const { path: file, dsn } = tmpDsn();
    const link = join(dirname(file), 'link.db');
    const a = await openTestDb(driver, dsn);
    symlinkSync(file, link);
    assert.is(registryKey(parseDsn(link)), file);
    const b = createKysely<TestDb>(link, { driver });
    await sql`create temp table marker (x)`.execute(a);
    await sql`select * from marker`.execute(b);
    assert.is(registeredUsers(file), 2);
    await a.destroy();
    await b.destroy();
  });

  test('conflicting connection-level settings on one file fail with REGISTRY_CONFLICT naming both values', async () => {
    const { path: file, dsn } = tmpDsn();
    const a = await openTestDb(driver, dsn);
    const b = createKysely<TestDb>(`file:${file}?_cache_size=-2000&_synchronous=normal`, { driver });
    const error = await rejection(b.selectFrom('t').selectAll().execute());
    assert.instance(error, RegistryConflictError);
    assert.is(error.code, 'REGISTRY_CONFLICT');
    assert.match(error.message, /_cache_size: open with -16000, this one asks for -2000/);
    assert.match(error.message, /_synchronous: open with "full", this one asks for "normal"/);
    assert.match(error.message, new RegExp(file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));
    // The other driver on the same file is a conflict too (and would corrupt it across processes).
    const c = createKysely<TestDb>(file, { driver: other(driver) });
    const driverError = await rejection(c.selectFrom('t').selectAll().execute());
    assert.is(driverError.code, 'REGISTRY_CONFLICT');
    assert.match(driverError.message, new RegExp(`_driver: open with "${driver}", this one asks for "${other(driver)}"`));
    // The failed users did not take a reference.
    assert.is(registeredUsers(file), 1);
    await b.destroy();
    await c.destroy();
    await a.destroy();
  });

  test('per-dialect settings may differ: _txlock and _busy_timeout apply to their own dialect only', async () => {
    const { path: file, dsn } = tmpDsn();
    const a = await openTestDb(driver, dsn);
    const b = createKysely<TestDb>(`file:${file}?_txlock=deferred&_busy_timeout=100`, { driver });
    await b.insertInto('t').values({ v: 'b' }).execute();
    await b.transaction().execute(async (trx) => trx.insertInto('t').values({ v: 'b2' }).execute());
    assert.is(registeredUsers(file), 2);
    assert.is((await a.selectFrom('t').selectAll().execute()).length, 2);
    await a.destroy();
    await b.destroy();
  });

  test('in-memory: private per dialect, shared by Kysely instances of one dialect, named memory shared by name', async () => {
    const d1 = new DualSqliteDialect({ dsn: ':memory:', driver });
    const d2 = new DualSqliteDialect({ dsn: ':memory:', driver });
    const k1 = new Kysely<any>({ dialect: d1 });
    const k1b = new Kysely<any>({ dialect: d1 });
    const k2 = new Kysely<any>({ dialect: d2 });
    await sql`create table only_in_d1 (x)`.execute(k1);
    assert.equal((await sql`select count(*) as c from only_in_d1`.execute(k1b)).rows, [{ c: 0 }]);
    const missing = await rejection(sql`select * from only_in_d1`.execute(k2));
    assert.match(missing.message, /no such table/);
    // A temporary database ('') follows the same rule as :memory:.
    const t1 = createKysely<any>('', { driver });
    const t2 = createKysely<any>('', { driver });
    await sql`create table only_in_t1 (x)`.execute(t1);
    assert.match((await rejection(sql`select * from only_in_t1`.execute(t2))).message, /no such table/);
    await t1.destroy();
    await t2.destroy();
    const name = `shared_${driver}_${process.pid}`;
    const m1 = createKysely<any>(`file:${name}?mode=memory`, { driver });
    const m2 = createKysely<any>(`file:${name}?mode=memory`, { driver });
    await sql`create table shared_t (x)`.execute(m1);
    await sql`insert into shared_t values (7)`.execute(m1);
    assert.equal((await sql`select x from shared_t`.execute(m2)).rows, [{ x: 7 }]);
    assert.is(registeredUsers(`memory:${name}`), 2);
    for (const k of [k1, k1b, k2, m1, m2]) await k.destroy();
    assert.is(registeredUsers(`memory:${name}`), 0);
  });

  test('the env option picks the driver (SQLITE_DRIVER) for handles and dialects alike', async () => {
    const env = { SQLITE_DRIVER: driver };
    const h = await openDatabase(':memory:', { env });
    assert.is(h.selection.driver, driver);
    assert.is(h.selection.source, 'env');
    await h.close();
    const { path: file, dsn } = tmpDsn();
    const db = createKysely<TestDb>(dsn, { env });
    await sql`select 1`.execute(db);
    const error = await rejection(openDatabase(file, { driver: other(driver) }));
    assert.match(error.message, new RegExp(`_driver: open with "${driver}"`));
    await db.destroy();
  });

  test('openDatabase handles share the connection and queue with dialects; a handle keeps its own transaction', async () => {
    const { path: file, dsn } = tmpDsn();
    const db = await openTestDb(driver, dsn);
    const h = await openDatabase(dsn, { driver });
    assert.is(h.filename, file);
    assert.is(h.selection.driver, driver);
    await h.execute('begin immediate');
    await h.execute("insert into t (v) values ('from handle')");
    // The dialect's query waits for the handle's transaction instead of running inside it.
    const pending = db.insertInto('t').values({ v: 'from kysely' }).execute();
    await new Promise((r) => setTimeout(r, 20));
    await h.execute('rollback');
    await pending;
    assert.equal((await db.selectFrom('t').select('v').execute()).map((r) => r.v), ['from kysely']);
    const seen: unknown[] = [];
    for await (const row of h.iterate('select v from t')) seen.push(row);
    assert.equal(seen, [{ v: 'from kysely' }]);
    await h.close();
    await h.close();
    assert.is(registeredUsers(file), 1);
    const closed = await rejection(h.execute('select 1'));
    assert.is(closed.code, 'DATABASE_CLOSED');
    await db.destroy();
  });
});
