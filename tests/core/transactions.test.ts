/**
 * Concurrency and misuse on both drivers: Kysely's "parallel transactions with random failures",
 * the outer-db-inside-its-transaction deadlock turned into TransactionMisuseError, acquireTimeout,
 * and that releasing never wedges the queue.
 */
import * as assert from 'uvu/assert';
import { sql } from 'kysely';
import { AcquireTimeoutError, TransactionMisuseError } from '../../core/index.js';
import { DualSqliteError } from '../../dsn/base-error.js';
import { parseDsn } from '../../dsn/index.js';
import { openBackend } from '../../drivers/index.js';
import { matrix } from '../helpers/matrix.js';
import { openTestDb, rejection, tmpDsn } from './support.js';

matrix('transactions', (test, driver) => {
  test("transaction control goes through the connection: Kysely's log sees BEGIN, SAVEPOINT, RELEASE, ROLLBACK TO, COMMIT, ROLLBACK", async () => {
    const { dsn } = tmpDsn();
    const logged: string[] = [];
    const db = await openTestDb(driver, dsn, { kyselyLog: (e) => void logged.push(e.query.sql) });
    logged.length = 0;
    const trx = await db.startTransaction().execute();
    await trx.insertInto('t').values({ v: 'a' }).execute();
    const sp = await trx.savepoint('sp').execute();
    await sp.insertInto('t').values({ v: 'b' }).execute();
    const back = await sp.rollbackToSavepoint('sp').execute();
    await back.releaseSavepoint('sp').execute();
    await trx.commit().execute();
    await db.transaction().execute(async () => {}).catch(() => undefined);
    await rejection(db.transaction().execute(async () => Promise.reject(new Error('no'))));
    assert.equal(logged.filter((q) => !q.startsWith('insert')), [
      'begin immediate', 'savepoint "sp"', 'rollback to "sp"', 'release "sp"', 'commit',
      'begin immediate', 'commit',
      'begin immediate', 'rollback',
    ]);
    assert.equal((await db.selectFrom('t').select('v').execute()).map((r) => r.v), ['a']);
    await db.destroy();
  });

  test("a lock wait at BEGIN shows in the logged BEGIN's queryDurationMillis", async () => {
    const { path: file, dsn } = tmpDsn();
    const durations = new Map<string, number>();
    const db = await openTestDb(driver, dsn, { kyselyLog: (e) => void durations.set(e.query.sql, e.queryDurationMillis) });
    // another connection (bypassing the registry on purpose) holds the write lock for >= 150 ms
    const other = openBackend(parseDsn(file), { driver, sqliteBusyTimeout: 0 });
    other.execute('begin immediate', []);
    const started = db.transaction().execute(async (trx) => trx.insertInto('t').values({ v: 'x' }).execute());
    await new Promise((r) => setTimeout(r, 150));
    other.execute('rollback', []);
    other.close();
    await started;
    assert.ok(durations.get('begin immediate')! >= 140, `begin took ${durations.get('begin immediate')} ms`);
    await db.destroy();
  });

  test('100 parallel transactions with random failures: exact final counts', async () => {
    const { dsn } = tmpDsn();
    const db = await openTestDb(driver, dsn);
    await sql`create table pet (id integer primary key, owner integer not null references t(id))`.execute(db);
    // Deterministic "random" failures so a failure is reproducible; about half fail, at varying points.
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const threads = Array.from({ length: 100 }, (_, i) => ({ id: 1000 + i, failAt: rnd() < 0.5 ? Math.floor(rnd() * 3) : -1 }));
    const results = await Promise.allSettled(
      threads.map((th) =>
        db.transaction().execute(async (trx) => {
          if (th.failAt === 0) throw new Error(`fail ${th.id} before writing`);
          await trx.insertInto('t').values({ id: th.id, v: `person ${th.id}` }).execute();
          await new Promise((r) => setTimeout(r, rnd() * 3));
          if (th.failAt === 1) throw new Error(`fail ${th.id} after person`);
          await sql`insert into pet (id, owner) values (${th.id}, ${th.id})`.execute(trx);
          if (th.failAt === 2) throw new Error(`fail ${th.id} after pet`);
        }),
      ),
    );
    const expectOk = threads.filter((th) => th.failAt === -1).map((th) => th.id);
    assert.ok(expectOk.length > 20 && expectOk.length < 80, `mix of outcomes, got ${expectOk.length} successes`);
    for (let i = 0; i < threads.length; i++) {
      const th = threads[i]!;
      const r = results[i]!;
      const [person, pet] = await Promise.all([
        db.selectFrom('t').select('id').where('id', '=', th.id).executeTakeFirst(),
        sql`select id from pet where id = ${th.id}`.execute(db),
      ]);
      if (th.failAt === -1) {
        assert.is(r.status, 'fulfilled', `thread ${th.id}`);
        assert.ok(person, `person ${th.id} committed`);
        assert.is(pet.rows.length, 1);
      } else {
        assert.is(r.status, 'rejected', `thread ${th.id}`);
        assert.match(String((r as PromiseRejectedResult).reason.message), new RegExp(`fail ${th.id}`));
        assert.is(person, undefined, `person ${th.id} rolled back`);
        assert.is(pet.rows.length, 0);
      }
    }
    const counts = await sql<{ p: number; q: number }>`select (select count(*) from t) as p, (select count(*) from pet) as q`.execute(db);
    assert.equal(counts.rows[0], { p: expectOk.length, q: expectOk.length });
    await db.destroy();
  });

  test('using the outer db inside its transaction callback throws TransactionMisuseError instead of hanging', async () => {
    const { dsn } = tmpDsn();
    const db = await openTestDb(driver, dsn);
    const error = await rejection(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('t').values({ v: 'inside' }).execute();
        await db.selectFrom('t').selectAll().execute();
      }),
    );
    assert.instance(error, TransactionMisuseError);
    assert.instance(error, DualSqliteError);
    assert.is(error.code, 'TRANSACTION_MISUSE');
    assert.match(error.message, /use the `trx` argument/i);
    // The transaction rolled back and the connection is free again.
    assert.equal(await db.selectFrom('t').selectAll().execute(), []);
    await db.destroy();
  });

  test('misuse is detected deep inside the callback (nested async calls, timers) and for a nested db.transaction()', async () => {
    const { dsn } = tmpDsn();
    const db = await openTestDb(driver, dsn);
    const helper = async () => {
      await new Promise((r) => setTimeout(r, 2));
      return db.selectFrom('t').selectAll().execute();
    };
    const deep = await rejection(db.transaction().execute(async () => helper()));
    assert.is(deep.code, 'TRANSACTION_MISUSE');
    const nested = await rejection(db.transaction().execute(async () => db.transaction().execute(async () => 1)));
    assert.is(nested.code, 'TRANSACTION_MISUSE');
    // Also through db.connection(): a second Kysely on the same file shares the connection.
    const other = await openTestDb(driver, dsn);
    const viaOther = await rejection(other.transaction().execute(async () => db.selectFrom('t').selectAll().execute()));
    assert.is(viaOther.code, 'TRANSACTION_MISUSE');
    await other.destroy();
    await db.destroy();
  });

  test('no false positives: code after the transaction, concurrent tasks and other files use db freely', async () => {
    const { dsn } = tmpDsn();
    const { dsn: otherFile } = tmpDsn();
    const db = await openTestDb(driver, dsn);
    const elsewhere = await openTestDb(driver, otherFile);
    let later: Promise<unknown> | undefined;
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('t').values({ v: 'a' }).execute();
      // Another database file inside the callback is fine.
      await elsewhere.insertInto('t').values({ v: 'other file' }).execute();
      // Work started here but run after the transaction ended is fine.
      later = new Promise((r) => setTimeout(r, 20)).then(() => db.insertInto('t').values({ v: 'later' }).execute());
    });
    await later;
    // Tasks that merely wait for the connection while a transaction runs are not misuse.
    await Promise.all([
      db.transaction().execute(async (trx) => {
        await new Promise((r) => setTimeout(r, 10));
        await trx.insertInto('t').values({ v: 'trx' }).execute();
      }),
      db.insertInto('t').values({ v: 'waiting' }).execute(),
    ]);
    await db.transaction().execute(async (trx) => trx.insertInto('t').values({ v: 'again' }).execute());
    assert.is((await db.selectFrom('t').selectAll().execute()).length, 5);
    await elsewhere.destroy();
    await db.destroy();
  });

  test('acquireTimeout: waiting behind an open controlled transaction fails with ACQUIRE_TIMEOUT, not forever', async () => {
    const { dsn } = tmpDsn();
    const db = await openTestDb(driver, dsn, { acquireTimeout: 150 });
    const trx = await db.startTransaction().execute();
    await trx.insertInto('t').values({ v: 'held' }).execute();
    const started = performance.now();
    const error = await rejection(db.selectFrom('t').selectAll().execute());
    assert.instance(error, AcquireTimeoutError);
    assert.is(error.code, 'ACQUIRE_TIMEOUT');
    assert.match(error.message, /acquireTimeout=150/);
    assert.ok(performance.now() - started >= 140);
    await trx.commit().execute();
    assert.is((await db.selectFrom('t').selectAll().execute()).length, 1);
    await db.destroy();
  });

  test('a raw BEGIN left open by a released connection is rolled back, so the next user is not inside it', async () => {
    const { dsn } = tmpDsn();
    const events: string[] = [];
    const db = await openTestDb(driver, dsn, { log: (e) => events.push(e.event) });
    await db.connection().execute(async (conn) => {
      await sql`begin`.execute(conn);
      await conn.insertInto('t').values({ v: 'abandoned' }).execute();
    });
    assert.equal(events, ['open-transaction-released']);
    await db.insertInto('t').values({ v: 'next' }).execute();
    assert.equal((await db.selectFrom('t').select('v').execute()).map((r) => r.v), ['next']);
    await db.destroy();
  });
});
