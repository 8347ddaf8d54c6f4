/** Backup on real files while real writer processes commit, on every lock protocol of each driver. */
import * as assert from 'uvu/assert';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { backupDatabase, type BackupResult } from '../../index.js';
import { matrix } from '../helpers/matrix.js';
import { tmpDir } from '../helpers/tmp.js';
import { checkCopy, createSchema, protocolsOf, Writer } from './support.js';

/**
 * Defines the suite for the protocols `pick` keeps (two files share it, so each stays well inside
 * the runner's per-file time limit on a loaded machine).
 */
export function backupWhileWriting(title: string, pick: (name: string) => boolean): void {
  matrix(`backup: consistent copy while two writer processes commit (${title})`, (test, driver) => {
    for (const protocol of protocolsOf(driver).filter((p) => pick(p.name))) {
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
}
