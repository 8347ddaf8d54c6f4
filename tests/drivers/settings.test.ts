// Settings are applied in a fixed order and read back on both drivers (FACTS: the builds'
// defaults differ; wasm has no shared memory for WAL; a WAL file fails to open on wasm).
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { PRAGMA_ORDER, SettingNotAppliedError } from '../../drivers/index.js';
import type { Backend } from '../../drivers/types.js';
import { matrix, onUnixVfs } from '../helpers/matrix.js';
import { tmpDbPath } from '../helpers/tmp.js';
import { dsnConfig } from '../helpers/config.js';
import { openBackend } from '../../drivers/index.js';
import { open, throwsCode } from './_util.js';

const pragma = (b: Backend, name: string): unknown => Object.values(b.execute(`pragma ${name}`, []).rows[0] ?? {})[0];

/** What a default DSN must give on BOTH drivers, read straight from SQLite. */
const DEFAULT_READS: Record<string, unknown> = {
  synchronous: 2,
  foreign_keys: 1,
  temp_store: 2,
  cache_size: -16000,
  busy_timeout: 5000,
  journal_mode: 'delete',
  locking_mode: 'normal',
};

matrix('drivers: settings', (test, driver) => {
  test('defaults: PRAGMA reads are the same on both drivers', () => {
    const b = openBackend(dsnConfig(driver, tmpDbPath()));
    for (const [name, want] of Object.entries(DEFAULT_READS)) assert.is(pragma(b, name), want, name);
    assert.equal(b.settings, { busy_timeout: 5000, synchronous: 'full', foreign_keys: 1, temp_store: 'memory', cache_size: -16000 });
    b.close();
  });

  test('settings come from the DSN and are read back', () => {
    const file = tmpDbPath();
    const b = openBackend(dsnConfig(driver, `${file}?_synchronous=normal&_foreign_keys=0&_pragma=temp_store(file)&_cache_size=200&_busy_timeout=1234`));
    assert.is(pragma(b, 'synchronous'), 1);
    assert.is(pragma(b, 'foreign_keys'), 0);
    assert.is(pragma(b, 'temp_store'), 1);
    assert.is(pragma(b, 'cache_size'), 200);
    assert.is(pragma(b, 'busy_timeout'), 1234);
    assert.is(b.settings.synchronous, 'normal');
    assert.is(b.settings.temp_store, 'file');
    b.close();
  });

  test('sqliteBusyTimeout sets SQLite\'s own busy timeout (core passes 0 or a few ms)', () => {
    for (const ms of [0, 3]) {
      const b = open(driver, { kind: 'memory' }, { busyTimeout: 5000 }, { sqliteBusyTimeout: ms });
      assert.is(pragma(b, 'busy_timeout'), ms);
      assert.is(b.settings.busy_timeout, ms);
      b.close();
    }
  });

  test('every optional pragma is applied and read back alike', () => {
    const b = open(driver, tmpDbPath(), {
      pragmas: {
        page_size: 8192, auto_vacuum: 'incremental', query_only: false, recursive_triggers: true,
        defer_foreign_keys: true, ignore_check_constraints: true, case_sensitive_like: true, secure_delete: 'fast',
        mmap_size: 0, journal_size_limit: 1000, wal_autocheckpoint: 500, automatic_index: false, cell_size_check: true,
        trusted_schema: false, synchronous: 'extra', temp_store: 'default', cache_size: 100,
      },
    });
    assert.equal(b.settings, {
      busy_timeout: 5000, page_size: 8192, auto_vacuum: 'incremental', synchronous: 'extra', foreign_keys: 1,
      temp_store: 'default', cache_size: 100, automatic_index: 0, case_sensitive_like: 1, cell_size_check: 1,
      defer_foreign_keys: 1, ignore_check_constraints: 1, journal_size_limit: 1000, mmap_size: 0, query_only: 0,
      recursive_triggers: 1, secure_delete: 'fast', trusted_schema: 0, wal_autocheckpoint: 500,
    });
    assert.is(pragma(b, 'page_size'), 8192);
    assert.is(pragma(b, 'secure_delete'), 2);
    b.close();
  });

  test('case_sensitive_like is verified by behaviour', () => {
    for (const on of [true, false]) {
      const b = open(driver, { kind: 'memory' }, { pragmas: { case_sensitive_like: on } });
      assert.is(b.execute("select 'a' like 'A' as v", []).rows[0]!.v, on ? 0 : 1);
      assert.is(b.settings.case_sensitive_like, on ? 1 : 0);
      b.close();
    }
  });

  test('a setting SQLite does not take is SettingNotAppliedError naming setting, values, driver and fix', () => {
    const file = tmpDbPath();
    const a = open(driver, file, { pragmas: { page_size: 8192 } });
    a.execute('create table t (x)', []);
    a.close();
    const err = throwsCode(() => open(driver, file, { pragmas: { page_size: 4096 } }), 'SETTING_NOT_APPLIED', /page_size.*4096.*8192/);
    assert.instance(err, SettingNotAppliedError);
    const e = err as unknown as SettingNotAppliedError;
    assert.is(e.setting, 'PRAGMA page_size');
    assert.is(e.wanted, 4096);
    assert.is(e.actual, 8192);
    assert.is(e.driver, driver);
    assert.match(e.fix, /VACUUM/);
  });

  test('journal_mode=wal on a memory database is refused', () => {
    throwsCode(() => open(driver, { kind: 'memory' }, { pragmas: { journal_mode: 'wal' } }), 'SETTING_NOT_APPLIED', /journal_mode.*"wal".*"memory"/);
  });

  test('WAL with _locking_mode=exclusive works on both (locking mode is applied first)', () => {
    const file = tmpDbPath();
    const b = open(driver, file, { pragmas: { journal_mode: 'wal', locking_mode: 'exclusive' } });
    assert.is(b.settings.journal_mode, 'wal');
    assert.is(b.settings.locking_mode, 'exclusive');
    b.execute('create table t (x)', []);
    b.execute('insert into t values (1)', []);
    b.close();
    const header = readFileSync(file).subarray(18, 20);
    assert.equal([...header], [2, 2]);
    const again = open(driver, file, { pragmas: { journal_mode: 'wal', locking_mode: 'exclusive' } });
    assert.equal(again.execute('select x from t', []).rows, [{ x: 1 }]);
    again.close();
  });

  // documented difference: WAL in normal locking mode needs shared memory, which wasm lacks
  test('WAL without exclusive locking: native and node take it, wasm refuses with the fix', () => {
    const file = tmpDbPath();
    if (onUnixVfs(driver)) {
      const b = open(driver, file, { pragmas: { journal_mode: 'wal' } });
      assert.is(b.settings.journal_mode, 'wal');
      b.close();
    } else {
      throwsCode(() => open(driver, file, { pragmas: { journal_mode: 'wal' } }), 'DRIVER_UNSUPPORTED_OPTION', /_journal_mode.*_locking_mode=exclusive/);
      assert.not.ok(existsSync(file), 'the refused open left no file behind');
    }
  });

  // documented difference: a file already in WAL opens on native and node; wasm names cause and fix up front
  test('a file already in WAL mode: native and node open it, wasm says why and how to convert', () => {
    const file = tmpDbPath();
    const n = open('native', file, { pragmas: { journal_mode: 'wal' } });
    n.execute('create table t (x)', []);
    n.close();
    if (onUnixVfs(driver)) {
      const b = open(driver, file);
      assert.is(pragma(b, 'journal_mode'), 'wal');
      b.close();
    } else {
      throwsCode(() => open(driver, file), 'WASM_WAL_FILE', /WAL mode.*convert it with the native driver.*journal_mode=delete/);
      throwsCode(() => open(driver, file, { mode: 'ro' }), 'WASM_WAL_FILE');
    }
  });

  // SQLite's unix-dotfile VFS has no shared memory: a WAL file used to fail with a bare
  // SQLITE_CANTOPEN at the first setting; it is refused up front naming WAL, the VFS and the fix.
  if (onUnixVfs(driver)) {
    test('a file already in WAL mode with vfs=unix-dotfile: DOTFILE_WAL_FILE names the cause; exclusive opens it', () => {
      const file = tmpDbPath();
      const n = open('native', file, { pragmas: { journal_mode: 'wal' } });
      n.execute('create table t (x)', []);
      n.close();
      throwsCode(() => open(driver, file, { vfs: 'unix-dotfile' }), 'DOTFILE_WAL_FILE', /WAL mode.*vfs=unix-dotfile.*no shared memory.*journal_mode=delete.*_locking_mode=exclusive/);
      const b = open(driver, file, { vfs: 'unix-dotfile', pragmas: { locking_mode: 'exclusive' } });
      assert.is(pragma(b, 'journal_mode'), 'wal');
      b.close();
    });
  }

  // Asking for WAL where there is no shared memory (wasm, or vfs=unix-dotfile on native/node) is
  // refused before the driver opens, so a refused open leaves no empty file behind.
  test('_journal_mode=wal without shared memory is refused before opening and creates no file', () => {
    const file = tmpDbPath();
    const vfs = onUnixVfs(driver) ? { vfs: 'unix-dotfile' as const } : {};
    throwsCode(() => open(driver, file, { ...vfs, pragmas: { journal_mode: 'wal' } }), 'DRIVER_UNSUPPORTED_OPTION', /_journal_mode="?wal"? cannot be honored .*_locking_mode=exclusive/);
    assert.not.ok(existsSync(file), 'a refused open must leave nothing behind');
  });

  // documented difference: the wasm build has no memory-mapped I/O
  test('mmap_size: native and node take it, wasm reports it not applied', () => {
    const file = tmpDbPath();
    if (onUnixVfs(driver)) {
      const b = open(driver, file, { pragmas: { mmap_size: 1 << 20 } });
      assert.is(b.settings.mmap_size, 1 << 20);
      b.close();
    } else {
      throwsCode(() => open(driver, file, { pragmas: { mmap_size: 1 << 20 } }), 'SETTING_NOT_APPLIED', /mmap_size.*memory-mapped/);
    }
  });

  test('a failed open leaves no lock and no open handle behind', () => {
    const file = tmpDbPath();
    const a = open(driver, file, { pragmas: { page_size: 8192 } });
    a.execute('create table t (x)', []);
    a.close();
    throwsCode(() => open(driver, file, { pragmas: { page_size: 1024 } }), 'SETTING_NOT_APPLIED');
    const b = open(driver, file, {}, { sqliteBusyTimeout: 0 });
    b.execute('begin exclusive', []);
    b.execute('commit', []);
    b.close();
  });

  test('the documented order puts locking_mode, page_size and auto_vacuum before journal_mode', () => {
    const at = (n: string): number => PRAGMA_ORDER.indexOf(n as never);
    assert.ok(at('locking_mode') < at('journal_mode'));
    assert.ok(at('page_size') < at('journal_mode'));
    assert.ok(at('auto_vacuum') < at('journal_mode'));
    assert.ok(at('journal_mode') < at('synchronous'));
  });
});
