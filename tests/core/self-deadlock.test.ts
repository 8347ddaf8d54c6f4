/**
 * Waits for this process's connection that can never end because the waiting async flow holds
 * the connection itself (issue 11 items 2 and 3) become coded errors at once, and the database
 * stays usable; waits that do end (another flow holds it) still wait. Item 4: a long wait logs a
 * warning naming the holder.
 */
import * as assert from 'uvu/assert';
import { setImmediate as tick } from 'node:timers/promises';
import { sql } from 'kysely';
import { openDatabase, type DualSqliteLogEvent } from '../../core/index.js';
import { matrix } from '../helpers/matrix.js';
import { openTestDb, rejection, tmpDsn } from './support.js';

/** True when `p` is still pending after `turns` turns of the event loop. */
async function stillPending(p: Promise<unknown>, turns = 20): Promise<boolean> {
  let settled = false;
  p.then(() => (settled = true), () => (settled = true));
  for (let i = 0; i < turns; i++) await tick();
  return !settled;
}

matrix('self-deadlock', (test, driver) => {
  test('two openDatabase handles in one flow: BEGIN on the second while the first has a transaction open -> TRANSACTION_MISUSE after _busy_timeout; the first still commits', async () => {
    const { dsn } = tmpDsn('_busy_timeout=500');
    const h1 = await openDatabase(dsn, { driver });
    const h2 = await openDatabase(dsn, { driver });
    await h1.execute('create table t (v)');
    await h1.execute('begin immediate');
    await h1.execute("insert into t values ('one')");
    const error = await rejection(h2.execute('begin immediate'));
    assert.is(error.code, 'TRANSACTION_MISUSE');
    assert.match(error.message, /open transaction \(begin immediate\) on openDatabase handle #\d+.*waited 500 ms \(_busy_timeout\)/);
    // any statement on the other handle, not only BEGIN
    assert.is((await rejection(h2.execute('select 1'))).code, 'TRANSACTION_MISUSE');
    await h1.execute('commit');
    assert.equal((await h2.execute('select v from t')).rows, [{ v: 'one' }]);
    await h1.close();
    await h2.close();
  });

  test('a Kysely instance used while this flow has a transaction open on a handle -> TRANSACTION_MISUSE', async () => {
    const { dsn } = tmpDsn('_busy_timeout=50');
    const db = await openTestDb(driver, dsn);
    const h = await openDatabase(dsn, { driver });
    await h.execute('begin');
    const error = await rejection(db.selectFrom('t').selectAll().execute());
    assert.is(error.code, 'TRANSACTION_MISUSE');
    await h.execute('rollback');
    assert.equal(await db.selectFrom('t').selectAll().execute(), []);
    await h.close();
    await db.destroy();
  });

  test('a handle transaction in another flow is waited for, not refused', async () => {
    const { dsn } = tmpDsn('_busy_timeout=0');
    const h1 = await openDatabase(dsn, { driver });
    const h2 = await openDatabase(dsn, { driver });
    await h1.execute('create table t (v)');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const writer = (async () => {
      await null; // its own flow: marks made from here on do not reach the test's flow
      await h1.execute('begin immediate');
      await h1.execute("insert into t values ('w')");
      await gate;
      await h1.execute('commit');
    })();
    while (!h1.inTransaction) await tick();
    const read = h2.execute('select v from t');
    assert.ok(await stillPending(read), 'the reader waits for the transaction');
    release();
    await writer;
    assert.equal((await read).rows, [{ v: 'w' }]);
    await h1.close();
    await h2.close();
  });

  test('a write inside for await over a Kysely stream -> STREAM_MISUSE at once; the database stays usable', async () => {
    const { dsn } = tmpDsn();
    const db = await openTestDb(driver, dsn);
    await db.insertInto('t').values([{ v: 'a' }, { v: 'b' }, { v: 'c' }]).execute();
    const seen: string[] = [];
    const error = await rejection(
      (async () => {
        for await (const row of db.selectFrom('t').selectAll().orderBy('id').stream(5)) {
          seen.push(row.v);
          await db.updateTable('t').set({ n: 1 }).where('id', '=', row.id).execute();
        }
      })(),
    );
    assert.is(error.code, 'STREAM_MISUSE');
    assert.match(error.message, /an open stream \(select .* on Kysely instance #\d+/);
    assert.equal(seen, ['a']);
    // a later chunk is refused the same way
    const late = await rejection(
      (async () => {
        let i = 0;
        for await (const row of db.selectFrom('t').selectAll().orderBy('id').stream(1)) {
          if (++i === 3) await db.updateTable('t').set({ n: 1 }).where('id', '=', row.id).execute();
        }
      })(),
    );
    assert.is(late.code, 'STREAM_MISUSE');
    await db.updateTable('t').set({ n: 2 }).execute();
    assert.equal((await db.selectFrom('t').select('n').execute()).map((r) => r.n), [2, 2, 2]);
    await db.destroy();
  });

  test('a statement on a handle inside for await over handle.iterate -> STREAM_MISUSE; a stream in another flow is waited for', async () => {
    const { dsn } = tmpDsn();
    const h = await openDatabase(dsn, { driver });
    await h.execute('create table t (v)');
    await h.execute("insert into t values ('a'), ('b')");
    const error = await rejection(
      (async () => {
        for await (const row of h.iterate('select v from t')) await h.execute('update t set v = ? where v = ?', [`${row.v}!`, row.v]);
      })(),
    );
    assert.is(error.code, 'STREAM_MISUSE');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let rows = 0;
    const reader = (async () => {
      await null;
      for await (const _ of h.iterate('select v from t')) {
        rows++;
        await gate;
      }
    })();
    while (rows === 0) await tick();
    const write = h.execute("update t set v = 'x'");
    assert.ok(await stillPending(write), 'the write waits for the other flow\'s stream');
    release();
    await reader;
    assert.is((await write).changes, 2);
    await h.close();
  });

  test('trx.stream + trx write inside a transaction waits in Kysely\'s own queue until the stream ends (documented; not detectable by the dialect)', async () => {
    const { dsn } = tmpDsn();
    const db = await openTestDb(driver, dsn, { acquireTimeout: 200 });
    await db.insertInto('t').values([{ v: 'a' }, { v: 'b' }]).execute();
    await db.transaction().execute(async (trx) => {
      let write: Promise<unknown> | undefined;
      for await (const row of trx.selectFrom('t').selectAll().stream(1)) {
        write = trx.updateTable('t').set({ n: 5 }).where('id', '=', row.id).execute();
        // acquireTimeout does not apply: the write never reaches the dialect while the stream is open
        assert.ok(await stillPending(write, 50), 'the write waits while the stream is open');
        break;
      }
      await write; // runs once the stream has ended
    });
    assert.equal((await db.selectFrom('t').select('n').orderBy('id').execute()).map((r) => r.n), [5, 0]);
    await db.destroy();
  });

  test('a long wait for the connection logs one slow-acquire warning naming the holder; from the second on, where it began', async () => {
    const { dsn } = tmpDsn();
    const events: DualSqliteLogEvent[] = [];
    let warned!: () => void;
    const log = (e: DualSqliteLogEvent) => {
      events.push(e);
      if (e.event === 'slow-acquire') warned();
    };
    const h1 = await openDatabase(dsn, { driver });
    const db = await openTestDb(driver, dsn, { acquireWarning: 30, log });
    for (const round of [1, 2]) {
      const warning = new Promise<void>((r) => (warned = r));
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const holder = (async () => {
        await null;
        await h1.execute('begin immediate');
        await gate;
        await h1.execute('commit');
      })();
      while (!h1.inTransaction) await tick();
      const query = db.selectFrom('t').selectAll().execute();
      await warning;
      const slow = events.filter((e) => e.event === 'slow-acquire');
      assert.is(slow.length, round);
      assert.is(slow[round - 1]!.level, 'warn');
      assert.match(slow[round - 1]!.message, /Kysely instance #\d+ has waited \d+ ms for the connection to .*held by an open transaction \(begin immediate\) on openDatabase handle #\d+, held for [\d.]+ s/);
      if (round === 2) assert.match(slow[1]!.message, /begun at .*self-deadlock\.test\.ts/);
      release();
      await holder;
      await query;
    }
    // a wait shorter than acquireWarning logs nothing
    await db.selectFrom('t').selectAll().execute();
    assert.is(events.filter((e) => e.event === 'slow-acquire').length, 2);
    await h1.close();
    await db.destroy();
  });
});
