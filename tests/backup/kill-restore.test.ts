// SIGKILL of the backup and of the restore process at random points (real CLI processes).
// Backup: the source is never damaged and nothing is ever left at the destination unless the copy
// was verified. Restore: the next open is refused (RESTORE_PENDING) until recovery, which always
// yields the whole old or the whole new database, never a mix. Kill times are drawn from the
// duration of an uninterrupted run measured in the same test (so load cannot break the spread).
import * as assert from 'uvu/assert';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase, recoverRestore } from '../../index.js';
import { matrix } from '../helpers/matrix.js';
import { tmpDir } from '../helpers/tmp.js';
import { contents, fill, killTime, ROUNDS, ROWS, runCli } from './kill-helpers.js';

matrix('restore: SIGKILL at random points', (test, driver) => {
  test('the next open is refused until recovery, which yields the whole old or the whole new database', async () => {
    const dir = tmpDir();
    const backup = join(dir, 'backup.db');
    await fill(backup, driver, 'new');
    const startup = await runCli(['help', 'restore']);
    const full = await runCli(['restore', backup, join(dir, 'calibrate.db'), '--driver', driver]);
    assert.is(full.code, 0, full.out);
    const outcomes: string[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const live = join(dir, `live${i}.db`);
      await fill(live, driver, 'old');
      const r = await runCli(['restore', backup, live, '--driver', driver], killTime(startup.ms, full.ms));
      let recovered = 'none';
      try {
        await (await openDatabase(live, { driver })).close();
      } catch (error) {
        assert.is((error as { code?: string }).code, 'RESTORE_PENDING', String(error));
        assert.match(String((error as Error).message), /interrupted/);
        recovered = await recoverRestore(live, { driver });
      }
      const after = await contents(live, driver);
      assert.is(after.integrity, 'ok');
      assert.ok(after.labels.length === 1 && after.rows === ROWS, `a mix: ${JSON.stringify(after)}`);
      if (!r.killed) {
        assert.is(r.code, 0, r.out);
        assert.equal(after.labels, ['new']);
      }
      assert.equal(readdirSync(dir).filter((n) => n.startsWith(`.live${i}.db`) || n.endsWith('.dual-sqlite-restore')), []);
      outcomes.push(`${r.killed ? 'killed' : 'finished'}/${recovered}/${after.labels[0]}`);
    }
    console.log(`  [${driver}] restore kills (outcome/recovery/content): ${outcomes.join(', ')} (full run ${full.ms.toFixed(0)} ms, start-up ${startup.ms.toFixed(0)} ms)`);
  });
});
