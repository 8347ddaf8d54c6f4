// Opening: real paths (FACTS: wasm does not resolve symlinks), access modes, memory/temp, the
// lock protocol, native URI options without literal "file:" files (FACTS), options wasm cannot
// honor, and SQLITE_BUSY between connections, including native dot-file vs wasm (FACTS).
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DualSqliteError } from '../../dsn/base-error.js';
import { lockProtocol, SqliteError } from '../../drivers/index.js';
import type { DriverName } from '../../drivers/types.js';
import { makeConfig } from '../helpers/config.js';
import { matrix, dotfileLocking, onUnixVfs, otherProtocolDriver } from '../helpers/matrix.js';
import { tmpDbPath, tmpDir } from '../helpers/tmp.js';
import { open, throwsCode } from './_util.js';

const other = otherProtocolDriver;

matrix('drivers: opening', (test, driver) => {
  test('a symlinked file opens under its real path, so journal and lock sit beside the real file', () => {
    const dir = tmpDir();
    const real = join(dir, 'real.db');
    open(driver, real).close();
    const link = join(dir, 'link.db');
    symlinkSync(real, link);
    const b = open(driver, link);
    assert.is(b.filename, real);
    b.execute('create table t (x)', []);
    b.execute('begin immediate', []);
    b.execute('insert into t values (1)', []);
    assert.ok(existsSync(`${real}-journal`), 'journal beside the real file');
    assert.not.ok(existsSync(`${link}-journal`));
    b.execute('commit', []);
    b.close();
  });

  test('a not-yet-existing file in a symlinked directory resolves the directory', () => {
    const realDir = tmpDir();
    const linkDir = join(tmpDir(), 'linkdir');
    symlinkSync(realDir, linkDir);
    const b = open(driver, join(linkDir, 'new.db'));
    assert.is(b.filename, join(realDir, 'new.db'));
    b.execute('create table t (x)', []);
    b.close();
    assert.ok(existsSync(join(realDir, 'new.db')));
  });

  test('a dangling symlink creates the file at its target', () => {
    const dir = tmpDir();
    const link = join(dir, 'dangling.db');
    symlinkSync(join(dir, 'target.db'), link);
    const b = open(driver, link);
    assert.is(b.filename, join(dir, 'target.db'));
    b.execute('create table t (x)', []);
    b.close();
    assert.ok(existsSync(join(dir, 'target.db')));
  });

  test('mode=ro opens read-only; mode=ro and mode=rw need the file and name it when missing', () => {
    const file = tmpDbPath();
    for (const mode of ['ro', 'rw'] as const) {
      const err = throwsCode(() => open(driver, file, { mode }), 'DATABASE_NOT_FOUND', new RegExp(`"${file}".*mode=${mode}`));
      assert.instance(err, DualSqliteError);
    }
    assert.not.ok(existsSync(file), 'nothing created');
    const w = open(driver, file);
    w.execute('create table t (x)', []);
    w.close();
    const rw = open(driver, file, { mode: 'rw' });
    rw.execute('insert into t values (1)', []);
    rw.close();
    const ro = open(driver, file, { mode: 'ro' });
    assert.equal(ro.execute('select x from t', []).rows, [{ x: 1 }]);
    throwsCode(() => ro.execute('insert into t values (2)', []), 'SQLITE_READONLY');
    ro.close();
  });

  test('a missing directory is DIRECTORY_NOT_FOUND naming it', () => {
    const dir = join(tmpDir(), 'missing');
    throwsCode(() => open(driver, join(dir, 'x.db')), 'DIRECTORY_NOT_FOUND', /missing/);
  });

  test('a directory in place of the file is NOT_A_FILE naming the path', () => {
    const dir = join(tmpDir(), 'dir.db');
    mkdirSync(dir);
    throwsCode(() => open(driver, dir), 'NOT_A_FILE', /dir\.db.*is a directory/);
  });

  test('a file that is not a database is SQLITE_NOTADB', () => {
    const file = tmpDbPath();
    writeFileSync(file, 'this is not a database file, just some text that is long enough to have a header');
    throwsCode(() => open(driver, file), 'SQLITE_NOTADB', /not a database/);
  });

  for (const location of [{ kind: 'memory' }, { kind: 'shared-memory', name: 'shared' }, { kind: 'temp' }] as const) {
    test(`${location.kind}: opens, works, no file, lock protocol none`, () => {
      const b = open(driver, location);
      assert.is(b.filename, null);
      assert.is(b.lockProtocol, 'none');
      b.execute('create table t (x)', []);
      b.execute('insert into t values (1)', []);
      assert.equal(b.execute('select x from t', []).rows, [{ x: 1 }]);
      assert.is(b.execute('pragma database_list', []).rows[0]!.file, '');
      b.close();
      const again = open(driver, location);
      throwsCode(() => again.execute('select * from t', []), 'SQLITE_ERROR', /no such table/);
      again.close();
    });
  }

  test('temp spills to disk and still works (a temporary file database, not memory)', () => {
    const b = open(driver, { kind: 'temp' }, { pragmas: { cache_size: 2 } });
    b.execute('create table t (x)', []);
    b.execute('insert into t select randomblob(2000) from (with recursive c(n) as (select 1 union all select n + 1 from c where n < 500) select n from c)', []);
    assert.equal(b.execute('select count(*) as n from t', []).rows, [{ n: 500 }]);
    b.close();
  });

  test('lock protocol: wasm is dotfile, native and node posix unless vfs=unix-dotfile', () => {
    const b = open(driver, tmpDbPath());
    assert.is(b.lockProtocol, driver === 'wasm' ? 'dotfile' : 'posix');
    b.close();
    const d = open(driver, tmpDbPath(), { vfs: 'unix-dotfile' });
    assert.is(d.lockProtocol, 'dotfile');
    d.close();
  });

  test('SQLITE_BUSY surfaces with its code and the connection is usable for a retry', () => {
    const file = tmpDbPath();
    const a = open(driver, file, {}, { sqliteBusyTimeout: 0 });
    a.execute('create table t (x)', []);
    // opened after the CREATE: a connection whose cached schema lacks `t` gets "no such table"
    // (SQLITE_ERROR) while the writer holds the lock, since it cannot re-read the schema
    const b = open(driver, file, {}, { sqliteBusyTimeout: 0 });
    a.execute('begin exclusive', []);
    a.execute('insert into t values (1)', []);
    const err = throwsCode(() => b.execute('insert into t values (2)', []), 'SQLITE_BUSY', /locked/);
    assert.instance(err, SqliteError);
    throwsCode(() => b.execute('begin immediate', []), 'SQLITE_BUSY');
    assert.is(b.inTransaction, false);
    a.execute('commit', []);
    assert.is(b.execute('insert into t values (2)', []).changes, 1);
    assert.equal(b.execute('select count(*) as n from t', []).rows, [{ n: 2 }]);
    a.close();
    b.close();
  });

  // native and node (POSIX locks): a reader's shared lock makes the writer's COMMIT busy, and the
  // COMMIT can be retried; wasm (one dot-file lock): the reader cannot even start while the writer holds it
  test('COMMIT that meets a reader: retryable on native and node; on wasm the reader is the one refused', () => {
    const file = tmpDbPath();
    const w = open(driver, file, {}, { sqliteBusyTimeout: 0 });
    w.execute('create table t (x)', []);
    const r = open(driver, file, {}, { sqliteBusyTimeout: 0 });
    if (onUnixVfs(driver)) {
      w.execute('begin immediate', []);
      w.execute('insert into t values (1)', []);
      r.execute('begin', []);
      assert.equal(r.execute('select count(*) as n from t', []).rows, [{ n: 0 }]);
      throwsCode(() => w.execute('commit', []), 'SQLITE_BUSY');
      assert.is(w.inTransaction, true, 'the transaction survives a busy COMMIT');
      r.execute('commit', []);
      w.execute('commit', []);
      assert.is(w.inTransaction, false);
    } else {
      w.execute('begin immediate', []);
      w.execute('insert into t values (1)', []);
      throwsCode(() => r.execute('select count(*) as n from t', []), 'SQLITE_BUSY');
      w.execute('commit', []);
    }
    assert.equal(r.execute('select count(*) as n from t', []).rows, [{ n: 1 }]);
    w.close();
    r.close();
  });

  test(`a native/node vfs=unix-dotfile connection and a wasm connection lock each other (here: ${driver} writes)`, () => {
    const file = tmpDbPath();
    const cfg = dotfileLocking;
    const me = open(driver, file, cfg(driver), { sqliteBusyTimeout: 0 });
    me.execute('create table t (x)', []);
    const them = open(other(driver), file, cfg(other(driver)), { sqliteBusyTimeout: 0 });
    me.execute('begin immediate', []);
    me.execute('insert into t values (1)', []);
    assert.ok(existsSync(`${file}.lock`));
    throwsCode(() => them.execute('select count(*) from t', []), 'SQLITE_BUSY');
    throwsCode(() => them.execute('insert into t values (2)', []), 'SQLITE_BUSY');
    me.execute('commit', []);
    assert.is(them.execute('insert into t values (2)', []).changes, 1);
    assert.equal(me.execute('select count(*) as n from t', []).rows, [{ n: 2 }]);
    me.close();
    them.close();
    assert.not.ok(existsSync(`${file}.lock`));
  });

  test('a leftover <db>.lock directory (a crashed dot-file locker) surfaces as SQLITE_BUSY', () => {
    const file = tmpDbPath();
    const cfg = dotfileLocking(driver);
    const a = open(driver, file, cfg);
    a.execute('create table t (x)', []);
    a.close();
    mkdirSync(`${file}.lock`);
    throwsCode(() => open(driver, file, cfg, { sqliteBusyTimeout: 0 }), 'SQLITE_BUSY', /locked/);
  });

  // documented difference (FACTS): native's default POSIX locks and wasm's dot-file locks do not
  // see each other; lockProtocol tells core so it can refuse to mix them
  test(`native/node posix and wasm dotfile do not see each other's locks (here: ${driver} holds one)`, () => {
    const file = tmpDbPath();
    const me = open(driver, file, {}, { sqliteBusyTimeout: 0 });
    me.execute('create table t (x)', []);
    const them = open(other(driver), file, {}, { sqliteBusyTimeout: 0 });
    assert.is.not(me.lockProtocol, them.lockProtocol);
    me.execute('begin exclusive', []);
    assert.equal(them.execute('select count(*) as n from t', []).rows, [{ n: 0 }], 'no BUSY: the lock is invisible');
    me.execute('rollback', []);
    me.close();
    them.close();
  });

  if (driver === 'wasm') {
    for (const [option, o] of [
      ['vfs', { vfs: 'unix' }],
      ['vfs', { vfs: 'unix-excl' }],
      ['immutable', { immutable: true }],
      ['nolock', { nolock: true }],
      ['psow', { psow: false }],
      ['modeof', { modeof: '/tmp' }],
    ] as const) {
      test(`wasm cannot honor ${JSON.stringify(o)}: DRIVER_UNSUPPORTED_OPTION`, () => {
        throwsCode(() => open(driver, tmpDbPath(), o), 'DRIVER_UNSUPPORTED_OPTION', new RegExp(`${option}=.*wasm`));
      });
    }
  }

  if (onUnixVfs(driver)) {
    test(`${driver} URI options on a path with ? # % and spaces open the right file and create no "file:" file`, () => {
      const dir = join(tmpDir(), 'we?ird #%41 dir');
      mkdirSync(dir);
      const cwdBefore = readdirSync(process.cwd());
      const b = open(driver, join(dir, 'a.db'), { vfs: 'unix-dotfile' });
      b.execute('create table t (x)', []);
      b.execute('begin immediate', []);
      assert.ok(existsSync(join(dir, 'a.db.lock')), 'the dot-file VFS really is in use');
      b.execute('commit', []);
      b.close();
      assert.equal(readdirSync(dir), ['a.db']);
      assert.equal(readdirSync(process.cwd()), cwdBefore);
    });

    test(`${driver} mode=ro and mode=rw on a path with ? # %: read-only refuses writes, rw never creates`, () => {
      const dir = join(tmpDir(), 'we?ird #%41 dir');
      mkdirSync(dir);
      const file = join(dir, 'a.db');
      const w = open(driver, file);
      w.execute('create table t (x)', []);
      w.close();
      const ro = open(driver, file, { mode: 'ro' });
      throwsCode(() => ro.execute('insert into t values (1)', []), 'SQLITE_READONLY');
      ro.close();
      throwsCode(() => open(driver, join(dir, 'missing.db'), { mode: 'rw' }), 'DATABASE_NOT_FOUND');
      assert.equal(readdirSync(dir), ['a.db']);
    });

    test(`${driver} nolock=1 and immutable=1 open with lock protocol none`, () => {
      const file = tmpDbPath();
      const w = open(driver, file);
      w.execute('create table t (x)', []);
      w.execute('insert into t values (7)', []);
      w.close();
      for (const o of [{ nolock: true }, { immutable: true }]) {
        const b = open(driver, file, o);
        assert.is(b.lockProtocol, 'none');
        assert.equal(b.execute('select x from t', []).rows, [{ x: 7 }]);
        b.close();
      }
    });

    test(`${driver} unknown vfs is a SqliteError naming it`, () => {
      throwsCode(() => open(driver, tmpDbPath(), { vfs: 'nope' }), 'SQLITE_ERROR', /no such vfs: nope/);
    });
  }
});

matrix('drivers: lockProtocol table', (test, driver) => {
  const cases: Array<[string, Parameters<typeof makeConfig>[2] & object, 'file' | 'memory', string]> = [
    ['plain file', {}, 'file', driver === 'wasm' ? 'dotfile' : 'posix'],
    ['vfs=unix-dotfile', { vfs: 'unix-dotfile' }, 'file', 'dotfile'],
    ['nolock', { nolock: true }, 'file', 'none'],
    ['immutable', { immutable: true }, 'file', 'none'],
    ['memory', {}, 'memory', 'none'],
  ];
  for (const [name, o, kind, want] of cases) {
    test(`${name} -> ${want}`, () => {
      const cfg = makeConfig(driver, kind === 'file' ? '/x/y.db' : { kind: 'memory' }, o);
      assert.is(lockProtocol(cfg, driver), want);
    });
  }
});
