// Statements behave the same on both drivers: one statement per call, reader detection,
// changes/lastInsertRowid (FACTS: wasm reports stale changes for non-DML), SQLite error codes
// (FACTS: wasm errors carry no code), and iteration that releases its lock when stopped early.
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { SqliteError, StatementError } from '../../drivers/index.js';
import type { Backend } from '../../drivers/types.js';
import { matrix, dotfileLocking } from '../helpers/matrix.js';
import { tmpDbPath } from '../helpers/tmp.js';
import { memory, open, throwsCode } from './_util.js';

matrix('drivers: statements', (test, driver) => {
  const withTable = (fn: (b: Backend) => void): void => {
    const b = memory(driver);
    b.execute('create table t (id integer primary key, v text)', []);
    try {
      fn(b);
    } finally {
      b.close();
    }
  };

  test('multi-statement SQL is MULTIPLE_STATEMENTS and runs nothing', () => {
    withTable((b) => {
      const err = throwsCode(() => b.execute("insert into t (v) values ('a'); insert into t (v) values ('b')", []), 'MULTIPLE_STATEMENTS', /2 statements/);
      assert.ok(err instanceof StatementError);
      assert.equal(b.execute('select count(*) as n from t', []).rows, [{ n: 0 }]);
      throwsCode(() => [...b.iterate('select 1; select 2', [])], 'MULTIPLE_STATEMENTS');
    });
  });

  test('trailing semicolons, whitespace and comments are fine', () => {
    withTable((b) => {
      assert.equal(b.execute('select 1 as x; -- done\n ; /* really */', []).rows, [{ x: 1 }]);
      assert.equal(b.execute("select ';' as x;", []).rows, [{ x: ';' }]);
    });
  });

  test('empty SQL is EMPTY_STATEMENT', () => {
    withTable((b) => {
      throwsCode(() => b.execute('  -- nothing\n', []), 'EMPTY_STATEMENT');
      throwsCode(() => b.execute(';', []), 'EMPTY_STATEMENT');
    });
  });

  test('CREATE TRIGGER with a multi-statement body is one statement', () => {
    withTable((b) => {
      b.execute('create table log (x)', []);
      b.execute("create trigger tr after insert on t begin insert into log values ('a'); insert into log values (new.v); end", []);
      b.execute("insert into t (v) values ('b')", []);
      assert.equal(b.execute('select x from log order by rowid', []).rows, [{ x: 'a' }, { x: 'b' }]);
    });
  });

  const readers: Array<[string, boolean]> = [
    ['select 1', true],
    ["insert into t (v) values ('r') returning id", true],
    ["update t set v = 'u' returning id", true],
    ['delete from t returning id', true],
    ['pragma user_version', true],
    ['pragma foreign_keys', true],
    ['pragma user_version = 3', false],
    ["insert into t (v) values ('w')", false],
    ['create table u (x)', false],
    ['begin', false],
  ];
  for (const [sql, reader] of readers) {
    test(`reader detection: ${sql} -> ${reader}`, () => {
      withTable((b) => {
        b.execute("insert into t (v) values ('seed')", []);
        assert.is(b.execute(sql, []).reader, reader);
      });
    });
  }

  test('changes is 0 for DDL, SELECT and PRAGMA right after a multi-row write', () => {
    withTable((b) => {
      assert.is(b.execute("insert into t (v) values ('a'), ('b'), ('c')", []).changes, 3);
      assert.is(b.execute('create table u (x)', []).changes, 0);
      b.execute("update t set v = 'z'", []);
      assert.is(b.execute('select * from t', []).changes, 0);
      b.execute("update t set v = 'y'", []);
      assert.is(b.execute('pragma user_version = 1', []).changes, 0);
      b.execute("update t set v = 'x'", []);
      assert.is(b.execute('drop table u', []).changes, 0);
      assert.is(b.execute("update t set v = 'q' where id = 99", []).changes, 0);
    });
  });

  test('RETURNING reports its changes and lastInsertRowid', () => {
    withTable((b) => {
      const r = b.execute("insert into t (v) values ('a'), ('b') returning id", []);
      assert.equal(r.rows, [{ id: 1 }, { id: 2 }]);
      assert.is(r.changes, 2);
      assert.is(r.lastInsertRowid, 2);
      const u = b.execute("update t set v = 'c' returning id", []);
      assert.is(u.changes, 2);
      assert.is(u.lastInsertRowid, 2);
    });
  });

  test('lastInsertRowid follows inserts, stays put otherwise, and goes bigint beyond 2^53', () => {
    withTable((b) => {
      assert.is(b.execute("insert into t (id, v) values (10, 'a')", []).lastInsertRowid, 10);
      assert.is(b.execute('select 1', []).lastInsertRowid, 10);
      assert.is(b.execute("update t set v = 'b'", []).lastInsertRowid, 10);
      const big = 2n ** 60n;
      assert.is(b.execute("insert into t (id, v) values (?, 'c')", [big]).lastInsertRowid, big);
    });
  });

  const failures: Array<[string, string, string[], RegExp]> = [
    ['unique', 'SQLITE_CONSTRAINT_UNIQUE', ["insert into c (u) values ('x')", "insert into c (u) values ('x')"], /UNIQUE constraint failed: c\.u/],
    ['integer primary key', 'SQLITE_CONSTRAINT_PRIMARYKEY', ['insert into c (id) values (1)', 'insert into c (id) values (1)'], /UNIQUE/],
    ['composite primary key', 'SQLITE_CONSTRAINT_PRIMARYKEY', ['insert into k values (1, 2)', 'insert into k values (1, 2)'], /k\.a, k\.b/],
    ['not null', 'SQLITE_CONSTRAINT_NOTNULL', ['insert into c (nn) values (null)'], /NOT NULL/],
    ['check', 'SQLITE_CONSTRAINT_CHECK', ['insert into c (pos) values (-1)'], /CHECK/],
    ['foreign key', 'SQLITE_CONSTRAINT_FOREIGNKEY', ['insert into child (pid) values (42)'], /FOREIGN KEY/],
    ['STRICT datatype', 'SQLITE_CONSTRAINT_DATATYPE', ["insert into s values ('abc')"], /cannot store/],
    ['trigger RAISE(ABORT)', 'SQLITE_CONSTRAINT_TRIGGER', ['insert into guarded values (1)'], /no rows here/],
    ['syntax', 'SQLITE_ERROR', ['selec 1'], /syntax error/],
    ['no such table', 'SQLITE_ERROR', ['select * from nope'], /no such table/],
    ['too big', 'SQLITE_TOOBIG', ['select zeroblob(2000000000)'], /too big/],
    ['runtime error while stepping', 'SQLITE_ERROR', ['select abs(-9223372036854775807 - 1)'], /integer overflow/],
  ];
  for (const [name, code, stmts, re] of failures) {
    test(`error code: ${name} -> ${code}`, () => {
      const b = memory(driver);
      for (const ddl of [
        "create table c (id integer primary key, u text unique, nn text not null default 'd', pos int check (pos is null or pos > 0))",
        'create table k (a, b, primary key (a, b))',
        'create table p (id integer primary key)',
        'create table child (pid references p (id))',
        'create table s (x integer) strict',
        'create table guarded (x)',
        "create trigger g before insert on guarded begin select raise(abort, 'no rows here'); end",
      ]) b.execute(ddl, []);
      for (const sql of stmts.slice(0, -1)) b.execute(sql, []);
      const err = throwsCode(() => b.execute(stmts.at(-1)!, []), code, re);
      assert.ok(err instanceof SqliteError);
      assert.is((err as SqliteError).driver, driver);
      assert.ok(err.cause, 'keeps the driver error as cause');
      // the connection stays usable after the failure
      assert.equal(b.execute('select 1 as ok', []).rows, [{ ok: 1 }]);
      b.close();
    });
  }

  test('error code: write on a read-only connection -> SQLITE_READONLY', () => {
    const file = tmpDbPath();
    const w = open(driver, file);
    w.execute('create table t (x)', []);
    w.close();
    const r = open(driver, file, { mode: 'ro' });
    throwsCode(() => r.execute('insert into t values (1)', []), 'SQLITE_READONLY', /readonly/);
    assert.equal(r.execute('select count(*) as n from t', []).rows, [{ n: 0 }]);
    r.close();
  });

  test('error code: write under _query_only=1 -> SQLITE_READONLY', () => {
    const b = open(driver, { kind: 'memory' }, { pragmas: { query_only: true } });
    throwsCode(() => b.execute('create table t (x)', []), 'SQLITE_READONLY', /readonly/);
    b.close();
  });

  test('iterate: break releases the statement and its lock', () => {
    const file = tmpDbPath();
    const a = open(driver, file, {}, { sqliteBusyTimeout: 0 });
    a.execute('create table t (x)', []);
    for (let i = 0; i < 10; i++) a.execute('insert into t values (?)', [i]);
    const b = open(driver, file, {}, { sqliteBusyTimeout: 0 });
    for (const row of a.iterate('select x from t', [])) {
      assert.is(row.x, 0);
      // mid-iteration the reader holds a shared (native) or dot-file (wasm) lock: a write must wait
      throwsCode(() => b.execute('insert into t values (99)', []), 'SQLITE_BUSY');
      break;
    }
    if (driver === 'wasm') assert.not.ok(existsSync(`${file}.lock`), 'no .lock after break');
    assert.is(b.execute('insert into t values (99)', []).changes, 1);
    a.close();
    b.close();
  });

  test('iterate: a throw inside the loop releases the lock too', () => {
    const file = tmpDbPath();
    const a = open(driver, file, {}, { sqliteBusyTimeout: 0 });
    a.execute('create table t (x)', []);
    a.execute('insert into t values (1), (2)', []);
    try {
      for (const _ of a.iterate('select x from t', [])) throw new Error('stop');
    } catch (e) {
      assert.is((e as Error).message, 'stop');
    }
    const b = open(driver, file, {}, { sqliteBusyTimeout: 0 });
    assert.is(b.execute('insert into t values (3)', []).changes, 1);
    if (driver === 'wasm') assert.not.ok(existsSync(`${file}.lock`));
    a.close();
    b.close();
  });

  test('iterate: other statements wait for the open iterator (CONNECTION_BUSY), then work', () => {
    withTable((b) => {
      b.execute("insert into t (v) values ('a'), ('b')", []);
      const it = b.iterate('select v from t', []);
      assert.equal(it.next().value, { v: 'a' });
      throwsCode(() => b.execute('select 1', []), 'CONNECTION_BUSY', /iterator/);
      throwsCode(() => b.iterate('select 1', []).next(), 'CONNECTION_BUSY');
      it.return!();
      assert.equal(b.execute('select count(*) as n from t', []).rows, [{ n: 2 }]);
      assert.equal([...b.iterate('select v from t', [])], [{ v: 'a' }, { v: 'b' }]);
    });
  });

  test('close() during an open iterator ends it, releases the lock, and a later next() is CONNECTION_CLOSED', () => {
    const file = tmpDbPath();
    const a = open(driver, file, dotfileLocking(driver));
    a.execute('create table t (x)', []);
    a.execute('insert into t values (1), (2), (3)', []);
    const it = a.iterate('select x from t', []);
    assert.equal(it.next().value, { x: 1 });
    assert.ok(existsSync(`${file}.lock`));
    a.close();
    assert.is(a.closed, true);
    assert.not.ok(existsSync(`${file}.lock`), 'lock released by close');
    throwsCode(() => it.next(), 'CONNECTION_CLOSED');
    assert.equal(it.next(), { done: true, value: undefined });
  });

  test('with the cache off, an iterator never started is cleaned up by close()', () => {
    const b = open(driver, { kind: 'memory' }, { stmtCacheSize: 0 });
    const it = b.iterate('select 1 as x', []);
    const used = b.iterate('select 2 as x', []);
    assert.equal([...used], [{ x: 2 }]);
    b.close();
    throwsCode(() => it.next(), 'CONNECTION_CLOSED');
  });

  test('iterate a non-reader runs it and yields nothing', () => {
    withTable((b) => {
      assert.equal([...b.iterate("insert into t (v) values ('i')", [])], []);
      assert.equal(b.execute('select v from t', []).rows, [{ v: 'i' }]);
    });
  });

  test('inTransaction follows BEGIN/COMMIT/ROLLBACK', () => {
    withTable((b) => {
      assert.is(b.inTransaction, false);
      b.execute('begin immediate', []);
      assert.is(b.inTransaction, true);
      b.execute('commit', []);
      assert.is(b.inTransaction, false);
      b.execute('begin', []);
      b.execute('rollback', []);
      assert.is(b.inTransaction, false);
    });
  });
});
