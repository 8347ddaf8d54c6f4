// `dual-sqlite backup` and `restore` as a user runs them: exit codes, --json, the printed hold time.
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../../index.js';
import { both, cli, cliAsync } from '../cli/run-cli.js';
import { matrix } from '../helpers/matrix.js';
import { tmpDir } from '../helpers/tmp.js';
import { Writer } from './support.js';

matrix('cli: backup and restore', (test, driver) => {
  test('backup prints the verified copy and the writers hold time; --json carries the result; exit 0', async () => {
    const dir = tmpDir();
    const db = await openDatabase(join(dir, 'a.db'), { driver });
    await db.execute('create table t (x)');
    await db.close();
    const text = cli(['backup', join(dir, 'a.db'), join(dir, 'b.db'), '--driver', driver]);
    assert.is(text.code, 0, both(text));
    assert.match(text.stdout, /b\.db verified \(\d+ pages of \d+ bytes, [\d.]+ MB, integrity_check ok\)/);
    assert.match(text.stdout, /writers in other processes held up to \d+ ms/);
    const json = cli(['backup', join(dir, 'a.db'), join(dir, 'c.db'), '--driver', driver, '--json']);
    assert.is(json.code, 0, both(json));
    const r = JSON.parse(json.stdout) as Record<string, unknown>;
    assert.is(r.ok, true);
    assert.is(r.integrity, 'ok');
    assert.is(r.driver, driver);
    assert.type(r.writersHeldMs, 'number');
  });

  test('an existing destination: exit 1, coded JSON error, the file untouched; a missing source is not created', async () => {
    const dir = tmpDir();
    const db = await openDatabase(join(dir, 'a.db'), { driver });
    await db.execute('create table t (x)');
    await db.close();
    writeFileSync(join(dir, 'b.db'), 'mine');
    const r = cli(['backup', join(dir, 'a.db'), join(dir, 'b.db'), '--driver', driver, '--json']);
    assert.is(r.code, 1, both(r));
    assert.is((JSON.parse(r.stdout) as { code: string }).code, 'BACKUP_DEST_EXISTS');
    assert.match(r.stderr, /BACKUP_DEST_EXISTS/);
    assert.is(readFileSync(join(dir, 'b.db'), 'utf8'), 'mine');
    const missing = cli(['backup', join(dir, 'typo.db'), join(dir, 'c.db'), '--driver', driver]);
    assert.is(missing.code, 1, both(missing));
    assert.match(missing.stderr, /DATABASE_NOT_FOUND.*typo\.db/);
    assert.not.ok(existsSync(join(dir, 'typo.db')));
  });

  test('bad arguments: exit 2', () => {
    assert.is(cli(['backup', 'only-one.db']).code, 2);
    assert.is(cli(['restore', '--recover']).code, 2);
    assert.is(cli(['backup', 'a.db', 'b.db', '--bogus']).code, 2);
  });

  test('restore refused while a process holds the database: exit 1 naming its pid; then restore and --recover', async () => {
    const dir = tmpDir();
    const live = join(dir, 'live.db');
    const db = await openDatabase(live, { driver });
    await db.execute('create table t (x)');
    await db.close();
    assert.is(cli(['backup', live, join(dir, 'bk.db'), '--driver', driver]).code, 0);
    const holder = new Writer(live, driver, 'h', 'hold');
    try {
      await holder.until(1);
      const r = await cliAsync(['restore', join(dir, 'bk.db'), live, '--driver', driver, '--json']);
      assert.is(r.code, 1, both(r));
      const body = JSON.parse(r.stdout) as { code: string; holders: { pid: number }[] };
      assert.is(body.code, 'RESTORE_DATABASE_IN_USE');
      assert.equal(body.holders.map((h) => h.pid), [holder.child.pid]);
    } finally {
      await holder.kill();
    }
    const ok = cli(['restore', join(dir, 'bk.db'), live, '--driver', driver]);
    assert.is(ok.code, 0, both(ok));
    assert.match(ok.stdout, /restored from .*bk\.db .*integrity_check ok in place/);
    const recover = cli(['restore', '--recover', live, '--driver', driver]);
    assert.is(recover.code, 0, both(recover));
    assert.match(recover.stdout, /no interrupted restore/);
    assert.ok(existsSync(live));
  });
});
