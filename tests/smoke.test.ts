// Smoke test of the harness itself: each driver of the matrix loads and runs SQL on a real file.
import * as assert from 'uvu/assert';
import { createRequire } from 'node:module';
import { matrix } from './helpers/matrix.js';
import { tmpDbPath } from './helpers/tmp.js';

const require = createRequire(import.meta.url);

matrix('smoke: the raw driver opens a real file', (test, driver) => {
  test('create, insert, read back', () => {
    const file = tmpDbPath();
    if (driver === 'native') {
      const Database = require('better-sqlite3');
      const db = new Database(file);
      db.exec('create table t (x integer)');
      db.prepare('insert into t values (?)').run(42);
      assert.equal(db.prepare('select x from t').get(), { x: 42 });
      db.close();
    } else if (driver === 'node') {
      const { DatabaseSync } = require('node:sqlite');
      const db = new DatabaseSync(file);
      db.exec('create table t (x integer)');
      db.prepare('insert into t values (?)').run(42);
      assert.equal({ ...db.prepare('select x from t').get() }, { x: 42 });
      db.close();
    } else {
      const { Database } = require('node-sqlite3-wasm');
      const db = new Database(file);
      db.exec('create table t (x integer)');
      db.run('insert into t values (?)', [42]);
      assert.equal(db.get('select x from t'), { x: 42 });
      db.close();
    }
  });
});
