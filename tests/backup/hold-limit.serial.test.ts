// The documented limit of VACUUM INTO (docs/scaling.md): in rollback-journal mode and with
// dot-file locking, a writer in another process waits for the whole copy, so a writer whose busy
// timeout is shorter than the copy meets SQLITE_BUSY (a clean, coded, retryable error; the backup
// is still sound). In WAL mode the same writer is never held up. Serial: it measures a window.
import * as assert from 'uvu/assert';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { backupDatabase, openDatabase } from '../../index.js';
import type { DriverName } from '../../drivers/types.js';
import { matrix } from '../helpers/matrix.js';
import { tmpDir } from '../helpers/tmp.js';
import { Writer } from './support.js';

/** ~24 MB of rows: a copy long enough for a writer to try many times while it runs. */
async function bigDatabase(dsn: string, driver: DriverName): Promise<void> {
  const db = await openDatabase(dsn, { driver });
  try {
    await db.execute('create table a (writer text, seq integer, pad text, primary key (writer, seq))');
    await db.execute('create table b (writer text, seq integer, primary key (writer, seq))');
    await db.execute('create table bulk (x text)');
    await db.execute("insert into bulk select printf('%.1000c', 'z') from (with recursive n(i) as (select 1 union all select i + 1 from n where i < 24000) select i from n)");
  } finally {
    await db.close();
  }
}

matrix('backup: writers held up by the copy (the documented limit)', (test, driver) => {
  const cases = driver !== 'wasm' ? [['rollback journal', ''], ['WAL', '&_journal=wal']] : [['dot-file lock', '']];
  for (const [name, extra] of cases) {
    test(`${name}: a writer with _busy_timeout=1 ${name === 'WAL' ? 'is never held up' : 'meets SQLITE_BUSY while the copy runs'}`, async () => {
      const dir = tmpDir();
      const out = join(dir, 'out');
      mkdirSync(out);
      const path = join(dir, 'live.db');
      const dsn = extra ? `${path}?${extra.slice(1)}` : path;
      await bigDatabase(dsn, driver);
      const writer = new Writer(`${path}?_busy_timeout=1${extra}`, driver, 'w', 'write', out);
      let report;
      let result;
      try {
        await writer.until(5);
        result = await backupDatabase(dsn, join(out, 'copy.db'), { driver });
        const after = writer.acked;
        await writer.until(after + 3); // it commits again once the copy is done
      } finally {
        report = await writer.stop();
      }
      console.log(
        `  [${driver}] ${name}: copy ${result!.copyMs.toFixed(0)} ms, writers held ${result!.writersHeldMs.toFixed(0)} ms; ` +
          `writer attempts during the copy ${report.attemptsInWindow}, SQLITE_BUSY ${report.busyInWindow}`,
      );
      assert.is(report.otherErrors, 0, writer.stderr);
      assert.is(result!.integrity, 'ok');
      if (name === 'WAL') {
        assert.is(result!.writersHeldMs, 0);
        assert.ok(report.attemptsInWindow > 0, 'the writer must have tried while the copy ran');
        assert.is(report.busy, 0, writer.stderr);
      } else {
        assert.ok(report.busyInWindow > 0, `no SQLITE_BUSY in ${report.attemptsInWindow} attempts during a ${result!.copyMs.toFixed(0)} ms copy`);
      }
    });
  }
});
