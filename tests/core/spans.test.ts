/**
 * Read spans (`_read_spans=1`, core/read-span.ts), on every driver: the autocommit SELECTs of one
 * event-loop turn share one read transaction, and a write, a BEGIN, a stream, a backup and the end
 * of the macrotask each end it. Each case is observed from another process: a child that tries
 * BEGIN EXCLUSIVE on the file while this process's event loop is blocked in spawnSync, i.e.
 * within the same macrotask, so it sees exactly what the span holds at that moment.
 */
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { DriverName } from '../../drivers/types.js';
import { openDatabase } from '../../core/index.js';
import { matrix } from '../helpers/matrix.js';
import { openTestDb, tmpDsn } from './support.js';
import { SHORT_CHILD_FLAGS } from '../helpers/entry.js';

const PROBE = fileURLToPath(new URL('./fixtures/lock-probe.mjs', import.meta.url));

/** What another process sees right now (this thread blocks until it answers). */
function otherProcessSees(file: string, driver: DriverName): 'free' | 'busy' {
  const out = spawnSync(process.execPath, [...SHORT_CHILD_FLAGS, PROBE, file, driver], { encoding: 'utf8', timeout: 600_000 });
  const line = out.stdout.trim().split('\n').pop();
  if (line !== 'free' && line !== 'busy') throw new Error(`lock probe failed: ${out.stdout}${out.stderr}`);
  return line;
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

matrix('read spans', (test, driver) => {
  async function setup(query = '_read_spans=1') {
    const { path, dsn } = tmpDsn(query);
    const db = await openTestDb(driver, dsn);
    await db.insertInto('t').values([{ v: 'a' }, { v: 'b' }]).execute();
    await turn();
    return { path, dsn, db };
  }

  test('the probe can see a span: reads hold the lock until the turn ends, only with _read_spans=1', async () => {
    for (const [query, expected] of [['_read_spans=1', 'busy'], ['_read_spans=0', 'free'], ['', 'free']] as const) {
      const { path, db } = await setup(query);
      assert.is(otherProcessSees(path, driver), 'free', 'nothing is held before the reads');
      const first = await db.selectFrom('t').select('v').where('id', '=', 1).executeTakeFirst();
      const second = await db.selectFrom('t').select('v').where('id', '=', 2).executeTakeFirst();
      assert.equal([first?.v, second?.v], ['a', 'b']);
      assert.is(otherProcessSees(path, driver), expected, `after two reads with "${query}"`);
      await turn();
      assert.is(otherProcessSees(path, driver), 'free', 'the end of the macrotask ends the span');
      await db.destroy();
    }
  });

  const enders: [string, (db: Awaited<ReturnType<typeof openTestDb>>) => Promise<unknown>][] = [
    ['a write', (db) => db.updateTable('t').set({ n: 1 }).where('id', '=', 1).execute()],
    ['a pragma', (db) => sql`pragma user_version`.execute(db)],
    ['a stream', async (db) => {
      const seen: string[] = [];
      for await (const row of db.selectFrom('t').select('v').stream()) seen.push(row.v);
      assert.equal(seen, ['a', 'b']);
    }],
    ['a transaction (its BEGIN)', (db) => db.transaction().execute(async (trx) => trx.selectFrom('t').selectAll().execute())],
  ];
  for (const [what, end] of enders) {
    test(`${what} ends the span within the same macrotask`, async () => {
      const { path, db } = await setup();
      await db.selectFrom('t').selectAll().execute();
      assert.is(otherProcessSees(path, driver), 'busy', 'the span is open');
      await end(db);
      assert.is(otherProcessSees(path, driver), 'free', `${what} ended it`);
      await db.destroy();
    });
  }

  test('BEGIN ends the span before it runs: a deferred transaction holds nothing until its first statement', async () => {
    const { path, db } = await setup('_read_spans=1&_txlock=deferred');
    await db.selectFrom('t').selectAll().execute();
    assert.is(otherProcessSees(path, driver), 'busy', 'the span is open');
    await db.transaction().execute(async (trx) => {
      assert.is(otherProcessSees(path, driver), 'free', 'inside the transaction, before its first statement');
      await trx.selectFrom('t').selectAll().execute();
    });
    await db.destroy();
  });

  test('db.connection(): its reads share the span of the turn, its first other statement and the end of the turn end it', async () => {
    const { path, db } = await setup();
    await db.selectFrom('t').selectAll().execute();
    await db.connection().execute(async (conn) => {
      await conn.selectFrom('t').selectAll().execute();
      assert.is(otherProcessSees(path, driver), 'busy', 'reads inside db.connection() share the span');
      await sql`pragma user_version`.execute(conn);
      assert.is(otherProcessSees(path, driver), 'free', 'a statement that is not a SELECT ended it');
      await conn.selectFrom('t').selectAll().execute();
      await turn();
      assert.is(otherProcessSees(path, driver), 'free', 'the end of the macrotask ended the new one, the connection still held');
    });
    await db.destroy();
  });

  test('openDatabase handles: reads share a span, a write ends it, and the handle holds no transaction', async () => {
    const { path, dsn } = tmpDsn('_read_spans=1');
    const db = await openDatabase(dsn, { driver });
    await db.execute('create table k (id integer primary key, v text)');
    await db.execute("insert into k values (1, 'x')");
    assert.equal((await db.execute('select v from k where id = 1')).rows, [{ v: 'x' }]);
    assert.is(db.inTransaction, false, 'a span is not a transaction of the handle');
    assert.is(otherProcessSees(path, driver), 'busy', 'the span is open');
    await db.execute("insert into k values (2, 'y')");
    assert.is(otherProcessSees(path, driver), 'free', 'the write ended it');
    assert.equal((await db.execute('select count(*) as n from k')).rows, [{ n: 2 }]);
    await db.close();
    assert.is(otherProcessSees(path, driver), 'free', 'close ended it');
  });
});
