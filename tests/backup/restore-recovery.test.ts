// Restore recovery after a crash at each step of the swap, on real files, from a child process
// that leaves exactly that state and exits (so the marker's owner is dead).
import * as assert from 'uvu/assert';
import { readdirSync } from 'node:fs';
import { openDatabase, recoverRestore } from '../../index.js';
import { matrix } from '../helpers/matrix.js';
import { failure, labels, makePair } from './restore-helpers.js';

matrix('restore: recovery after a crash at each step', (test, driver) => {
  const cases: [string, 'marked' | 'aside' | 'swapped', string, string][] = [
    ['marker written, nothing moved', 'marked', 'rolled-back', 'old'],
    ['database moved aside, copy not renamed', 'aside', 'rolled-back', 'old'],
    ['copy renamed into place, marker still there', 'swapped', 'completed', 'new'],
  ];
  for (const [name, step, outcome, content] of cases) {
    test(`${name}: opens are refused (RESTORE_PENDING, dead pid), recovery gives the ${content} database`, async () => {
      const { live, backup, dir } = await makePair((p) => p, driver);
      const { spawnSync } = await import('node:child_process');
      const fixture = new URL('./fixtures/crash-mid-restore.ts', import.meta.url).pathname;
      const child = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), fixture, live, backup, step], { encoding: 'utf8' });
      assert.is(child.status, 0, child.stderr);
      const error = await failure(openDatabase(live, { driver }));
      assert.is(error.code, 'RESTORE_PENDING');
      assert.is(error.pid, child.pid);
      assert.is(error.running, false);
      assert.match(error.message, /interrupted.*--recover/);
      assert.is(await recoverRestore(live, { driver }), outcome);
      assert.equal(await labels(live, driver), [content]);
      assert.equal(readdirSync(dir).filter((n) => n.startsWith('.') || n.endsWith('.dual-sqlite-restore')), []);
      assert.is(await recoverRestore(live, { driver }), 'none');
    });
  }
});
