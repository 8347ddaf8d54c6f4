// Restore refuses while a program that does NOT use this library has the database open (the
// sqlite3 shell, another library): it leaves no claim, and an idle connection holds no SQLite
// lock, so the kernel's table of open files (/proc/<pid>/fd) is what shows it. A fresh-user review
// found restore swapping the file under a raw better-sqlite3 process (its COMMIT then failed with
// SQLITE_IOERR_DELETE_NOENT; an idle one would have kept writing to the deleted old file).
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { matrix } from '../helpers/matrix.js';
import { nodeArgs } from '../helpers/entry.js';
import { runCli } from './kill-helpers.js';
import { labels, makePair } from './restore-helpers.js';

const holder = new URL('./fixtures/raw-holder.ts', import.meta.url);

async function hold(path: string, driver: string, mode: 'idle' | 'tx'): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...nodeArgs(holder), path, driver, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  while (!out.includes('ready')) {
    const [exited] = await Promise.race([once(child.stdout!, 'data'), once(child, 'exit').then(() => ['exit'])]);
    if (exited === 'exit') throw new Error(`raw holder exited: ${out}`);
  }
  return child;
}

matrix('restore: a program outside this library has the database open', (test, driver) => {
  for (const mode of ['idle', 'tx'] as const) {
    test(`${mode === 'idle' ? 'an idle connection' : 'an open write transaction'}: RESTORE_DATABASE_IN_USE names its pid and program; nothing changes; after it exits the restore runs`, async () => {
      const { live, backup } = await makePair((p) => p, driver);
      const child = await hold(live, driver, mode);
      try {
        const refused = await runCli(['restore', backup, live, '--driver', driver, '--json']);
        assert.is(refused.code, 1, refused.out);
        const json = refused.out.slice(refused.out.indexOf('{'), refused.out.indexOf('\n}') + 2);
        const error = JSON.parse(json) as { code: string; message: string };
        assert.is(error.code, 'RESTORE_DATABASE_IN_USE', refused.out);
        assert.match(error.message, new RegExp(`pid ${child.pid} \\([^)]*opened without this library\\)`));
      } finally {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
      // A raw wasm process killed inside its transaction leaves its dot-file lock, which no claim
      // proves stale: the library's error says to remove it once no program uses the file (done here).
      if (driver === 'wasm' && mode === 'tx') rmSync(`${live}.lock`, { recursive: true, force: true });
      // a killed raw transaction leaves a hot journal: the next open rolls it back, so 'raw' never appears
      assert.equal(await labels(live, driver), ['old']);
      const done = await runCli(['restore', backup, live, '--driver', driver]);
      assert.is(done.code, 0, done.out);
      assert.equal(await labels(live, driver), ['new']);
    });
  }
});
