/**
 * `detectMisuse: false` (own file: nothing else in this process may turn detection on): no
 * AsyncLocalStorage is enabled, and the misuse then waits like every SQLite dialect does, which
 * `acquireTimeout` turns into ACQUIRE_TIMEOUT.
 */
import * as assert from 'uvu/assert';
import { misuseDetectionEnabled } from '../../core/misuse.js';
import { matrix } from '../helpers/matrix.js';
import { openTestDb, rejection, tmpDsn } from './support.js';

matrix('misuse detection opt-out', (test, driver) => {
  test('detectMisuse: false enables no AsyncLocalStorage; the misuse then hits acquireTimeout', async () => {
    const { dsn } = tmpDsn();
    const db = await openTestDb(driver, dsn, { detectMisuse: false, acquireTimeout: 200 });
    assert.is(misuseDetectionEnabled(), false);
    const error = await rejection(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('t').values({ v: 'x' }).execute();
        await db.selectFrom('t').selectAll().execute();
      }),
    );
    assert.is(error.code, 'ACQUIRE_TIMEOUT');
    // Transactions and concurrency are unaffected.
    await Promise.all(Array.from({ length: 10 }, (_, i) => db.transaction().execute(async (trx) => trx.insertInto('t').values({ v: `${i}` }).execute())));
    assert.is((await db.selectFrom('t').selectAll().execute()).length, 10);
    assert.is(misuseDetectionEnabled(), false);
    await db.destroy();
  });
});
