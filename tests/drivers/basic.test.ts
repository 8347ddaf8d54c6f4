// The minimal contract core builds on: open a file or memory database, execute with
// rows/changes/lastInsertRowid, iterate, close, on both drivers.
import * as assert from 'uvu/assert';
import { openBackend } from '../../drivers/index.js';
import type { Backend } from '../../drivers/types.js';
import { makeConfig } from '../helpers/config.js';
import { matrix } from '../helpers/matrix.js';
import { tmpDbPath } from '../helpers/tmp.js';

matrix('drivers: basic execute/iterate/close', (test, driver) => {
  const open = (where: string | { kind: 'memory' }): Backend => openBackend(makeConfig(driver, where));

  test('reports the driver it was asked for', () => {
    const b = open({ kind: 'memory' });
    assert.is(b.selection.driver, driver);
    assert.is(b.selection.source, 'dsn');
    b.close();
  });

  test('a file database: DDL, insert, select, update', () => {
    const file = tmpDbPath();
    const b = open(file);
    assert.is(b.filename, file);
    const ddl = b.execute('create table t (id integer primary key, v text)', []);
    assert.equal(ddl, { reader: false, rows: [], changes: 0, lastInsertRowid: 0 });
    const ins = b.execute('insert into t (v) values (?), (?)', ['a', 'b']);
    assert.equal(ins, { reader: false, rows: [], changes: 2, lastInsertRowid: 2 });
    const sel = b.execute('select id, v from t order by id', []);
    assert.is(sel.reader, true);
    assert.equal(sel.rows, [{ id: 1, v: 'a' }, { id: 2, v: 'b' }]);
    assert.is(sel.changes, 0);
    const upd = b.execute('update t set v = ? where id = ?', ['c', 1]);
    assert.is(upd.changes, 1);
    b.close();
    const again = open(file);
    assert.equal(again.execute('select v from t where id = 1', []).rows, [{ v: 'c' }]);
    again.close();
  });

  test('iterate yields rows one by one', () => {
    const b = open({ kind: 'memory' });
    b.execute('create table t (x)', []);
    for (let i = 0; i < 5; i++) b.execute('insert into t values (?)', [i]);
    const seen: unknown[] = [];
    for (const row of b.iterate('select x from t order by x', [])) seen.push(row.x);
    assert.equal(seen, [0, 1, 2, 3, 4]);
    b.close();
  });

  test('close is idempotent and later use fails with CONNECTION_CLOSED', () => {
    const b = open({ kind: 'memory' });
    b.close();
    b.close();
    assert.is(b.closed, true);
    try {
      b.execute('select 1', []);
      assert.unreachable('should throw');
    } catch (e) {
      assert.is((e as { code?: string }).code, 'CONNECTION_CLOSED');
    }
  });
});
