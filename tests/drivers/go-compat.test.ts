// Issue 16, the cases decided when a database opens, on every driver: a read-only reader of a
// WAL file (ncruces/go-sqlite3's `_pragma=journal_mode(wal)&mode=ro`), the pragmas modernc's tests
// set (application_id, user_version, analysis_limit, encoding), each read back, and SQLite's own
// `_pragma` value syntax reaching SQLite as the typed value. The DSN-only cases are in
// tests/dsn/go-compat.test.ts.
import * as assert from 'uvu/assert';
import { openBackend } from '../../drivers/index.js';
import type { Backend, DriverName } from '../../drivers/types.js';
import { parseDsn } from '../../dsn/index.js';
import { matrix } from '../helpers/matrix.js';
import { tmpDbPath } from '../helpers/tmp.js';
import { throwsCode } from './_util.js';

const open = (driver: DriverName, dsn: string): Backend => openBackend(parseDsn(dsn), { driver });

/** A file in WAL mode with one row, made by the native driver (wasm cannot switch to WAL). */
function walFile(): string {
  const file = tmpDbPath();
  const db = open('native', `file:${file}?_journal_mode=wal`);
  db.execute('create table t (x)', []);
  db.execute("insert into t values ('row')", []);
  db.close();
  return file;
}

/** A file in rollback-journal mode with one row. */
function journalFile(driver: DriverName): string {
  const file = tmpDbPath();
  const db = open(driver, file);
  db.execute('create table t (x)', []);
  db.close();
  return file;
}

matrix('go-driver DSNs at open', (test, driver) => {
  test('mode=ro with _pragma=journal_mode(wal) on a WAL file: a reader (wasm: WASM_WAL_FILE)', () => {
    const file = walFile();
    const dsn = `file:${file}?_pragma=journal_mode(wal)&mode=ro`;
    if (driver === 'wasm') {
      // Documented difference: the wasm VFS has no shared memory, so it opens no WAL file.
      throwsCode(() => open(driver, dsn), 'WASM_WAL_FILE', /WAL mode/);
      return;
    }
    const db = open(driver, dsn);
    try {
      assert.is(db.settings.journal_mode, 'wal');
      assert.equal(db.execute('select x from t', []).rows, [{ x: 'row' }]);
      throwsCode(() => db.execute("insert into t values ('no')", []), 'SQLITE_READONLY');
    } finally {
      db.close();
    }
  });

  test('mode=ro with WAL on a file that is not in WAL mode: DSN_CONFLICT naming the file', () => {
    const file = journalFile(driver);
    const e = throwsCode(() => open(driver, `file:${file}?_pragma=journal_mode(wal)&mode=ro`), 'DSN_CONFLICT', /needs to write .* not in WAL mode .*"mode=ro" opens it read-only.*Fix: switch the file to WAL once/);
    assert.ok(e.message.includes(file), e.message);
  });

  test('application_id, user_version and analysis_limit are applied and read back', () => {
    const file = tmpDbPath();
    const db = open(driver, `${file}?_pragma=application_id(1095979081)&_pragma=user_version = -3&_pragma=analysis_limit( 400 )`);
    try {
      assert.is(db.settings.application_id, 1095979081);
      assert.is(db.settings.user_version, -3);
      assert.is(db.settings.analysis_limit, 400);
    } finally {
      db.close();
    }
    const again = open(driver, `${file}?mode=ro`); // persistent: in the header for every later reader
    try {
      assert.equal(again.execute('pragma application_id', []).rows, [{ application_id: 1095979081 }]);
      assert.equal(again.execute('pragma user_version', []).rows, [{ user_version: -3 }]);
    } finally {
      again.close();
    }
  });

  test("SQLite's pragma value syntax reaches SQLite as the typed value", () => {
    const db = open(driver, `${tmpDbPath()}?_pragma=busy_timeout = 3000&_pragma=cache_size('-4000')&_pragma=synchronous("NORMAL")`);
    try {
      assert.is(db.settings.busy_timeout, 3000);
      assert.is(db.settings.cache_size, -4000);
      assert.is(db.settings.synchronous, 'normal');
    } finally {
      db.close();
    }
  });

  test('encoding applies to a new database (wasm: UTF-8 only) and is refused on an existing one', () => {
    const utf8 = open(driver, `${tmpDbPath()}?_pragma=encoding('UTF-8')`);
    assert.is(utf8.settings.encoding, 'utf-8');
    utf8.close();
    const file = tmpDbPath();
    if (driver === 'wasm') {
      // Documented difference: the wasm build stores text as UTF-8 only.
      throwsCode(() => open(driver, `${file}?_pragma=encoding(utf16le)`), 'SETTING_NOT_APPLIED', /encoding: wanted "utf-16le", SQLite reports "utf-8".*UTF-8 only/);
    } else {
      const db = open(driver, `${file}?_pragma=encoding(utf16le)`);
      assert.is(db.settings.encoding, 'utf-16le');
      db.execute('create table t (x)', []);
      db.execute("insert into t values ('é')", []);
      assert.equal(db.execute('select x from t', []).rows, [{ x: 'é' }]);
      db.close();
    }
    const existing = journalFile(driver); // UTF-8, with content
    throwsCode(() => open(driver, `${existing}?_pragma=encoding('UTF-16be')`), 'SETTING_NOT_APPLIED', /wanted "utf-16be", SQLite reports "utf-8".*only applies to a new, empty database/);
  });
});
