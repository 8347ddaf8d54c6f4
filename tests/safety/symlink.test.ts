// One file, two paths. A symlinked path must not split the lock, journal and claim names: the
// drivers open the real path and the guard keys claims on it, so a process opening through a
// symlink and one opening through the real path lock each other out correctly, and a mixed
// protocol is refused across the two paths too.
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { matrix, otherProtocolDriver } from '../helpers/matrix.js';
import { tmpDir } from '../helpers/tmp.js';
import { openDatabase } from '../../core/index.js';
import { MixedLockingError } from '../../core/guard/index.js';
import { LEDGER_DDL, dsnFor, runSql, spawnChild, verifyLedger, killAllChildren } from '../torture/harness.js';

function twoPaths(): { real: string; link: string } {
  const realDir = tmpDir();
  const linkDir = tmpDir();
  const real = join(realDir, 'data.db');
  const link = join(linkDir, 'alias.db');
  symlinkSync(real, link);
  return { real, link };
}

matrix('one file through a symlink and through its real path', (test, driver) => {
  test.after(killAllChildren);
  test(`${driver} via the symlink and wasm via the real path write safely together`, async () => {
    const { real, link } = twoPaths();
    await runSql(real, 'wasm', LEDGER_DDL);
    const per = 120;
    const viaLink = spawnChild({ role: 'writer', dsn: dsnFor(link, driver, { dotfile: true }), driver, writer: 'link', count: per, waitGo: true });
    await viaLink.waitFor(/^ready/);
    const viaReal = spawnChild({ role: 'writer', dsn: real, driver: 'wasm', writer: 'real', count: per, waitGo: true });
    await viaReal.waitFor(/^ready/);
    viaLink.send('go');
    viaReal.send('go');
    await Promise.all([viaLink.waitFor(/^done/, 120_000), viaReal.waitFor(/^done/, 120_000)]);
    const v = await verifyLedger(real, 'wasm', true, new Map([['link', per], ['real', per]]));
    assert.equal(v.problems, []);
    assert.is(v.commitsChecked, 2 * per);
    // Nothing was ever named after the symlink: no lock, journal or claims folder beside it.
    assert.equal(readdirSync(join(link, '..')), ['alias.db']);
    assert.ok(existsSync(`${real}.dual-sqlite-claims`));
  });

  test(`native/node with POSIX locks via one path and wasm via the other is refused (${driver} first)`, async () => {
    const { real, link } = twoPaths();
    await runSql(real, 'wasm', LEDGER_DDL);
    // The first opener uses the symlink; the second the real path, on the other protocol.
    const firstDriver = driver;
    const secondDriver = otherProtocolDriver(driver);
    const first = spawnChild({ role: 'idle', dsn: link, driver: firstDriver });
    await first.waitFor(/^ready/);
    try {
      await openDatabase(real, { driver: secondDriver });
      assert.unreachable('mixed protocols through two paths must be refused');
    } catch (err) {
      assert.instance(err, MixedLockingError);
      assert.is((err as MixedLockingError).code, 'MIXED_LOCKING');
      assert.is((err as MixedLockingError).other.pid, first.pid);
    }
    await first.kill();
  });
});
