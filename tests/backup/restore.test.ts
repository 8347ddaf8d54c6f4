// Restore on real files: refused while a real process holds the database, then done while nobody
// does; side files replaced; a bad backup refused with the database untouched.
import * as assert from 'uvu/assert';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { openDatabase, restoreDatabase, recoverRestore } from '../../index.js';
import { matrix } from '../helpers/matrix.js';
import { failure, labels, makePair } from './restore-helpers.js';
import { cliInProcess } from '../cli/run-cli.js';
import { protocolsOf, Writer } from './support.js';

/** A pid above Linux's largest (pid_max <= 2^22): no process has it, so its files count as a dead process's. */
const DEAD_PID = 4_194_305;
/** `chattr +i` / `-i` (root cannot remove an immutable file either); false when the file system refuses it. */
const immutable = (path: string, on: boolean): boolean => spawnSync('chattr', [on ? '+i' : '-i', path]).status === 0;

// Scratch files of dead processes that the sweep after a restore cannot remove (EACCES/EPERM):
// best-effort housekeeping, so the restore still succeeds and the file is swept once it can be.
const unremovable: { name: string; file: (live: string) => string }[] = [
  { name: "a scratch copy of the marker", file: (live) => `${live}.dual-sqlite-restore.${DEAD_PID}.tmp` },
  { name: 'a scratch file of the recovery mutex', file: (live) => `${live}.dual-sqlite-restore.recover.${DEAD_PID}.0badf00d.tmp` },
];

// A restore marker that cannot be read: --recover clears it only where the files alone prove the
// database whole (no copy of the backup, no folder of replaced files left); else it refuses with
// RESTORE_MARKER_UNREADABLE naming the marker, what is there, and the fix by hand, changing nothing.
// Before, opens and --recover both refused (RESTORE_PENDING) with no way out.
const aside = (live: string) => join(live, '..', `.live.db.dual-sqlite-restore-old-${DEAD_PID}-deadbeef.tmp`);
const copy = (live: string) => join(live, '..', `.live.db.dual-sqlite-restore-${DEAD_PID}-deadbeef.tmp`);
const corrupt: { name: string; marker: (path: string) => void; files?: (live: string, backup: string) => void; says?: RegExp; now: 'old' | 'new' }[] = [
  { name: 'not JSON, nothing of the restore left', marker: (m) => writeFileSync(m, '{"v":2,"own'), now: 'old' },
  { name: 'JSON with fields missing, nothing left', marker: (m) => writeFileSync(m, '{"v":2,"phase":"swapped"}\n'), now: 'old' },
  {
    name: 'damaged, the old database aside and the restored one in its place',
    marker: (m) => writeFileSync(m, 'garbage'),
    files: (live, backup) => (mkdirSync(aside(live)), renameSync(live, join(aside(live), 'live.db')), copyFileSync(backup, live)),
    says: /marker .*live\.db\.dual-sqlite-restore is not a restore marker \(not JSON\).*nothing was changed.*Known: at the database's place: live\.db; left by the restore: folder of replaced files .*restore-old-.* \(live\.db\).*Fix by hand/,
    now: 'new',
  },
  {
    name: 'damaged, a copy of the backup beside the old database',
    marker: (m) => writeFileSync(m, 'garbage'),
    files: (live, backup) => copyFileSync(backup, copy(live)),
    says: /left by the restore: copy of the backup .*\.live\.db\.dual-sqlite-restore-\d+-deadbeef\.tmp/,
    now: 'old',
  },
  { name: 'of a newer version, even with nothing left', marker: (m) => writeFileSync(m, '{"v":3}\n'), says: /written by a newer version .*marker version 3.*of that newer version/, now: 'old' },
  { name: 'a folder at its name (cannot be read)', marker: (m) => mkdirSync(m), says: /cannot be read \(EISDIR\).*make the marker readable/, now: 'old' },
];

matrix('restore', (test, driver) => {
  for (const c of corrupt) {
    test(`a restore marker ${c.name}: ${c.says ? 'RESTORE_MARKER_UNREADABLE, nothing changed' : 'recovered (the marker removed)'}`, async () => {
      const { live, backup } = await makePair((p) => p, driver);
      const marker = `${live}.dual-sqlite-restore`;
      c.files?.(live, backup);
      c.marker(marker);
      const refused = await failure(openDatabase(live, { driver }));
      assert.is(refused.code, 'RESTORE_PENDING');
      assert.match(refused.message, /marker .* cannot be read; run "dual-sqlite restore --recover/);
      if (!c.says) {
        assert.is(await recoverRestore(live, { driver }), 'marker-removed');
        assert.not.ok(existsSync(marker));
        assert.equal(await labels(live, driver), [c.now]);
        return;
      }
      const error = await failure(recoverRestore(live, { driver }));
      assert.is(error.code, 'RESTORE_MARKER_UNREADABLE', String(error));
      assert.match(error.message, c.says);
      const json = await cliInProcess(['restore', '--recover', live, '--driver', driver, '--json']);
      assert.is(json.code, 1, json.stderr);
      assert.is((JSON.parse(json.stdout) as { code: string; marker: string }).marker, marker);
      assert.ok(existsSync(marker), 'the marker stays');
      if (c.files) {
        // nothing moved (the database's place is refused while the marker stands: compare bytes),
        // and the fix by hand, keeping the old database, works
        assert.ok(readFileSync(c.now === 'new' ? backup : copy(live)).equals(readFileSync(c.now === 'new' ? live : backup)));
        if (existsSync(aside(live))) {
          assert.equal(await labels(join(aside(live), 'live.db'), driver), ['old']);
          rmSync(live);
          renameSync(join(aside(live), 'live.db'), live);
        }
        rmSync(aside(live), { recursive: true, force: true });
        rmSync(copy(live), { force: true });
        rmSync(marker, { recursive: true });
        assert.equal(await labels(live, driver), ['old']);
      }
    });
  }


  for (const u of unremovable) {
    test(`${u.name} of a dead process that cannot be removed does not fail the restore (no raw Node error); swept later`, async () => {
      const { live, backup } = await makePair((p) => p, driver);
      const stuck = u.file(live);
      writeFileSync(stuck, '{}\n');
      if (!immutable(stuck, true)) {
        console.log(`restore: "${u.name}" not tested: chattr +i is refused on this file system`);
        return;
      }
      try {
        const r = await restoreDatabase(backup, live, { driver });
        assert.is(r.integrity, 'ok');
        assert.ok(existsSync(stuck), 'the file really could not be removed');
      } finally {
        immutable(stuck, false);
      }
      assert.equal(await labels(live, driver), ['new']);
      await restoreDatabase(backup, live, { driver });
      assert.not.ok(existsSync(stuck), 'swept by the next restore once it can be removed');
    });
  }


  for (const protocol of protocolsOf(driver).filter((p) => !p.name.includes('WAL'))) {
    test(`${protocol.name}: refused while another process has the database open (naming its pid), done once it is gone`, async () => {
      const { live, backup, dir } = await makePair(protocol.dsn, driver);
      const holder = new Writer(protocol.dsn(live), driver, 'h', 'hold');
      try {
        await holder.until(1);
        const error = await failure(restoreDatabase(backup, protocol.dsn(live), { driver }));
        assert.is(error.code, 'RESTORE_DATABASE_IN_USE');
        assert.match(error.message, new RegExp(`pid ${holder.child.pid}\\b`));
        assert.equal((error.holders as { pid: number }[]).map((h) => h.pid), [holder.child.pid]);
      } finally {
        await holder.kill();
      }
      assert.equal(readdirSync(dir).filter((n) => n.includes('restore')), [], 'a refused restore leaves nothing behind');
      assert.equal(await labels(protocol.dsn(live), driver), ['old']);
      // SIGKILLed: its claim is still on disk but its owner is dead, so it no longer counts.
      const r = await restoreDatabase(backup, protocol.dsn(live), { driver });
      assert.is(r.integrity, 'ok');
      assert.equal(await labels(protocol.dsn(live), driver), ['new']);
    });
  }

  test('refused while this very process has it open', async () => {
    const { live, backup } = await makePair((p) => p, driver);
    const db = await openDatabase(live, { driver });
    try {
      const error = await failure(restoreDatabase(backup, live, { driver }));
      assert.is(error.code, 'RESTORE_DATABASE_IN_USE');
      assert.match(error.message, new RegExp(`pid ${process.pid}\\b`));
    } finally {
      await db.close();
    }
  });

  test('restore replaces the side files too, then the database opens with the backup content', async () => {
    const { live, backup, dir } = await makePair((p) => p, driver);
    // Leftovers that must not meet the restored file: a junk journal, a lock directory, a WAL.
    writeFileSync(`${live}-journal`, Buffer.alloc(512, 7));
    writeFileSync(`${live}-wal`, Buffer.alloc(512, 9));
    mkdirSync(`${live}.lock`);
    const r = await restoreDatabase(backup, live, { driver, keepOld: true });
    assert.equal([...r.replaced].sort(), ['live.db', 'live.db-journal', 'live.db-wal', 'live.db.lock'].sort());
    assert.not.ok(existsSync(`${live}-journal`));
    assert.not.ok(existsSync(`${live}-wal`));
    assert.not.ok(existsSync(`${live}.lock`));
    assert.equal(await labels(live, driver), ['new']);
    assert.ok(r.keptOld && existsSync(join(r.keptOld, 'live.db')), 'keepOld keeps the replaced database');
    assert.equal(readdirSync(dir).filter((n) => n.startsWith('.')), [], 'no temporary left');
    assert.is(await recoverRestore(live, { driver }), 'none');
  });

  test('a damaged backup is refused before anything changes', async () => {
    const { live, backup } = await makePair((p) => p, driver);
    const bytes = readFileSync(backup);
    writeFileSync(backup, bytes.subarray(0, bytes.length - 100));
    const error = await failure(restoreDatabase(backup, live, { driver }));
    assert.is(error.code, 'BACKUP_VERIFY_FAILED');
    assert.equal(await labels(live, driver), ['old']);
  });

  test('a backup path that does not exist is BACKUP_NOT_FOUND (not "not a sound database"), before anything changes', async () => {
    const { dir, live } = await makePair((p) => p, driver);
    const error = await failure(restoreDatabase(join(dir, 'no-such-backup.db'), live, { driver }));
    assert.is(error.code, 'BACKUP_NOT_FOUND');
    assert.match(error.message, /there is no file at ".*no-such-backup\.db": check the backup's path/);
    assert.is((error.cause as { code?: string }).code, 'ENOENT');
    assert.equal(await labels(live, driver), ['old']);
  });

  test('the database itself given as the backup is RESTORE_BACKUP_IS_DATABASE; nothing changes', async () => {
    const { dir, live } = await makePair((p) => p, driver);
    for (const given of [live, `file:${live}?mode=rw`, join(dir, '.', 'live.db')]) {
      const error = await failure(restoreDatabase(given.startsWith('file:') ? live : given, given, { driver }));
      assert.is(error.code, 'RESTORE_BACKUP_IS_DATABASE', String(error));
      assert.match(error.message, /is the database itself.*nothing was changed/);
    }
    assert.equal(await labels(live, driver), ['old']);
  });

  test('restoring into a database that does not exist yet creates it', async () => {
    const { dir, backup } = await makePair((p) => p, driver);
    const r = await restoreDatabase(backup, join(dir, 'fresh.db'), { driver });
    assert.equal(r.replaced, []);
    assert.equal(await labels(join(dir, 'fresh.db'), driver), ['new']);
  });
});
