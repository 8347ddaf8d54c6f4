// A restore into a database on a full disk (a real 1 MB tmpfs, filled to leave 0, 1, 2, ... free
// pages until the restore fits): every failure is BACKUP_IO naming its step, the old database is
// whole and opens, and nothing of the restore is left beside it (a marker that could not be
// written left an empty scratch file, which nothing removed while no restore was pending).
import * as assert from 'uvu/assert';
import { mkdirSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase, recoverRestore, restoreDatabase } from '../../index.js';
import { matrix } from '../helpers/matrix.js';
import { tmpDir } from '../helpers/tmp.js';
import { rootSkipReason, withTmpfs } from '../helpers/fs-places.js';
import { labels } from './restore-helpers.js';

const skip = rootSkipReason();
if (skip) console.log(`restore disk-full tests are skipped: ${skip}`);
const PAGE = 4096;
/** More free pages than any restore of the small backup below needs. */
const MAX_FREE_PAGES = 64;

matrix('restore: disk full at each step', (test, driver) => {
  if (skip) return;
  test('each failure is BACKUP_IO, the old database stays whole, nothing is left; with room it completes', async () => {
    const backup = join(tmpDir(), 'backup.db');
    const source = await openDatabase(join(tmpDir(), 'new.db'), { driver });
    await source.execute('create table t (label text, pad text)');
    for (let i = 0; i < 20; i++) await source.execute("insert into t values ('new', ?)", ['p'.repeat(500)]);
    await source.backup(backup);
    await source.close();
    const steps: string[] = [];
    await withTmpfs('1m', async (mnt) => {
      for (let free = 0; free <= MAX_FREE_PAGES; free++) {
        for (const name of readdirSync(mnt)) rmSync(join(mnt, name), { recursive: true, force: true });
        const dir = join(mnt, 'db');
        mkdirSync(dir);
        const live = join(dir, 'live.db');
        const old = await openDatabase(live, { driver });
        await old.execute('create table t (label text, pad text)');
        await old.execute("insert into t values ('old', '')");
        await old.close();
        const room = statfsSync(mnt);
        writeFileSync(join(mnt, 'filler'), Buffer.alloc(Math.max(0, room.bavail * room.bsize - free * PAGE)));
        const error = await restoreDatabase(backup, live, { driver }).then(() => null, (e: unknown) => e as { code?: string; message: string });
        rmSync(join(mnt, 'filler'));
        if (error) {
          assert.is(error.code, 'BACKUP_IO', `${free} free pages: ${String(error.message)}`);
          steps.push(/^(.*?) failed for/.exec(error.message)?.[1] ?? error.message);
        }
        assert.equal(readdirSync(dir).filter((n) => n !== 'live.db' && n !== 'live.db.dual-sqlite-claims'), [], `${free} free pages`);
        assert.is(await recoverRestore(live, { driver }), 'none');
        assert.equal([...new Set(await labels(live, driver))], [error ? 'old' : 'new']);
        if (!error) break;
      }
    });
    assert.ok(steps.length > 0 && steps.length < MAX_FREE_PAGES, `failed steps: ${steps.join('; ')}`);
    assert.ok(steps.includes('writing the restore marker'), `failed steps: ${steps.join('; ')}`);
  });
});
