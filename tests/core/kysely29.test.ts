/**
 * The dialect under kysely 0.29 (installed as `kysely29`). 0.29 wraps drivers in a per-instance
 * mutex when the adapter reports `supportsMultipleConnections === false`; our adapter reports
 * true so that (a) the misused outer `db` reaches our driver and fails fast instead of hanging on
 * that mutex, and (b) our per-file FIFO lock serializes every instance on the file.
 */
import * as assert from 'uvu/assert';
import { Kysely as Kysely29, sql as sql29, type Generated } from 'kysely29';
import { DualSqliteDialect, registeredUsers } from '../../core/index.js';
import type { DriverName } from '../../drivers/types.js';
import { matrix } from '../helpers/matrix.js';
import { rejection, tmpDsn } from './support.js';

interface DB {
  t: { id: Generated<number>; v: string };
}

async function open29(dsn: string, driver: DriverName, acquireTimeout?: number) {
  // The dialect is typed against kysely 0.28's interfaces; 0.29 calls the same methods.
  const db = new Kysely29<DB>({ dialect: new DualSqliteDialect({ dsn, driver, acquireTimeout }) as any });
  await db.schema.createTable('t').ifNotExists().addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('v', 'text').execute();
  return db;
}

matrix('kysely 0.29', (test, driver) => {
  test('the installed kysely29 is 0.29.x and its adapter would take its own mutex', async () => {
    const { readFileSync } = await import('node:fs');
    const pkgUrl = new URL('../../node_modules/kysely29/package.json', import.meta.url);
    assert.match(JSON.parse(readFileSync(pkgUrl, 'utf8')).version, /^0\.29\./);
    const { SqliteAdapter } = await import('kysely29');
    assert.is(new SqliteAdapter().supportsMultipleConnections, false);
    const dialect = new DualSqliteDialect({ dsn: ':memory:', driver });
    assert.is((dialect.createAdapter() as { supportsMultipleConnections?: boolean }).supportsMultipleConnections, true);
  });

  test("why the adapter says true: with 0.29's own SqliteAdapter the same misuse hangs on Kysely's mutex", async () => {
    const { SqliteAdapter } = await import('kysely29');
    class WithKyselyMutex extends DualSqliteDialect {
      override createAdapter() {
        return new SqliteAdapter() as any;
      }
    }
    const db = new Kysely29<any>({ dialect: new WithKyselyMutex({ dsn: ':memory:', driver }) as any });
    const inner = db.transaction().execute(async () => db.selectNoFrom((eb) => eb.val(1).as('x')).execute());
    inner.catch(() => undefined);
    const outcome = await Promise.race([
      inner.then(() => 'resolved', (e) => e.code),
      new Promise((r) => setTimeout(() => r('still waiting'), 300)),
    ]);
    assert.is(outcome, 'still waiting');
    // (The hung transaction keeps this private memory database; it is dropped with the process.)
  });

  test('transactions commit and roll back; savepoints work', async () => {
    const { dsn } = tmpDsn();
    const db = await open29(dsn, driver);
    await db.transaction().execute(async (trx) => trx.insertInto('t').values({ v: 'committed' }).execute());
    const failed = await rejection(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('t').values({ v: 'rolled back' }).execute();
        throw new Error('boom');
      }),
    );
    assert.match(failed.message, /boom/);
    const trx = await db.startTransaction().execute();
    await trx.insertInto('t').values({ v: 'outer' }).execute();
    const sp = await trx.savepoint('a').execute();
    await sp.insertInto('t').values({ v: 'inner' }).execute();
    await (await sp.rollbackToSavepoint('a').execute()).commit().execute();
    assert.equal((await db.selectFrom('t').select('v').orderBy('id').execute()).map((r) => r.v), ['committed', 'outer']);
    await db.destroy();
  });

  test('outer db inside its transaction callback throws TRANSACTION_MISUSE (does not hang on 0.29 mutex)', async () => {
    const { dsn } = tmpDsn();
    const db = await open29(dsn, driver);
    const error = await rejection(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('t').values({ v: 'x' }).execute();
        await db.selectFrom('t').selectAll().execute();
      }),
    );
    assert.is(error.code, 'TRANSACTION_MISUSE');
    assert.equal(await db.selectFrom('t').selectAll().execute(), []);
    await db.destroy();
  });

  test('concurrency: two 0.29 instances, 32 tasks each with transactions and autocommit writes, every row', async () => {
    const { path: file, dsn } = tmpDsn();
    const a = await open29(dsn, driver);
    const b = await open29(dsn, driver);
    assert.is(registeredUsers(file), 2);
    const work = (db: Kysely29<DB>, name: string) =>
      Array.from({ length: 32 }, async (_, i) => {
        await db.insertInto('t').values({ v: `${name}-${i}-auto` }).execute();
        await db.transaction().execute(async (trx) => {
          await trx.insertInto('t').values({ v: `${name}-${i}-trx` }).execute();
          await new Promise((r) => setImmediate(r));
          await sql29`update t set v = v || '!' where v = ${`${name}-${i}-trx`}`.execute(trx);
        });
      });
    await Promise.all([...work(a, 'a'), ...work(b, 'b')]);
    const rows = await a.selectFrom('t').select('v').execute();
    assert.is(rows.length, 128);
    assert.is(rows.filter((r) => r.v.endsWith('-trx!')).length, 64);
    await a.destroy();
    await b.destroy();
    assert.is(registeredUsers(file), 0);
  });

  test('acquireTimeout works on 0.29 too', async () => {
    const { dsn } = tmpDsn();
    const db = await open29(dsn, driver, 100);
    const trx = await db.startTransaction().execute();
    const error = await rejection(db.selectFrom('t').selectAll().execute());
    assert.is(error.code, 'ACQUIRE_TIMEOUT');
    await trx.rollback().execute();
    await db.selectFrom('t').selectAll().execute();
    await db.destroy();
  });
});
