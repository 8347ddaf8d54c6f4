/**
 * Issue 10: statements that cannot work inside a transaction (every migration runs in one) are
 * refused with a coded error naming the way out, instead of failing with a raw SQLite error or,
 * for `PRAGMA foreign_keys`, being silently ignored.
 */
import * as assert from 'uvu/assert';
import { sql, type Kysely } from 'kysely';
import { Migrator } from '../helpers/kysely-migration.js';
import { createKysely, type DualSqliteLogEvent } from '../../core/index.js';
import { matrix } from '../helpers/matrix.js';
import { tmpDsn } from './support.js';

matrix('statements refused inside a migration', (test, driver) => {
  const cases: [string, string, RegExp][] = [
    ['pragma foreign_keys = off', 'STATEMENT_IN_TRANSACTION', /foreign_keys.*defer_foreign_keys.*_foreign_keys/],
    ['PRAGMA foreign_keys(0)', 'STATEMENT_IN_TRANSACTION', /defer_foreign_keys/],
    ['vacuum', 'STATEMENT_IN_TRANSACTION', /cannot VACUUM inside a transaction/],
    ['pragma journal_mode = wal', 'JOURNAL_MODE_CHANGE', /_journal_mode/],
    ['commit', 'RAW_TRANSACTION_CONTROL', /transaction API/],
  ];
  for (const [statement, code, pattern] of cases) {
    test(`${statement}: ${code}, and the migration is not applied`, async () => {
      const { dsn } = tmpDsn();
      const events: DualSqliteLogEvent[] = [];
      const db = createKysely<any>(dsn, { driver, log: (e) => void events.push(e) });
      const migrator = new Migrator({
        db,
        provider: {
          getMigrations: async () => ({
            m001: {
              async up(trx: Kysely<any>) {
                await trx.schema.createTable('a').addColumn('id', 'integer').execute();
                await sql.raw(statement).execute(trx);
              },
            },
          }),
        },
      });
      const result = await migrator.migrateToLatest();
      assert.is((result.error as { code?: string } | undefined)?.code, code);
      assert.match((result.error as Error).message, pattern);
      const tables = await sql<{ name: string }>`select name from sqlite_master where name = 'a'`.execute(db);
      assert.equal(tables.rows, [], 'the failed migration was rolled back whole');
      assert.equal(events, []);
      await db.destroy();
    });
  }

  test('the documented way out works: defer_foreign_keys inside a table rebuild', async () => {
    const { dsn } = tmpDsn();
    const db = createKysely<any>(dsn, { driver });
    await sql`create table parent (id integer primary key)`.execute(db);
    await sql`create table child (id integer primary key, parent integer references parent(id))`.execute(db);
    await sql`insert into parent values (1)`.execute(db);
    await sql`insert into child values (1, 1)`.execute(db);
    const migrator = new Migrator({
      db,
      provider: {
        getMigrations: async () => ({
          m001: {
            async up(trx: Kysely<any>) {
              // Rows aside, drop, re-create under the same name, rows back: the re-inserted
              // parent rows settle the deferred violations that the drop recorded.
              await sql`pragma defer_foreign_keys = on`.execute(trx);
              await sql`create table parent_copy as select * from parent`.execute(trx);
              await sql`drop table parent`.execute(trx);
              await sql`create table parent (id integer primary key, name text default 'p')`.execute(trx);
              await sql`insert into parent (id) select id from parent_copy`.execute(trx);
              await sql`drop table parent_copy`.execute(trx);
              const broken = await sql`pragma foreign_key_check`.execute(trx);
              if (broken.rows.length > 0) throw new Error('foreign keys broken');
            },
          },
        }),
      },
    });
    const result = await migrator.migrateToLatest();
    assert.is(result.error, undefined);
    const rows = await sql<{ name: string }>`select name from parent`.execute(db);
    assert.equal(rows.rows, [{ name: 'p' }]);
    const fk = await sql`pragma foreign_keys`.execute(db);
    assert.equal(fk.rows, [{ foreign_keys: 1 }], 'foreign keys were enforced throughout');
    const refused = await sql`insert into child values (2, 99)`.execute(db).then(() => 'inserted', (e) => e.code);
    assert.is(refused, 'SQLITE_CONSTRAINT_FOREIGNKEY', "the child's reference still points at parent");
    await db.destroy();
  });
});
