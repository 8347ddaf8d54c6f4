// Errors that tell the truth about the file system (issue 11, items 5-9, 11-13), on every driver:
// a full disk, read-only places, the names and side files the library adds, failed opens that
// must leave nothing behind, a lock no library process claims, hard links and file modes. All on
// real files: a 1 MiB tmpfs, a tmpfs remounted read-only, a real unprivileged user.
import * as assert from 'uvu/assert';
import {
  chmodSync, chownSync, existsSync, linkSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { matrix } from '../helpers/matrix.js';
import { tmpDir } from '../helpers/tmp.js';
import {
  OTHER_GID, OTHER_UID, openAsOtherUser, remountReadOnly, rootSkipReason, withTmpfs,
} from '../helpers/fs-places.js';
import { openDatabase, registeredUsers } from '../../core/index.js';
import { claimsDirOf } from '../../core/guard/index.js';
import type { DriverName } from '../../drivers/types.js';

const skip = rootSkipReason();
if (skip) console.log(`file-system tests that need root are skipped: ${skip}`);

async function rejects(p: Promise<unknown>): Promise<{ code?: string; message: string; cause?: { code?: string } }> {
  try {
    await p;
  } catch (e) {
    return e as { code?: string; message: string; cause?: { code?: string } };
  }
  throw new Error('expected a rejection');
}

/** Creates a database with one table `t` holding 1 on the native driver and closes it. */
async function makeDb(file: string, journal = 'delete'): Promise<void> {
  const db = await openDatabase(`file:${file}?_journal_mode=${journal}`, { driver: 'native' });
  await db.execute('create table t(a)');
  await db.execute('insert into t values (1)');
  await db.close();
}

/** A folder another user can enter and read but not write (owned by root, 0755). */
function foreignDir(): string {
  const dir = tmpDir();
  chmodSync(dir, 0o755);
  return dir;
}

matrix('the file system tells the truth', (test, driver: DriverName) => {
  const dotfile = driver === 'wasm' ? '' : '&vfs=unix-dotfile';

  if (!skip) {
    test(`disk full is SQLITE_FULL with ENOSPC as cause, nothing acknowledged lost [${driver}]`, async () => {
      await withTmpfs('1m', async (dir) => {
        const file = join(dir, 'full.db');
        const db = await openDatabase(file, { driver });
        await db.execute('create table t(id integer primary key, b blob)');
        let acknowledged = 0;
        const err = await rejects((async () => {
          for (;;) {
            await db.execute('insert into t(b) values (randomblob(20000))');
            acknowledged++;
          }
        })());
        assert.is(err.code, 'SQLITE_FULL', err.message);
        assert.is(err.cause?.code, 'ENOSPC');
        assert.match(err.message, /full/);
        assert.ok(acknowledged > 10, `${acknowledged} inserts fit before the disk was full`);
        // A transaction that fills the disk fails at a statement or at COMMIT, the same way.
        const tx = await rejects((async () => {
          await db.execute('begin immediate');
          try {
            for (let i = 0; i < 10; i++) await db.execute('insert into t(b) values (randomblob(20000))');
            await db.execute('commit');
          } finally {
            if (db.inTransaction) await db.execute('rollback');
          }
        })());
        assert.is(tx.code, 'SQLITE_FULL', tx.message);
        assert.is(tx.cause?.code, 'ENOSPC');
        await db.close();
        const again = await openDatabase(`file:${file}?mode=ro`, { driver });
        const rows = (await again.execute('select count(*) as n from t')).rows as { n: number }[];
        assert.is(rows[0]!.n, acknowledged, 'every acknowledged insert is in the file');
        assert.equal((await again.execute('pragma integrity_check')).rows, [{ integrity_check: 'ok' }]);
        await again.close();
      });
    });

    test(`max_page_count reached is SQLITE_FULL without an OS error: the disk is not full [${driver}]`, async () => {
      const db = await openDatabase(join(tmpDir(), 'capped.db'), { driver });
      await db.execute('create table t(id integer primary key, b blob)');
      await db.execute('pragma max_page_count = 20');
      const err = await rejects((async () => {
        for (let i = 0; i < 100; i++) await db.execute('insert into t(b) values (randomblob(4000))');
      })());
      assert.is(err.code, 'SQLITE_FULL', err.message);
      assert.not.ok(err.cause?.code === 'ENOSPC', `a page limit is not ENOSPC: ${err.message}`);
      await db.close();
    });

    test(`mode=ro in a directory this user cannot write [${driver}]`, async () => {
      const dir = foreignDir();
      const file = join(dir, 'theirs.db');
      await makeDb(file);
      const before = readdirSync(dir);
      const out = await openAsOtherUser(`file:${file}?mode=ro`, driver, ['select a from t']);
      if (driver !== 'wasm') {
        // A rollback-journal database needs nothing beside it to be read.
        assert.ok(out.opened, JSON.stringify(out.error));
        assert.equal(out.results![0]!.rows, [{ a: 1 }]);
      } else {
        // wasm locks by creating <db>.lock, even to read: a coded error naming the way out.
        assert.not.ok(out.opened);
        assert.is(out.error!.code, 'DIRECTORY_NOT_WRITABLE', out.error!.message);
        assert.is(out.error!.cause, 'EACCES');
        assert.match(out.error!.message!, `"${dir}"`);
        assert.match(out.error!.message!, `${file}.lock`);
        assert.match(out.error!.message!, /write and search permission/);
        assert.match(out.error!.message!, /_driver=native/);
        assert.not.match(out.error!.message!, /\(in: pragma/);
      }
      assert.equal(readdirSync(dir), before, 'nothing was created beside it');
    });

    test(`a WAL database in a directory this user cannot write [${driver}]`, async () => {
      const dir = foreignDir();
      const file = join(dir, 'wal.db');
      await makeDb(file, 'wal');
      const out = await openAsOtherUser(`file:${file}?mode=ro`, driver, ['select a from t']);
      assert.not.ok(out.opened);
      if (driver !== 'wasm') {
        assert.is(out.error!.code, 'DIRECTORY_NOT_WRITABLE', out.error!.message);
        assert.match(out.error!.message!, /WAL mode/);
        assert.match(out.error!.message!, `${file}-shm`);
        assert.match(out.error!.message!, /journal_mode=delete/);
        assert.match(out.error!.message!, /immutable=1/);
      } else {
        assert.is(out.error!.code, 'WASM_WAL_FILE', out.error!.message);
      }
    });

    test(`a read-only file system: mode=ro reads where the driver can, else a coded error [${driver}]`, async () => {
      await withTmpfs('1m', async (dir) => {
        const file = join(dir, 'ro.db');
        await makeDb(file);
        // As shipped on read-only media: no claims folder beside it yet.
        rmSync(claimsDirOf(file), { recursive: true, force: true });
        const before = readdirSync(dir);
        remountReadOnly(dir);
        for (const dsn of [`file:${file}?mode=ro`, file]) {
          if (driver !== 'wasm') {
            const db = await openDatabase(dsn, { driver });
            assert.equal((await db.execute('select a from t')).rows, [{ a: 1 }]);
            const write = await rejects(db.execute('insert into t values (2)'));
            assert.is(write.code, 'SQLITE_READONLY', write.message);
            await db.close();
          } else {
            const err = await rejects(openDatabase(dsn, { driver }));
            assert.is(err.code, 'DIRECTORY_NOT_WRITABLE', err.message);
            assert.is(err.cause?.code, 'EROFS');
            assert.match(err.message, /mounted read-only/);
          }
        }
        assert.equal(readdirSync(dir), before);
      });
    });

    test(`a 0444 file opened without mode=ro is read-only on every driver [${driver}]`, async () => {
      const dir = tmpDir();
      chmodSync(dir, 0o755);
      const mine = join(dir, 'mine');
      mkdirSync(mine);
      const file = join(mine, 'ro.db');
      await makeDb(file);
      for (const f of [mine, file]) chownSync(f, OTHER_UID, OTHER_GID);
      chmodSync(file, 0o444);
      const out = await openAsOtherUser(file, driver, ['select a from t', 'insert into t values (2)']);
      assert.ok(out.opened, JSON.stringify(out.error));
      assert.equal(out.results![0]!.rows, [{ a: 1 }]);
      assert.is(out.results![1]!.error?.code, 'SQLITE_READONLY', JSON.stringify(out.results![1]));
    });
  }

  test(`a legal 243-byte file name works: the claims folder name is shortened [${driver}]`, async () => {
    const dir = tmpDir();
    const file = join(dir, `${'n'.repeat(240)}.db`);
    assert.is(Buffer.byteLength(basename(file)), 243);
    const db = await openDatabase(`file:${file}?_busy_timeout=2000${dotfile}`, { driver });
    await db.execute('create table t(a)');
    await db.execute('insert into t values (1)');
    await db.close();
    const claims = basename(claimsDirOf(file));
    assert.ok(Buffer.byteLength(claims) <= 255);
    assert.ok(readdirSync(dir).includes(claims), 'the guard used the shortened folder');
    const again = await openDatabase(file, { driver });
    assert.equal((await again.execute('select a from t')).rows, [{ a: 1 }]);
    await again.close();
  });

  test(`a path that is a directory: NOT_A_FILE, nothing left beside it [${driver}]`, async () => {
    const dir = tmpDir();
    mkdirSync(join(dir, 'isdir.db'));
    const err = await rejects(openDatabase(join(dir, 'isdir.db'), { driver }));
    assert.is(err.code, 'NOT_A_FILE', err.message);
    assert.match(err.message, /is a directory/);
    assert.equal(readdirSync(dir), ['isdir.db']);
  });

  test(`a regular file where the claims folder belongs: a coded error with the cause [${driver}]`, async () => {
    const dir = tmpDir();
    const file = join(dir, 'c.db');
    writeFileSync(claimsDirOf(file), 'not a folder');
    const err = await rejects(openDatabase(file, { driver }));
    assert.is(err.code, 'SIDE_FILE_ERROR', err.message);
    assert.is(err.cause?.code, 'EEXIST');
    assert.match(err.message, claimsDirOf(file));
    assert.match(err.message, /move or remove it/);
    assert.equal(readdirSync(dir), ['c.db.dual-sqlite-claims']);
  });

  test(`a failed open leaves nothing behind [${driver}]`, async () => {
    const dir = tmpDir();
    const missing = await rejects(openDatabase(`file:${join(dir, 'missing.db')}?mode=rw`, { driver }));
    assert.is(missing.code, 'DATABASE_NOT_FOUND');
    assert.equal(readdirSync(dir), []);
    // A failure after the guard made its folder (SQLite refuses the file) takes the folder away.
    writeFileSync(join(dir, 'junk.db'), Buffer.alloc(4096, 7));
    const junk = await rejects(openDatabase(join(dir, 'junk.db'), { driver }));
    assert.is(junk.code, 'SQLITE_NOTADB', junk.message);
    assert.equal(readdirSync(dir), ['junk.db']);
  });

  test(`errors while opening name the file and the step, not an internal statement [${driver}]`, async () => {
    const dir = tmpDir();
    const file = join(dir, 'junk.db');
    writeFileSync(file, Buffer.alloc(4096, 7));
    const err = await rejects(openDatabase(file, { driver }));
    assert.is(err.code, 'SQLITE_NOTADB', err.message);
    assert.match(err.message, `"${file}"`);
    assert.match(err.message, /at step "/);
    assert.not.match(err.message, /\(in: /);
  });

  test(`a <db>.lock no library process claims: the error names it and doctor [${driver}]`, async () => {
    const dir = tmpDir();
    const file = join(dir, 'locked.db');
    await makeDb(file);
    mkdirSync(`${file}.lock`);
    const err = await rejects(openDatabase(`file:${file}?_busy_timeout=200${dotfile}`, { driver }));
    assert.is(err.code, 'SQLITE_BUSY', err.message);
    assert.match(err.message, `"${file}.lock"`);
    assert.match(err.message, /no process using this library claims it/);
    assert.match(err.message, /dual-sqlite doctor 'file:/);
    assert.match(err.message, `cannot open "${file}"`);
    assert.ok(existsSync(`${file}.lock`), 'a lock nobody can prove stale is never removed');
  });

  test(`hard links: dot-file locking refuses, the registry finds the file by inode [${driver}]`, async () => {
    const dir = tmpDir();
    const first = join(dir, 'first.db');
    const second = join(dir, 'second.db');
    await makeDb(first);
    linkSync(first, second);
    for (const path of [first, second]) {
      const err = await rejects(openDatabase(`file:${path}?_busy_timeout=200${dotfile}`, { driver }));
      assert.is(err.code, 'HARD_LINKED_FILE', err.message);
      assert.match(err.message, /2 hard links/);
    }
    if (driver !== 'wasm') {
      // POSIX locks are per inode, so the unix VFS default is safe; one connection serves both names.
      const a = await openDatabase(first, { driver });
      const b = await openDatabase(second, { driver });
      assert.is(registeredUsers(first), 2);
      assert.is(b.filename, a.filename);
      await b.execute('insert into t values (2)');
      assert.equal((await a.execute('select count(*) as n from t')).rows, [{ n: 2 }]);
      await a.close();
      await b.close();
      assert.is(registeredUsers(first), 0);
    }
  });

  test(`new files get the same mode on every driver, honouring the umask [${driver}]`, async () => {
    const old = process.umask(0o027);
    try {
      const dir = tmpDir();
      const file = join(dir, 'mode.db');
      const db = await openDatabase(file, { driver });
      await db.execute('create table t(a)');
      assert.is(statSync(file).mode & 0o777, 0o640, 'SQLite default 0644 less umask 027');
      // A journal takes its database's mode, as SQLite's unix VFS does (the umask does not apply).
      chmodSync(file, 0o660);
      await db.execute('begin immediate');
      await db.execute('insert into t select randomblob(1000) from (with recursive c(x) as (select 1 union all select x + 1 from c where x < 3000) select x from c)');
      assert.is(statSync(`${file}-journal`).mode & 0o777, 0o660);
      await db.execute('commit');
      await db.close();
    } finally {
      process.umask(old);
    }
  });
});
