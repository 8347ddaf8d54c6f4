// SIGKILL of the backup and of the restore process at random points (real CLI processes).
// Backup: the source is never damaged and nothing is ever left at the destination unless the copy
// was verified. Restore: the next open is refused (RESTORE_PENDING) until recovery, which always
// yields the whole old or the whole new database, never a mix. Kill times are drawn from the
// duration of an uninterrupted run measured in the same test (so load cannot break the spread).
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase, recoverRestore, verifyBackup } from '../../index.js';
import type { DriverName } from '../../drivers/types.js';
import { matrix } from '../helpers/matrix.js';
import { tmpDir } from '../helpers/tmp.js';
import { root, tsx } from '../cli/run-cli.js';

const ROUNDS = 6;
const ROWS = 16000;

/**
 * A kill time: uniform over the part of an uninterrupted run after the CLI has started (its
 * start-up, measured with "help", dominates under load and would take most of the kills).
 */
function killTime(startupMs: number, fullMs: number): number {
  const work = Math.max(fullMs - startupMs, 50);
  return Math.random() < 0.2 ? Math.random() * fullMs : startupMs + Math.random() * work;
}

/** Runs the CLI; with `killAfterMs` it is SIGKILLed then (unless it ended first). */
function runCli(args: string[], killAfterMs?: number): Promise<{ code: number | null; killed: boolean; ms: number; out: string }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', tsx, join(root, 'cli/main.ts'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    let killed = false;
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => ((killed = true), child.kill('SIGKILL')), killAfterMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, killed: killed && code === null, ms: performance.now() - started, out });
    });
  });
}

async function fill(path: string, driver: DriverName, label: string): Promise<void> {
  const db = await openDatabase(path, { driver });
  await db.execute('create table if not exists t (label text, pad text)');
  await db.execute('begin');
  for (let i = 0; i < ROWS; i++) await db.execute('insert into t values (?, ?)', [label, 'p'.repeat(600)]);
  await db.execute('commit');
  await db.close();
}

async function contents(path: string, driver: DriverName): Promise<{ labels: string[]; rows: number; integrity: string }> {
  const db = await openDatabase(path, { driver });
  try {
    const labels = (await db.execute('select distinct label from t order by 1')).rows.map((r) => String(r.label));
    const rows = Number((await db.execute('select count(*) as n from t')).rows[0]!.n);
    const integrity = (await db.execute('pragma integrity_check')).rows.map((r) => String(Object.values(r)[0])).join('; ');
    await db.execute("insert into t values ('probe', '')");
    await db.execute("delete from t where label = 'probe'");
    return { labels, rows, integrity };
  } finally {
    await db.close();
  }
}

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
        if (existsSync(dest)) assert.is(verifyBackup(dest, driver).integrity, 'ok', 'a file at dest after a kill must be the verified copy');
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
