/**
 * Rows after a schema change (issue 11 item 1): with the statement cache on, a cached SELECT
 * must return the columns of the schema as it is now, whether this process or another one
 * changed it. SQLite re-prepares such a statement at its first step; any column name read before
 * that step is the old one. Every case runs with the default cache and with the cache off, and
 * both must give the same rows on every driver.
 */
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { sql, type Kysely } from 'kysely';
import { createKysely } from '../../core/index.js';
import type { DriverName } from '../../drivers/types.js';
import { matrix } from '../helpers/matrix.js';
import { tmpDsn } from './support.js';

/**
 * The other process uses the same driver's package directly (same lock protocol as ours), so it
 * starts in a fraction of a second instead of loading TypeScript.
 */
const OTHER_PROCESS: Record<DriverName, string> = {
  native: "const [file, sql] = process.argv.slice(1); const db = new (require('better-sqlite3'))(file); db.exec(sql); db.close();",
  node: "const [file, sql] = process.argv.slice(1); const db = new (require('node:sqlite').DatabaseSync)(file); db.exec(sql); db.close();",
  wasm: "const [file, sql] = process.argv.slice(1); const db = new (require('node-sqlite3-wasm').Database)(file); db.exec(sql); db.close();",
};

type Change = (db: Kysely<any>, file: string, driver: DriverName) => Promise<void>;

/** Runs `statements` in this process through `db`. */
function here(...statements: string[]): Change {
  return async (db) => {
    for (const s of statements) await sql.raw(s).execute(db);
  };
}

/** Runs `statements` in another process, on the same driver. */
function elsewhere(...statements: string[]): Change {
  return async (_db, file, driver) => {
    execFileSync(process.execPath, ['-e', OTHER_PROCESS[driver], file, statements.join(';')], { stdio: 'inherit' });
  };
}

const cases: [string, Change, unknown[]][] = [
  ['drop and re-create with another column (this process)', here('drop table t', 'create table t (z)', "insert into t values ('zz')"), [{ z: 'zz' }]],
  ['alter table add column (this process)', here("alter table t add column b default 'B'"), [{ a: 1, b: 'B' }]],
  ['rename a column (this process)', here('alter table t rename column a to c'), [{ c: 1 }]],
  ['drop and re-create with another column (another process)', elsewhere('drop table t', 'create table t (z)', "insert into t values ('zz')"), [{ z: 'zz' }]],
  ['alter table add column (another process)', elsewhere("alter table t add column b default 'B'"), [{ a: 1, b: 'B' }]],
];

matrix('schema change under the statement cache', (test, driver) => {
  for (const [name, change, expected] of cases) {
    for (const cache of ['', '_stmt_cache_size=0']) {
      test(`${name}${cache ? ', cache off' : ''}: the cached select returns the new columns`, async () => {
        const { path: file, dsn } = tmpDsn(cache);
        const db = createKysely<any>(dsn, { driver });
        await sql`create table t (a)`.execute(db);
        await sql`insert into t values (1)`.execute(db);
        const select = () => db.selectFrom('t').selectAll().execute();
        assert.equal(await select(), [{ a: 1 }]);
        await change(db, file, driver);
        assert.equal(await select(), expected);
        // and the same statement streamed
        const streamed: unknown[] = [];
        for await (const row of db.selectFrom('t').selectAll().stream(1)) streamed.push(row);
        assert.equal(streamed, expected);
        await db.destroy();
      });
    }
  }
});
