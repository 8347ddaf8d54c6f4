/**
 * The dialect end to end on both drivers: CRUD through the query builder, transactions (txlock,
 * read-only, isolation levels, savepoints, SQLite's own rollback), streaming with early stop,
 * Migrator + FileMigrationProvider, introspection, destroy.
 */
import * as assert from 'uvu/assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { sql } from 'kysely';
import { FileMigrationProvider, Migrator } from '../helpers/kysely-migration.js';
import { parseDsn } from '../../dsn/index.js';
import { openBackend } from '../../drivers/index.js';
import { createKysely, DualSqliteDialect, openDatabase, registeredUsers } from '../../core/index.js';
import { matrix, onUnixVfs } from '../helpers/matrix.js';
import { tmpDir } from '../helpers/tmp.js';
import { lockDirExists, openTestDb, rejection, tmpDsn, type TestDb } from './support.js';

matrix('dialect', (test, driver) => {
  test('query builder round trip: insert, returning, update, delete, select', async () => {
    const { dsn } = tmpDsn();
    const db = await openTestDb(driver, dsn);
    const inserted = await db.insertInto('t').values({ v: 'a', n: 1 }).executeTakeFirstOrThrow();
    assert.is(inserted.insertId, 1n);
    assert.is(inserted.numInsertedOrUpdatedRows, 1n);
    const returned = await db.insertInto('t').values({ v: 'b', n: 2 }).returning(['id', 'v']).executeTakeFirstOrThrow();
    assert.equal(returned, { id: 2, v: 'b' });
    const updated = await db.updateTable('t').set({ n: 9 }).where('id', '=', 1).executeTakeFirstOrThrow();
    assert.is(updated.numUpdatedRows, 1n);
    const deleted = await db.deleteFrom('t').where('id', '=', 2).executeTakeFirstOrThrow();
    assert.is(deleted.numDeletedRows, 1n);
    assert.equal(await db.selectFrom('t').selectAll().execute(), [{ id: 1, v: 'a', n: 9 }]);
    await db.destroy();
  });

  test('transactions begin with the DSN _txlock: immediate by default, deferred and exclusive on request', async () => {
    for (const [query, expectWriteLockAtBegin] of [['', true], ['_txlock=deferred', false], ['_txlock=exclusive', true]] as const) {
      const { path: file, dsn } = tmpDsn(query);
      const db = await openTestDb(driver, dsn);
      // A second connection of the same driver (bypassing the registry on purpose) tries to take
      // the write lock while our transaction has only begun: it gets SQLITE_BUSY iff BEGIN took it.
      const other = openBackend(parseDsn(file), { driver, sqliteBusyTimeout: 0 });
      let otherGotBusy: boolean | undefined;
      await db.transaction().execute(async () => {
        try {
          other.execute('begin immediate', []);
          other.execute('rollback', []);
          otherGotBusy = false;
        } catch (error: any) {
          assert.is(error.code, 'SQLITE_BUSY');
          otherGotBusy = true;
        }
      });
      other.close();
      assert.is(otherGotBusy, expectWriteLockAtBegin, `_txlock query "${query}"`);
      await db.destroy();
    }
  });

  test("setAccessMode('read only') begins deferred, rejects writes with READ_ONLY_TRANSACTION, restores query_only", async () => {
    const { path: file, dsn } = tmpDsn();
    const db = await openTestDb(driver, dsn);
    await db.insertInto('t').values({ v: 'x' }).execute();
    const other = openBackend(parseDsn(file), { driver, sqliteBusyTimeout: 0 });
    const error = await rejection(
      db.transaction().setAccessMode('read only').execute(async (trx) => {
        const rows = await trx.selectFrom('t').selectAll().execute();
        assert.is(rows.length, 1);
        // Deferred + reading holds at most a shared lock: another connection may still reserve.
        if (onUnixVfs(driver)) {
          other.execute('begin immediate', []);
          other.execute('rollback', []);
        }
        await trx.insertInto('t').values({ v: 'forbidden' }).execute();
      }),
    );
    other.close();
    assert.is(error.code, 'READ_ONLY_TRANSACTION');
    assert.match(error.message, /read-only transaction/);
    assert.is(error.cause.code.startsWith('SQLITE_READONLY'), true);
    // Outside the read-only transaction writes work again, and nothing of it was kept.
    await db.insertInto('t').values({ v: 'after' }).execute();
    assert.equal((await db.selectFrom('t').select('v').execute()).map((r) => r.v), ['x', 'after']);
    const qo = await sql<{ query_only: number }>`pragma query_only`.execute(db);
    assert.is(qo.rows[0]!.query_only, 0);
    await db.destroy();
  });

  test('read-only connections (mode=ro, _query_only=1) run transactions (begun deferred) and refuse writes', async () => {
    const { path: file, dsn } = tmpDsn();
    const writer = await openTestDb(driver, dsn);
    await writer.insertInto('t').values({ v: 'x' }).execute();
    await writer.destroy();
    for (const query of ['mode=ro', '_query_only=1']) {
      const db = createKysely<TestDb>(`file:${file}?${query}`, { driver });
      const rows = await db.transaction().execute(async (trx) => trx.selectFrom('t').select('v').execute());
      assert.equal(rows, [{ v: 'x' }], query);
      const error = await rejection(db.transaction().execute(async (trx) => trx.insertInto('t').values({ v: 'no' }).execute()));
      assert.match(String(error.code), /^SQLITE_READONLY/, query);
      await db.destroy();
    }
  });

  test('_locking_mode=exclusive: the connection keeps its lock between statements; destroy frees it', async () => {
    const { path: file, dsn } = tmpDsn('_locking_mode=exclusive');
    const db = await openTestDb(driver, dsn);
    await db.insertInto('t').values({ v: 'x' }).execute();
    await db.transaction().execute(async (trx) => trx.insertInto('t').values({ v: 'y' }).execute());
    // Another connection cannot even open (its settings pragmas read the locked file).
    const busy = (() => {
      try {
        const other = openBackend(parseDsn(file), { driver, sqliteBusyTimeout: 0 });
        try {
          other.execute('select count(*) from t', []);
        } finally {
          other.close();
        }
        return undefined;
      } catch (error: any) {
        return error.code;
      }
    })();
    assert.is(busy, 'SQLITE_BUSY', 'another connection must be locked out while the exclusive connection is open');
    await db.destroy();
    assert.is(lockDirExists(file), false);
    const after = openBackend(parseDsn(file), { driver, sqliteBusyTimeout: 0 });
    assert.equal(after.execute('select count(*) as c from t', []).rows, [{ c: 2 }]);
    after.close();
  });

  test('every isolation level is accepted (SQLite transactions are serializable)', async () => {
    const { dsn } = tmpDsn();
    const db = await openTestDb(driver, dsn);
    for (const level of ['read uncommitted', 'read committed', 'repeatable read', 'serializable', 'snapshot'] as const) {
      await db.transaction().setIsolationLevel(level).execute(async (trx) => {
        await trx.insertInto('t').values({ v: level }).execute();
      });
    }
    assert.is((await db.selectFrom('t').selectAll().execute()).length, 5);
    await db.destroy();
  });

  test('savepoints: rollbackToSavepoint undoes only the inner part, releaseSavepoint keeps it', async () => {
    const { dsn } = tmpDsn();
    const db = await openTestDb(driver, dsn);
    const trx = await db.startTransaction().execute();
    await trx.insertInto('t').values({ v: 'outer' }).execute();
    const sp1 = await trx.savepoint('sp1').execute();
    await sp1.insertInto('t').values({ v: 'rolled back' }).execute();
    const back = await sp1.rollbackToSavepoint('sp1').execute();
    const sp2 = await back.savepoint('sp2').execute();
    await sp2.insertInto('t').values({ v: 'released' }).execute();
    const released = await sp2.releaseSavepoint('sp2').execute();
    await released.commit().execute();
    assert.equal((await db.selectFrom('t').select('v').orderBy('id').execute()).map((r) => r.v), ['outer', 'released']);
    await db.destroy();
  });

  test('a transaction SQLite already rolled back by itself surfaces the original error, not the rollback', async () => {
    const { dsn } = tmpDsn();
    const db = await openTestDb(driver, dsn);
    // RAISE(ROLLBACK) makes SQLite end the whole transaction itself, like SQLITE_FULL or an I/O error can.
    await sql`create trigger boom before insert on t when new.v = 'boom' begin select raise(rollback, 'boom trigger'); end`.execute(db);
    const error = await rejection(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('t').values({ v: 'kept?' }).execute();
        await trx.insertInto('t').values({ v: 'boom' }).execute();
      }),
    );
    assert.match(error.message, /boom trigger/);
    assert.match(String(error.code), /^SQLITE_CONSTRAINT/);
    assert.equal(await db.selectFrom('t').selectAll().execute(), []);
    await db.insertInto('t').values({ v: 'next' }).execute();
    assert.is((await db.selectFrom('t').selectAll().execute()).length, 1);
    await db.destroy();
  });

  test('a failing COMMIT (deferred foreign key) leaves the transaction rolled back and the connection usable', async () => {
    const { dsn } = tmpDsn();
    const db = await openTestDb(driver, dsn);
    await sql`create table child (id integer primary key, t_id integer references t(id) deferrable initially deferred)`.execute(db);
    const error = await rejection(
      db.transaction().execute(async (trx) => {
        await sql`insert into child (t_id) values (42)`.execute(trx);
      }),
    );
    assert.match(String(error.code), /^SQLITE_CONSTRAINT/);
    assert.equal((await sql`select count(*) as c from child`.execute(db)).rows, [{ c: 0 }]);
    await db.insertInto('t').values({ v: 'ok' }).execute();
    await db.destroy();
  });

  test('stream() yields every row, and stopping early frees the statement and the lock', async () => {
    const { path: file, dsn } = tmpDsn();
    const db = await openTestDb(driver, dsn);
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < 250; i++) await trx.insertInto('t').values({ v: `r${i}`, n: i }).execute();
    });
    let all = 0;
    for await (const row of db.selectFrom('t').selectAll().orderBy('id').stream(7)) {
      assert.is(row.n, all);
      all++;
    }
    assert.is(all, 250);
    let seen = 0;
    for await (const _row of db.selectFrom('t').selectAll().stream(10)) {
      if (++seen === 3) break;
    }
    assert.is(seen, 3);
    if (driver === 'wasm') assert.is(lockDirExists(file), false, 'wasm .lock directory left after early stop');
    // No shared lock left: another connection can take an exclusive lock at once.
    const other = openBackend(parseDsn(file), { driver, sqliteBusyTimeout: 0 });
    other.execute('begin exclusive', []);
    other.execute('rollback', []);
    other.close();
    // A consumer that throws mid-stream also releases the connection for the next query.
    const thrown = await rejection(
      (async () => {
        for await (const _row of db.selectFrom('t').selectAll().stream(1)) throw new Error('consumer failed');
      })(),
    );
    assert.match(thrown.message, /consumer failed/);
    assert.is((await db.selectFrom('t').select('id').execute()).length, 250);
    await db.destroy();
  });

  test('Migrator with FileMigrationProvider migrates up and down; introspection sees the tables', async () => {
    const folder = tmpDir('kds-migrations-');
    await fs.writeFile(
      path.join(folder, '001_people.mjs'),
      `export async function up(db) { await db.schema.createTable('person').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('name', 'text', (c) => c.notNull()).execute(); }
export async function down(db) { await db.schema.dropTable('person').execute(); }`,
    );
    await fs.writeFile(
      path.join(folder, '002_pets.mjs'),
      `export async function up(db) { await db.schema.createTable('pet').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('owner', 'integer', (c) => c.references('person.id')).execute(); }
export async function down(db) { await db.schema.dropTable('pet').execute(); }`,
    );
    const { dsn } = tmpDsn();
    const db = await openTestDb(driver, dsn);
    const migrator = new Migrator({ db, provider: new FileMigrationProvider({ fs, path, migrationFolder: folder }) });
    const up = await migrator.migrateToLatest();
    assert.is(up.error, undefined);
    assert.equal(up.results?.map((r) => [r.migrationName, r.status]), [['001_people', 'Success'], ['002_pets', 'Success']]);
    const tables = await db.introspection.getTables();
    assert.equal(tables.map((t) => t.name).sort(), ['person', 'pet', 't']);
    const pet = tables.find((t) => t.name === 'pet')!;
    assert.equal(pet.columns.map((c) => c.name), ['id', 'owner']);
    const down = await migrator.migrateDown();
    assert.is(down.error, undefined);
    assert.equal((await db.introspection.getTables()).map((t) => t.name).sort(), ['person', 't']);
    await db.destroy();
  });

  test('destroy() closes the shared connection once its last user is gone; wasm leaves no .lock', async () => {
    const { path: file, dsn } = tmpDsn();
    const a = await openTestDb(driver, dsn);
    const b = await openTestDb(driver, dsn);
    assert.is(registeredUsers(file), 2);
    await a.destroy();
    assert.is(registeredUsers(file), 1);
    await b.insertInto('t').values({ v: 'still open' }).execute();
    await b.destroy();
    assert.is(registeredUsers(file), 0);
    assert.is(lockDirExists(file), false);
    const closed = await rejection(b.selectFrom('t').selectAll().execute());
    assert.match(closed.message, /destroyed/);
  });

  test('bad options fail at construction with INVALID_OPTION (or the DSN layer\'s own error)', async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ dsn: ':memory:', driver: 'sqlite3' }, 'INVALID_OPTION', /option driver = "sqlite3".*"native", "node", "wasm" or "auto"/],
      [{ dsn: ':memory:', acquireTimeout: -1 }, 'INVALID_OPTION', /option acquireTimeout = -1.*>= 0/],
      [{ dsn: ':memory:', acquireTimeout: '100' }, 'INVALID_OPTION', /option acquireTimeout = "100"/],
      [{ dsn: ':memory:', log: 'console' }, 'INVALID_OPTION', /option log = "console".*function/],
      [{ dsn: 42 }, 'INVALID_OPTION', /option dsn = 42.*DSN string/],
      [{ dsn: ':memory:', detectMisuse: 'yes' }, 'INVALID_OPTION', /option detectMisuse = "yes"/],
      [{ dsn: ':memory:', acquireWarning: Number.NaN }, 'INVALID_OPTION', /option acquireWarning = NaN/],
      [{ dsn: ':memory:', drvier: 'wasm' }, 'INVALID_OPTION', /DualSqliteDialect\(\) has no option "drvier"; did you mean "driver"\?/],
      [{ dsn: ':memory:', acquireTimout: 5 }, 'INVALID_OPTION', /did you mean "acquireTimeout"/],
      [{ dsn: ':memory:', plugins: [] }, 'INVALID_OPTION', /has no option "plugins"/],
      [{ dsn: 'file:x.db?_txlock=sometimes' }, 'DSN_INVALID_VALUE', /_txlock/],
    ];
    for (const [config, code, message] of cases) {
      let error: any;
      try {
        new DualSqliteDialect({ driver, ...config } as any);
      } catch (e) {
        error = e;
      }
      assert.ok(error, `accepted ${JSON.stringify(config)}`);
      assert.is(error.code, code, JSON.stringify(config));
      assert.match(error.message, message);
    }
  });

  test('createKysely and openDatabase refuse unknown option names with a suggestion, like DSN keys', async () => {
    const cases: [() => unknown, RegExp][] = [
      [() => createKysely(':memory:', { drvier: 'wasm' } as any), /createKysely\(\) has no option "drvier"; did you mean "driver"\?/],
      [() => createKysely(':memory:', { kyselylog: () => {} } as any), /did you mean "kyselyLog"/],
      [() => createKysely(':memory:', { dsn: ':memory:' } as any), /createKysely\(\) has no option "dsn"/],
      [() => openDatabase(':memory:', { detectMisuses: false } as any), /openDatabase\(\) has no option "detectMisuses"; did you mean "detectMisuse"\?/],
      [() => openDatabase(':memory:', { plugins: [] } as any), /openDatabase\(\) has no option "plugins"/],
      // a DSN setting passed as an option points to its DSN key
      [() => createKysely(':memory:', { busyTimeout: 100 } as any), /no option "busyTimeout": it is a DSN setting; did you mean the DSN key "_busy_timeout"\? .*\?_busy_timeout=100/],
      [() => openDatabase(':memory:', { journal_mode: 'wal' } as any), /did you mean the DSN key "_journal_mode"\?.*_journal_mode=wal/],
      [() => new DualSqliteDialect({ dsn: ':memory:', txlock: 'deferred' } as any), /DualSqliteDialect\(\) has no option "txlock": .*DSN key "_txlock"/],
      // the dialect's config shape given to a call that takes the DSN string first
      [() => createKysely({ dsn: ':memory:', driver: 'wasm' } as any), /option dsn = object .*createKysely\(\) takes the DSN string as its first argument.*keys dsn, driver.*createKysely\('app\.db', \{ driver \}\)/],
      [() => openDatabase({ dsn: ':memory:' } as any), /openDatabase\(\) takes the DSN string.*openDatabase\('app\.db'\)/],
    ];
    for (const [call, message] of cases) {
      const error = await rejection((async () => call())());
      assert.is(error.code, 'INVALID_OPTION');
      assert.match(error.message, message);
    }
    // every documented option is accepted
    const db = createKysely(':memory:', { driver, env: {}, log: () => {}, acquireTimeout: 1000, acquireWarning: 1000, detectMisuse: true, plugins: [], kyselyLog: () => {} });
    await sql`select 1`.execute(db);
    await db.destroy();
    const h = await openDatabase(':memory:', { driver, env: {}, log: () => {}, acquireTimeout: 1000, acquireWarning: 1000, detectMisuse: true });
    await h.close();
  });

  test('a dialect instance accepts a parsed DsnConfig as well as a string', async () => {
    const { path: file } = tmpDsn();
    const dialect = new DualSqliteDialect({ dsn: parseDsn(`file:${file}?_txlock=deferred`), driver });
    assert.is(dialect.dsn.txlock, 'deferred');
    const { Kysely } = await import('kysely');
    const db = new Kysely<any>({ dialect });
    assert.equal((await sql`select 1 as one`.execute(db)).rows, [{ one: 1 }]);
    await db.destroy();
  });
});
