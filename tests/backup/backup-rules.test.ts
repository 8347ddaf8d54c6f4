// Backup rules on real files: the destination is never overwritten without force, never the source;
// memory databases and missing folders are coded errors; progress phases; damaged copies refused.
import * as assert from 'uvu/assert';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { openDatabase, restoreDatabase, verifyBackup } from '../../index.js';
import { matrix } from '../helpers/matrix.js';
import { tmpDir } from '../helpers/tmp.js';

matrix('backup: destination rules', (test, driver) => {
  test('an existing destination is refused without force and replaced with it', async () => {
    const dir = tmpDir();
    const db = await openDatabase(join(dir, 'a.db'), { driver });
    await db.execute('create table t (x)');
    await db.execute('insert into t values (1)');
    writeFileSync(join(dir, 'dest.db'), 'keep me');
    try {
      const error = await db.backup(join(dir, 'dest.db')).then(() => null, (e: unknown) => e as { code?: string; message: string });
      assert.is(error?.code, 'BACKUP_DEST_EXISTS');
      assert.match(error!.message, /dest\.db.*force/);
      assert.is(readFileSync(join(dir, 'dest.db'), 'utf8'), 'keep me');
      const r = await db.backup(join(dir, 'dest.db'), { force: true });
      assert.is((await verifyBackup(r.dest, driver)).pages, r.pages);
    } finally {
      await db.close();
    }
  });

  test('the source itself or its side files are refused as destination, even with force', async () => {
    const dir = tmpDir();
    const db = await openDatabase(join(dir, 'a.db'), { driver });
    await db.execute('create table t (x)');
    try {
      for (const dest of ['a.db', 'a.db-journal']) {
        const error = await db.backup(join(dir, dest), { force: true }).then(() => null, (e: unknown) => e as { code?: string });
        assert.is(error?.code, 'BACKUP_DEST_IS_SOURCE', dest);
      }
    } finally {
      await db.close();
    }
  });

  test('a destination in use, or left mid transaction, is refused (BACKUP_DEST_IN_USE) with and without force; nothing changes', async () => {
    // Before: the backup was "verified" and renamed over the name, and SQLite then rolled the old
    // database's hot journal into it (native: the old database's rows came back in the backup).
    const dir = tmpDir();
    const db = await openDatabase(join(dir, 'a.db'), { driver });
    await db.execute('create table t (label text)');
    await db.execute("insert into t values ('src')");
    const dest = join(dir, 'dest.db');
    const old = await openDatabase(dest, { driver });
    const refusal = (at: string, force: boolean) => db.backup(at, { force }).then(() => null, (e: unknown) => e as { code?: string; message: string });
    try {
      await old.execute('create table t (label text, pad text)');
      for (let i = 0; i < 200; i++) await old.execute("insert into t values ('old', ?)", ['p'.repeat(500)]);
      // open in this very process (a live claim)
      const error = await refusal(dest, true);
      assert.is(error?.code, 'BACKUP_DEST_IN_USE');
      assert.match(error!.message, new RegExp(`open in pid ${process.pid}`));
      // What a writer killed mid transaction leaves (the files as they are on disk at that moment):
      // the database and its hot journal, copied under another name while the transaction is open.
      await old.execute('pragma cache_size = 2');
      await old.execute('begin');
      await old.execute("update t set label = 'half', pad = pad || 'x'");
      copyFileSync(dest, join(dir, 'crash.db'));
      copyFileSync(`${dest}-journal`, join(dir, 'crash.db-journal'));
      await old.execute('rollback');
    } finally {
      await old.close();
    }
    const crashed = join(dir, 'crash.db');
    try {
      assert.is.not(readFileSync(`${crashed}-journal`)[0], 0, 'the journal is hot');
      for (const force of [true, false]) {
        if (!force) rmSync(crashed); // a journal can outlive its database file
        const before = existsSync(crashed) ? readFileSync(crashed) : null;
        const error = await refusal(crashed, force);
        assert.is(error?.code, 'BACKUP_DEST_IN_USE', `force ${force}`);
        assert.match(error!.message, /crash\.db-journal" holds an unfinished transaction/);
        assert.equal(existsSync(crashed) ? readFileSync(crashed) : null, before);
      }
    } finally {
      await db.close();
    }
  });

  test('a memory database has no file to back up: coded error', async () => {
    const db = await openDatabase(':memory:', { driver });
    try {
      const error = await db.backup(join(tmpDir(), 'x.db')).then(() => null, (e: unknown) => e as { code?: string });
      assert.is(error?.code, 'BACKUP_NOT_A_FILE');
    } finally {
      await db.close();
    }
  });

  test('a missing destination folder, or a folder as destination (also with force), is a coded error naming it and the fix; nothing is created', async () => {
    const dir = tmpDir();
    const db = await openDatabase(join(dir, 'a.db'), { driver });
    await db.execute('create table t (x)');
    try {
      const cases: [string, boolean, string, RegExp][] = [
        [join(dir, 'nope', 'x.db'), false, 'BACKUP_DEST_FOLDER_NOT_FOUND', /folder ".*nope" does not exist.*mkdir -p/],
        [dir, false, 'BACKUP_DEST_IS_DIRECTORY', /is a folder.*give a file path, e\.g\. ".*a\.db"/],
        [dir, true, 'BACKUP_DEST_IS_DIRECTORY', /is a folder.*--force does not replace a folder/],
      ];
      for (const [dest, force, code, pattern] of cases) {
        const error = await db.backup(dest, { force }).then(() => null, (e: unknown) => e as { code?: string; message: string });
        assert.is(error?.code, code, `${dest} force=${force}: ${String(error?.message)}`);
        assert.match(error!.message, pattern);
        assert.not.match(error!.message, /ENOENT|EISDIR/);
      }
      assert.not.ok(existsSync(join(dir, 'nope')));
    } finally {
      await db.close();
    }
  });

  // A server URL read as a path planned a folder called "postgres:" and printed the password
  // back in BACKUP_DEST_FOLDER_NOT_FOUND; a file: URI became a file of that literal name; a backup
  // in a missing folder was called the database's DIRECTORY_NOT_FOUND, "create it first" (fresh-user review).
  const NOT_PATHS: readonly { arg: string; says: RegExp }[] = [
    { arg: 'postgres://app:hunter2@db.example.com:5432/app', says: /is a file path, but this is a PostgreSQL server URL.*"postgres:\/\/\*\*\*".*pg_dump/ },
    { arg: 'postgresql://app:hunter2@db:99999/app', says: /PostgreSQL server URL.*"postgresql:\/\/\*\*\*"/ },
    { arg: 'mysql://app:hunter2@db/app', says: /a MySQL server URL.*"mysql:\/\/\*\*\*"/ },
    { arg: 'app:hunter2@db.example.com/app', says: /server address with user and password.*"\*\*\*@db\.example\.com\/app"/ },
    { arg: 'file:backups/app.db?key=hunter2', says: /not a DSN.*write the path alone: "backups\/app\.db"/ },
  ];
  test('a URL, connection string or file: URI as destination, or as the backup to restore, is DSN_UNSUPPORTED_SCHEME; no password quoted, nothing created', async () => {
    const dir = tmpDir();
    const live = join(dir, 'a.db');
    const db = await openDatabase(live, { driver });
    await db.execute('create table t (x)');
    const before = readdirSync(dir).sort();
    const errorOf = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as { code?: string; message: string });
    try {
      for (const { arg, says } of NOT_PATHS) {
        for (const [role, error] of [['destination', await errorOf(db.backup(arg))], ['restore', await errorOf(restoreDatabase(arg, live, { driver }))]] as const) {
          assert.is(error?.code, 'DSN_UNSUPPORTED_SCHEME', `${role} ${arg}: ${error?.message}`);
          assert.match(error!.message, role === 'destination' ? /^the backup destination / : /^the backup to restore /);
          assert.match(error!.message, says);
          assert.not.match(JSON.stringify({ ...error, message: error!.message }), /hunter2/);
        }
      }
      const missing = await errorOf(restoreDatabase(join(dir, 'no-such-folder', 'b.db'), live, { driver }));
      assert.is(missing?.code, 'BACKUP_NOT_FOUND', missing?.message);
      assert.match(missing!.message, /no-such-folder.*check the backup's path/);
      assert.equal(readdirSync(dir).sort(), before);
    } finally {
      await db.close();
    }
  });

  // A read-only folder got SQLite's SQLITE_CANTOPEN about the copy's temporary name ("in: vacuum
  // into ?"), with no word on the folder or the fix (fresh-user review). chattr +i: a real refusal for root.
  test('a destination folder that cannot be written is BACKUP_DEST_FOLDER_NOT_WRITABLE naming it, why and the fix; nothing is created', async () => {
    const dir = tmpDir();
    const db = await openDatabase(join(dir, 'a.db'), { driver });
    await db.execute('create table t (x)');
    const locked = join(dir, 'locked');
    mkdirSync(locked);
    if (spawnSync('chattr', ['+i', locked]).status !== 0) {
      await db.close();
      console.log('backup: unwritable folder not tested: chattr +i is refused on this file system');
      return;
    }
    try {
      for (const force of [false, true]) {
        const error = await db.backup(join(locked, 'b.db'), { force }).then(() => null, (e: unknown) => e as { code?: string; message: string });
        assert.is(error?.code, 'BACKUP_DEST_FOLDER_NOT_WRITABLE', error?.message);
        assert.match(error!.message, /locked" refuses new files \(operation not permitted.*chattr -i.*Nothing was written/);
      }
      assert.equal(readdirSync(locked), []);
    } finally {
      spawnSync('chattr', ['-i', locked]);
      await db.close();
    }
  });

  test('progress events: copying (with the temporary file), verifying, done', async () => {
    const dir = tmpDir();
    const db = await openDatabase(join(dir, 'a.db'), { driver });
    await db.execute('create table t (x)');
    const phases: string[] = [];
    let temp = '';
    try {
      await db.backup(join(dir, 'b.db'), {
        onProgress: (e) => {
          phases.push(e.phase);
          if (e.phase === 'copying') temp = e.tempFile;
        },
      });
    } finally {
      await db.close();
    }
    assert.equal(phases, ['copying', 'verifying', 'done']);
    assert.match(temp, /\/\.b\.db\.dual-sqlite-backup-\d+-[0-9a-f]{8}\.tmp$/);
    assert.not.ok(existsSync(temp));
  });
});

matrix('backup: verification', (test, driver) => {
  const cases: [string, (good: Buffer) => Buffer, RegExp][] = [
    ['a truncated file', (g) => g.subarray(0, g.length - 1000), /whole number|promises/],
    ['not a database', () => Buffer.from('hello'.repeat(100)), /SQLite format 3/],
    ['a damaged b-tree page', (g) => Buffer.concat([g.subarray(0, 4096 + 8), Buffer.alloc(64, 0xff), g.subarray(4096 + 72)]), /integrity_check|does not open|check itself/],
  ];
  for (const [name, damage, pattern] of cases) {
    test(`${name} fails with BACKUP_VERIFY_FAILED`, async () => {
      const dir = tmpDir();
      const db = await openDatabase(join(dir, 'a.db'), { driver });
      await db.execute('create table t (x text)');
      for (let i = 0; i < 50; i++) await db.execute('insert into t values (?)', ['y'.repeat(100)]);
      const r = await db.backup(join(dir, 'good.db'));
      await db.close();
      writeFileSync(join(dir, 'bad.db'), damage(readFileSync(r.dest)));
      let error: { code?: string; message: string } | undefined;
      try {
        await verifyBackup(join(dir, 'bad.db'), driver);
      } catch (e) {
        error = e as typeof error;
      }
      assert.is(error?.code, 'BACKUP_VERIFY_FAILED');
      assert.match(error!.message, pattern);
    });
  }
});
