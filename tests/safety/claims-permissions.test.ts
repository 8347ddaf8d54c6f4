// The mixed-lock guard must not be bypassed by file permissions. A process that may write the
// database but cannot write its claim (a claims folder another user made) would be invisible to a
// later process using the other lock protocol, and the two would mix protocols: the corruption
// the guard exists to prevent. Real users (root and uid 65534 in a child process), real folders.
import * as assert from 'uvu/assert';
import { chmodSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { matrix, otherProtocolDriver } from '../helpers/matrix.js';
import { tmpDir } from '../helpers/tmp.js';
import { OTHER_GID, OTHER_UID, rootSkipReason } from '../helpers/fs-places.js';
import { openDatabase } from '../../core/index.js';
import { claimsDirOf } from '../../core/guard/index.js';
import { killAllChildren, runSql, spawnChild } from '../torture/harness.js';
import type { DriverName } from '../../drivers/types.js';

const skip = rootSkipReason();
if (skip) console.log(`claims permission tests are skipped: ${skip}`);
const nobody = { uid: OTHER_UID, gid: OTHER_GID };

/**
 * A world-writable folder (like /tmp without the sticky bit) holding root's database `s.db`, made
 * `mode` after its first open (which left root's claims folder, 0755 under umask 022, beside it).
 */
async function sharedDb(mode: number): Promise<string> {
  const dir = tmpDir();
  chmodSync(dir, 0o777);
  const file = join(dir, 's.db');
  await runSql(file, 'native', 'create table t(a)');
  chmodSync(claimsDirOf(file), 0o755);
  chmodSync(file, mode);
  return file;
}

/** Opens `file` on `driver` in this (root) process; the error if refused, else null. */
async function rootOpen(file: string, driver: DriverName): Promise<{ code?: string; message: string } | null> {
  try {
    const db = await openDatabase(file, { driver });
    await db.execute('select count(*) from t');
    await db.close();
    return null;
  } catch (e) {
    return e as { code?: string; message: string };
  }
}

matrix('claims and file permissions', (test, driver: DriverName) => {
  if (skip) return;
  test.after(killAllChildren);
  const other = otherProtocolDriver(driver);

  test(`another user's claims folder: a writer that cannot announce itself fails, nothing mixes [${driver}]`, async () => {
    const file = await sharedDb(0o666);
    const claims = claimsDirOf(file);
    const child = spawnChild({ role: 'idle', dsn: file, driver }, undefined, nobody);
    const line = await child.waitFor(/^(ready|error)/);
    const refused = await rootOpen(file, other);
    await child.kill();
    // Before the fix the child opened without a claim and root's other-protocol open succeeded.
    assert.ok(line.startsWith('error') || refused?.code === 'MIXED_LOCKING', `mixed: child "${line}", root ${JSON.stringify(refused)}`);
    assert.match(line, /^error SIDE_FILE_ERROR /);
    assert.match(line, claims);
    assert.match(line, /EACCES/);
    assert.match(line, /belongs to uid 0 \(mode 0755\)/);
    assert.match(line, new RegExp(`runs as uid ${OTHER_UID}`));
    assert.match(line, /chmod 1777/);
  });

  test(`the claims folder is shared like the database: a 0666 file lets every user announce itself [${driver}]`, async () => {
    const file = await sharedDb(0o666);
    const holder = await openDatabase(file, { driver }); // root, the folder's owner, opens it again
    const mode = statSync(claimsDirOf(file)).mode & 0o777;
    assert.is(mode & 0o007, 0o007, `folder mode ${mode.toString(8)}`);
    const child = spawnChild({ role: 'idle', dsn: file, driver }, undefined, nobody);
    assert.match(await child.waitFor(/^(ready|error)/), /^ready/);
    await holder.close();
    const refused = await rootOpen(file, other);
    await child.kill();
    assert.is(refused?.code, 'MIXED_LOCKING', JSON.stringify(refused));
  });

  test(`a user who cannot write the database still reads it without a claim (mode=ro) [${driver}]`, async () => {
    const file = await sharedDb(0o644);
    const child = spawnChild({ role: 'idle', dsn: `file:${file}?mode=ro`, driver }, undefined, nobody);
    assert.match(await child.waitFor(/^(ready|error)/), /^ready/);
    await child.kill();
  });
});
