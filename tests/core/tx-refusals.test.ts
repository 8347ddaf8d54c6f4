/**
 * Issue 11 items 17 and 18. Raw transaction control inside `transaction().execute` would commit
 * (or nest) behind Kysely's back while `execute` reports a failure; a raw `pragma journal_mode=`
 * switches the file's journal mode behind the DSN's back (a WAL file locks wasm out). Both are
 * refused with coded errors. A transaction whose callback caught a TRANSACTION_MISUSE error used
 * to commit; now it cannot.
 */
import * as assert from 'uvu/assert';
import { sql } from 'kysely';
import { TransactionAbortedError } from '../../core/index.js';
import { matrix } from '../helpers/matrix.js';
import { openTestDb, rejection, tmpDsn } from './support.js';

const controls = ['commit', 'COMMIT TRANSACTION', 'end', 'rollback', '/* hi */ rollback transaction', 'begin', 'begin immediate'];

matrix('raw transaction control inside a transaction', (test, driver) => {
  for (const statement of controls) {
    test(`${statement}: RAW_TRANSACTION_CONTROL, the transaction stays Kysely's`, async () => {
      const { dsn } = tmpDsn();
      const db = await openTestDb(driver, dsn);
      const error = await rejection(
        db.transaction().execute(async (trx) => {
          await trx.insertInto('t').values({ id: 1, v: 'a' }).execute();
          await sql.raw(statement).execute(trx);
        }),
      );
      assert.is(error.code, 'RAW_TRANSACTION_CONTROL');
      assert.match(error.message, /transaction\(\)\.execute callback.*savepoint/);
      assert.equal(await db.selectFrom('t').selectAll().execute(), [], 'the refusal rolled the transaction back');
      await db.destroy();
    });
  }

  test('caught refusal: nothing happened, the transaction commits normally', async () => {
    const { dsn } = tmpDsn();
    const db = await openTestDb(driver, dsn);
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('t').values({ id: 1, v: 'a' }).execute();
      const e = await rejection(sql`commit`.execute(trx));
      assert.is(e.code, 'RAW_TRANSACTION_CONTROL');
      await trx.insertInto('t').values({ id: 2, v: 'b' }).execute();
    });
    assert.is((await db.selectFrom('t').selectAll().execute()).length, 2);
    await db.destroy();
  });

  test('savepoints through sql and ROLLBACK TO stay allowed inside a transaction', async () => {
    const { dsn } = tmpDsn();
    const db = await openTestDb(driver, dsn);
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('t').values({ id: 1, v: 'kept' }).execute();
      await sql`savepoint sp`.execute(trx);
      await trx.insertInto('t').values({ id: 2, v: 'undone' }).execute();
      await sql`rollback to savepoint sp`.execute(trx);
      await sql`release sp`.execute(trx);
    });
    assert.equal((await db.selectFrom('t').select('v').execute()).map((r) => r.v), ['kept']);
    await db.destroy();
  });

  test('controlled transactions and savepoints of the API still work (the dialect\'s own statements pass)', async () => {
    const { dsn } = tmpDsn();
    const db = await openTestDb(driver, dsn);
    const trx = await db.startTransaction().execute();
    await trx.insertInto('t').values({ id: 1, v: 'a' }).execute();
    const sp = await trx.savepoint('s1').execute();
    await sp.insertInto('t').values({ id: 2, v: 'b' }).execute();
    await sp.rollbackToSavepoint('s1').execute();
    await trx.commit().execute();
    assert.is((await db.selectFrom('t').selectAll().execute()).length, 1);
    await db.destroy();
  });
});

matrix('journal mode changes through queries', (test, driver) => {
  for (const statement of ['pragma journal_mode = wal', 'PRAGMA main.journal_mode=truncate', 'pragma "journal_mode"(\'wal\')', '-- c\npragma journal_mode = delete']) {
    test(`${JSON.stringify(statement)}: JOURNAL_MODE_CHANGE, the file keeps its mode`, async () => {
      const { dsn } = tmpDsn();
      const db = await openTestDb(driver, dsn);
      const error = await rejection(sql.raw(statement).execute(db));
      assert.is(error.code, 'JOURNAL_MODE_CHANGE');
      assert.match(error.message, /_journal_mode/);
      const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(db);
      assert.equal(mode.rows, [{ journal_mode: 'delete' }], 'reading the mode is allowed');
      await db.destroy();
    });
  }

  test('VACUUM and PRAGMA foreign_keys = ... outside a transaction still run', async () => {
    const { dsn } = tmpDsn();
    const db = await openTestDb(driver, dsn);
    await sql`vacuum`.execute(db);
    await sql`pragma foreign_keys = on`.execute(db);
    await db.destroy();
  });
});

matrix('a transaction after a caught misuse', (test, driver) => {
  test('callback catches TRANSACTION_MISUSE and returns: commit refused with TRANSACTION_ABORTED, rolled back', async () => {
    const { dsn } = tmpDsn();
    const db = await openTestDb(driver, dsn);
    const error = await rejection(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('t').values({ id: 1, v: 'a' }).execute();
        const misuse = await rejection(db.selectFrom('t').selectAll().execute());
        assert.is(misuse.code, 'TRANSACTION_MISUSE');
        await trx.insertInto('t').values({ id: 2, v: 'b' }).execute();
      }),
    );
    assert.instance(error, TransactionAbortedError);
    assert.is(error.code, 'TRANSACTION_ABORTED');
    assert.is(error.cause.code, 'TRANSACTION_MISUSE');
    assert.equal(await db.selectFrom('t').selectAll().execute(), [], 'nothing of the transaction was committed');
    // The database is usable and later transactions commit.
    await db.transaction().execute(async (trx) => trx.insertInto('t').values({ id: 3, v: 'c' }).execute());
    assert.is((await db.selectFrom('t').selectAll().execute()).length, 1);
    await db.destroy();
  });

  test('a misuse inside a nested async task of the callback also poisons the transaction', async () => {
    const { dsn } = tmpDsn();
    const db = await openTestDb(driver, dsn);
    const error = await rejection(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('t').values({ id: 1, v: 'a' }).execute();
        await new Promise<void>((resolve) => setTimeout(() => void db.selectFrom('t').selectAll().execute().catch(() => undefined).then(() => resolve()), 1));
      }),
    );
    assert.is(error.code, 'TRANSACTION_ABORTED');
    assert.equal(await db.selectFrom('t').selectAll().execute(), []);
    await db.destroy();
  });
});
