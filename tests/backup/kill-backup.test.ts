// SIGKILL of the backup and of the restore process at random points (real CLI processes).
// Backup: the source is never damaged and nothing is ever left at the destination unless the copy
// was verified. Restore: the next open is refused (RESTORE_PENDING) until recovery, which always
// yields the whole old or the whole new database, never a mix. Kill times are drawn from the
// duration of an uninterrupted run measured in the same test (so load cannot break the spread).
import * as assert from 'uvu/assert';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { verifyBackup } from '../../index.js';
import { matrix } from '../helpers/matrix.js';
import { tmpDir } from '../helpers/tmp.js';
import { contents, fill, killTime, ROUNDS, ROWS, runCli } from './kill-helpers.js';

matrix('backup: SIGKILL at random points', (test, driver) => {
  test('the source stays sound and writable; dest is absent or verified; the next backup sweeps the leftovers', async () => {
    const dir = tmpDir();
    const source = join(dir, 'src.db');
    await fill(source, driver, 'a');
    const startup = await runCli(['help', 'backup']);
    const full = await runCli(['backup', source, join(dir, 'calibrate.db'), '--driver', driver]);
    assert.is(full.code, 0, full.out);
    const outcomes: string[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const dest = join(dir, `b${i}.db`);
      const r = await runCli(['backup', source, dest, '--driver', driver], killTime(startup.ms, full.ms));
      if (r.killed) {
        if (existsSync(dest)) assert.is((await verifyBackup(dest, driver)).integrity, 'ok', 'a file at dest after a kill must be the verified copy');
        outcomes.push(existsSync(dest) ? 'killed after placing' : 'killed');
      } else {
        assert.is(r.code, 0, r.out);
        outcomes.push('finished');
      }
      const after = await contents(source, driver);
      assert.is(after.integrity, 'ok');
      assert.equal(after.labels, ['a']);
      assert.is(after.rows, ROWS);
    }
    const last = await runCli(['backup', source, join(dir, 'final.db'), '--driver', driver]);
    assert.is(last.code, 0, last.out);
    assert.equal(readdirSync(dir).filter((n) => n.includes('dual-sqlite-backup')), [], 'leftovers of killed backups are swept');
    console.log(`  [${driver}] backup kills: ${outcomes.join(', ')} (full run ${full.ms.toFixed(0)} ms, start-up ${startup.ms.toFixed(0)} ms)`);
  });
});

