// Backup on real files while real writer processes commit, on every lock protocol of each driver.
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { backupDatabase, openDatabase, verifyBackup, type BackupResult } from '../../index.js';
import { matrix } from '../helpers/matrix.js';
import { tmpDir } from '../helpers/tmp.js';
import { checkCopy, createSchema, protocolsOf, Writer } from './support.js';

matrix('backup: consistent copy while two writer processes commit', (test, driver) => {
  for (const protocol of protocolsOf(driver)) {
    test(`${protocol.name}: every commit acknowledged before the backup, no half transaction, no SQLITE_BUSY`, async () => {
      const dir = tmpDir();
      const dsn = protocol.dsn(join(dir, 'live.db'));
      await createSchema(dsn, driver);
      const writers = [new Writer(dsn, driver, 'w1'), new Writer(dsn, driver, 'w2')];
      let result: BackupResult;
      const ackedBefore = new Map<string, number>();
      try {
        await Promise.all(writers.map((w) => w.until(20)));
        for (const w of writers) ackedBefore.set(w.id, w.acked);
        result = await backupDatabase(dsn, join(dir, 'copy.db'), { driver });
        // The writers kept going during the copy: the copy is a snapshot, not the end state.
        await Promise.all(writers.map((w) => w.until(ackedBefore.get(w.id)! + 5)));
      } finally {
        var reports = await Promise.all(writers.map((w) => w.stop()));
      }
      assert.equal(await checkCopy(join(dir, 'copy.db'), driver, ackedBefore), []);
      for (const [i, r] of reports.entries()) {
        assert.is(r.busy, 0, `writer ${i + 1} saw SQLITE_BUSY: ${writers[i]!.stderr}`);
        assert.is(r.otherErrors, 0, writers[i]!.stderr);
      }
      assert.is(result!.integrity, 'ok');
      assert.is(result!.lockProtocol, protocol.name.startsWith('posix') ? 'posix' : 'dotfile');
      if (protocol.name.includes('WAL')) assert.is(result!.writersHeldMs, 0);
      else assert.is(result!.writersHeldMs, result!.copyMs);
      // The measured figures, for the log (not asserted: they depend on the machine's load).
      console.log(
        `  [${driver}] ${protocol.name}: ${result!.bytes} bytes, copy ${result!.copyMs.toFixed(0)} ms, writers held ${result!.writersHeldMs.toFixed(0)} ms, ` +
          `writers' longest transaction ${Math.max(...reports.map((r) => r.maxTxMs)).toFixed(0)} ms`,
      );
      assert.equal(readdirSync(dir).filter((n) => n.includes('dual-sqlite-backup')), [], 'no temporary left');
    });
  }
});

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
      const { readFileSync } = await import('node:fs');
      assert.is(readFileSync(join(dir, 'dest.db'), 'utf8'), 'keep me');
      const r = await db.backup(join(dir, 'dest.db'), { force: true });
      assert.is(verifyBackup(r.dest, driver).pages, r.pages);
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

  test('a memory database has no file to back up: coded error', async () => {
    const db = await openDatabase(':memory:', { driver });
    try {
      const error = await db.backup(join(tmpDir(), 'x.db')).then(() => null, (e: unknown) => e as { code?: string });
      assert.is(error?.code, 'BACKUP_NOT_A_FILE');
    } finally {
      await db.close();
    }
  });

  test('a missing destination folder is a coded I/O error naming it; nothing is created', async () => {
    const dir = tmpDir();
    const db = await openDatabase(join(dir, 'a.db'), { driver });
    try {
      const error = await db.backup(join(dir, 'nope', 'x.db')).then(() => null, (e: unknown) => e as { code?: string; message: string });
      assert.is(error?.code, 'BACKUP_IO');
      assert.match(error!.message, /nope/);
      assert.not.ok(existsSync(join(dir, 'nope')));
    } finally {
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
      const { readFileSync } = await import('node:fs');
      writeFileSync(join(dir, 'bad.db'), damage(readFileSync(r.dest)));
      let error: { code?: string; message: string } | undefined;
      try {
        verifyBackup(join(dir, 'bad.db'), driver);
      } catch (e) {
        error = e as typeof error;
      }
      assert.is(error?.code, 'BACKUP_VERIFY_FAILED');
      assert.match(error!.message, pattern);
    });
  }
});
