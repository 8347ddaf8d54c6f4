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
    // Transactions and concurrency are unaffected. A dialect without acquireTimeout (same file,
    // same connection): ten queued transactions wait for each other, which on a loaded machine
    // takes longer than the 200 ms that only the misuse above is meant to hit.
    const queued = await openTestDb(driver, dsn, { detectMisuse: false });
    await Promise.all(Array.from({ length: 10 }, (_, i) => queued.transaction().execute(async (trx) => trx.insertInto('t').values({ v: `${i}` }).execute())));
    assert.is((await queued.selectFrom('t').selectAll().execute()).length, 10);
    assert.is(misuseDetectionEnabled(), false);
    await queued.destroy();
    await db.destroy();
  });
});
