// A real backup (the CLI) SIGKILLed in the narrow windows a random kill time (kill-backup.test.ts)
// rarely hits, through the failpoints in core/backup/backup.ts: after the copy is fsynced but not
// yet verified, and after it is linked to dest but before its temporary name is removed. After
// each: dest is absent (or, with --force, the old file unchanged) unless the copy was verified,
// and the next backup into the folder sweeps what the dead process left without touching dest.
// `npm test` takes each case on one driver, in turn; TEST_FULL=1 takes every case on every driver.
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { backupDatabase, openDatabase, verifyBackup } from '../../index.js';
import type { DriverName } from '../../drivers/types.js';
import { matrixDrivers } from '../helpers/matrix.js';
import { FULL } from '../helpers/depth.js';
import { tmpDir } from '../helpers/tmp.js';
import { suite } from 'uvu';
import { runCliToFailpoint } from './kill-helpers.js';

interface Case {
  readonly name: string;
  readonly point: string;
  readonly force: boolean;
  /** What is at dest after the kill. */
  readonly dest: 'absent' | 'verified copy' | 'old file';
}

const CASES: readonly Case[] = [
  { name: 'copy fsynced, not yet verified', point: 'backup:copied', force: false, dest: 'absent' },
  { name: 'copy fsynced, not yet verified, --force over an old file', point: 'backup:copied', force: true, dest: 'old file' },
  { name: 'copy linked to dest, temporary name not yet removed', point: 'backup:linked', force: false, dest: 'verified copy' },
];

const drivers = matrixDrivers();
const runs: [Case, DriverName][] = FULL
  ? CASES.flatMap((c) => drivers.map((d): [Case, DriverName] => [c, d]))
  : CASES.map((c, i): [Case, DriverName] => [c, drivers[i % drivers.length]!]);

const test = suite('backup: SIGKILL at each failpoint');

for (const [c, driver] of runs) {
  test(`[${driver}] ${c.name} (${c.point}): dest is ${c.dest}; the next backup sweeps the leftovers`, async () => {
    const dir = tmpDir();
    const source = join(dir, 'src.db');
    const db = await openDatabase(source, { driver });
    await db.execute('create table t (label text)');
    await db.execute("insert into t values ('a')");
    await db.close();
    const dest = join(dir, 'dest.db');
    if (c.force) writeFileSync(dest, 'the old file');
    const r = await runCliToFailpoint(['backup', source, dest, '--driver', driver, ...(c.force ? ['--force'] : [])], c.point);
    assert.ok(r.reached, `the backup never reached ${c.point} (exit ${r.code}): ${r.out}`);
    assert.ok(leftovers(dir).length > 0, 'the killed backup left its temporary');
    const check = async () => {
      if (c.dest === 'absent') assert.not.ok(existsSync(dest));
      else if (c.dest === 'old file') assert.is(readFileSync(dest, 'utf8'), 'the old file');
      else {
        // opens on every driver: dot-file locking refuses a file with two hard links, and the
        // killed backup left its temporary name as a second one (the open sweeps it)
        const copy = await openDatabase(dest, { driver });
        assert.equal((await copy.execute('select label from t')).rows, [{ label: 'a' }]);
        await copy.close();
        assert.is((await verifyBackup(dest, driver)).integrity, 'ok');
      }
    };
    await check();
    await backupDatabase(source, join(dir, 'next.db'), { driver });
    assert.equal(leftovers(dir), []);
    await check();
  });
}

/** What backups leave beside their destination: temporaries and their side files and claims. */
function leftovers(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.includes('dual-sqlite-backup'));
}

test.run();
