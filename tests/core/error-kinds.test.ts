// Issue 18: SQLite failures carry the portable `kind` next to SQLite's own code, on every driver,
// from the same table tests/postgres/engine.test.ts runs on PostgreSQL.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sql } from 'kysely';
import { createKysely, errorKind, openBackend, parseDsn, SqliteError } from '../../index.js';
import { sqliteErrorKind } from '../../drivers/error-codes.js';
import { CONSTRAINT_CASES, createKindSchema, failure, type KindDb } from '../helpers/error-kinds.js';
import { matrix, onUnixVfs } from '../helpers/matrix.js';
import { tmpDbPath } from '../helpers/tmp.js';

const SQLITE_CODES: Record<string, RegExp> = {
  unique: /^SQLITE_CONSTRAINT_(UNIQUE|PRIMARYKEY)$/,
  foreign_key: /^SQLITE_CONSTRAINT_FOREIGNKEY$/,
  not_null: /^SQLITE_CONSTRAINT_NOTNULL$/,
  check: /^SQLITE_CONSTRAINT_CHECK$/,
};

matrix('portable error kinds on SQLite', (test, driver) => {
  test('constraint failures: kind next to the SQLite code', async () => {
    const db = createKysely<KindDb>(tmpDbPath(), { driver });
    try {
      await createKindSchema(db);
      for (const [kind, what, run] of CONSTRAINT_CASES) {
        const e = await failure(run(db));
        assert.instance(e, SqliteError, `${what}: ${String(e)}`);
        assert.is(e.kind, kind, `${what}: ${e.code}`);
        assert.is(errorKind(e), kind);
        assert.match(String(e.code), SQLITE_CODES[kind]!, what);
      }
    } finally {
      await db.destroy();
    }
  });

  test('busy: a write lock held by another connection past _busy_timeout', async () => {
    const file = tmpDbPath();
    const db = createKysely<KindDb>(`${file}?_busy_timeout=50`, { driver });
    const other = openBackend(parseDsn(file), { driver, sqliteBusyTimeout: 0 });
    try {
      await createKindSchema(db);
      other.execute('begin immediate', []);
      const e = await failure(db.insertInto('parent').values({ id: 2 }).execute());
      assert.match(String(e.code), /^SQLITE_BUSY/);
      assert.is(e.kind, 'busy');
    } finally {
      other.close();
      await db.destroy();
    }
  });

  test('serialization: a WAL read snapshot that went stale before the transaction wrote (SQLITE_BUSY_SNAPSHOT)', async () => {
    const file = tmpDbPath();
    const dsn = `${file}?_journal_mode=wal&_txlock=deferred&_busy_timeout=50`;
    if (!onUnixVfs(driver)) {
      // The documented driver difference: wasm has no WAL (no shared memory), so no stale snapshot.
      const refused = createKysely(dsn, { driver });
      const e = await failure(sql`select 1`.execute(refused));
      await refused.destroy();
      assert.is(e.code, 'DRIVER_UNSUPPORTED_OPTION', String(e));
      return;
    }
    const db = createKysely<KindDb>(dsn, { driver });
    try {
      await createKindSchema(db);
      const other = openBackend(parseDsn(file), { driver, sqliteBusyTimeout: 0 });
      try {
        const e = await failure(
          db.transaction().execute(async (trx) => {
            await trx.selectFrom('parent').selectAll().execute(); // the read snapshot starts here
            other.execute('insert into parent (id) values (2)', []); // another connection commits
            await trx.insertInto('parent').values({ id: 3 }).execute(); // cannot upgrade a stale snapshot
          }),
        );
        assert.is(e.code, 'SQLITE_BUSY_SNAPSHOT', String(e));
        assert.is(e.kind, 'serialization');
      } finally {
        other.close();
      }
    } finally {
      await db.destroy();
    }
  });
});

// Codes the matrix above cannot provoke on every driver (SQLITE_LOCKED needs shared cache, which
// no build has; the busy extended codes depend on timing): the mapping itself.
const units = suite('sqliteErrorKind');
units('every SQLite code with a portable kind, and none for the rest', () => {
  const table: Array<[string, string | undefined]> = [
    ['SQLITE_CONSTRAINT_UNIQUE', 'unique'],
    ['SQLITE_CONSTRAINT_PRIMARYKEY', 'unique'],
    ['SQLITE_CONSTRAINT_ROWID', 'unique'],
    ['SQLITE_CONSTRAINT_FOREIGNKEY', 'foreign_key'],
    ['SQLITE_CONSTRAINT_NOTNULL', 'not_null'],
    ['SQLITE_CONSTRAINT_CHECK', 'check'],
    ['SQLITE_BUSY', 'busy'],
    ['SQLITE_BUSY_TIMEOUT', 'busy'],
    ['SQLITE_BUSY_RECOVERY', 'busy'],
    ['SQLITE_LOCKED', 'busy'],
    ['SQLITE_LOCKED_SHAREDCACHE', 'busy'],
    ['SQLITE_BUSY_SNAPSHOT', 'serialization'],
    ['SQLITE_CONSTRAINT_TRIGGER', undefined],
    ['SQLITE_CONSTRAINT_DATATYPE', undefined],
    ['SQLITE_ERROR', undefined],
    ['SQLITE_READONLY', undefined],
  ];
  for (const [code, kind] of table) assert.is(sqliteErrorKind(code), kind, code);
});
units.run();
