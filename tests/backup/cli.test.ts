// `dual-sqlite backup` and `restore`: exit codes, --json, the printed hold time. One real CLI
// process per driver proves the wiring; the rest runs the same `main()` in this process (the kill
// tests run the real CLI many times already, and each process start costs seconds under load).
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../../index.js';
import { main } from '../../cli/main.js';
import type { CliIo } from '../../cli/io.js';
import { both, cli } from '../cli/run-cli.js';
import { matrix } from '../helpers/matrix.js';
import { tmpDir } from '../helpers/tmp.js';
import { Writer } from './support.js';

/** Runs `main()` in this process with captured streams. */
async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const stream = (onWrite: (s: string) => void) => ({ isTTY: false, write: (s: string) => (onWrite(String(s)), true) }) as unknown as NodeJS.WriteStream;
  const io: CliIo = { stdout: stream((s) => (stdout += s)), stderr: stream((s) => (stderr += s)), env: process.env, cwd: process.cwd() };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

const show = (r: { code: number; stdout: string; stderr: string }): string => `exit ${r.code}\n${r.stdout}\n${r.stderr}`;

matrix('cli: backup and restore', (test, driver) => {
  test('backup prints the verified copy and the writers hold time; --json carries the result; exit 0', async () => {
    const dir = tmpDir();
    const db = await openDatabase(join(dir, 'a.db'), { driver });
    await db.execute('create table t (x)');
    await db.close();
    const text = await run(['backup', join(dir, 'a.db'), join(dir, 'b.db'), '--driver', driver]);
    assert.is(text.code, 0, show(text));
    assert.match(text.stdout, /b\.db verified \(\d+ pages of \d+ bytes, [\d.]+ MB, integrity_check ok\)/);
    assert.match(text.stdout, /writers in other processes held up to \d+ ms/);
    const json = cli(['backup', join(dir, 'a.db'), join(dir, 'c.db'), '--driver', driver, '--json']);
    assert.is(json.code, 0, both(json));
    const r = JSON.parse(json.stdout) as Record<string, unknown>;
    assert.is(r.ok, true);
    assert.is(r.integrity, 'ok');
    assert.is(r.driver, driver);
    assert.type(r.writersHeldMs, 'number');
  });

  test('an existing destination: exit 1, coded JSON error, the file untouched; a missing source is not created', async () => {
    const dir = tmpDir();
    const db = await openDatabase(join(dir, 'a.db'), { driver });
    await db.execute('create table t (x)');
    await db.close();
    writeFileSync(join(dir, 'b.db'), 'mine');
    const r = await run(['backup', join(dir, 'a.db'), join(dir, 'b.db'), '--driver', driver, '--json']);
    assert.is(r.code, 1, show(r));
    assert.is((JSON.parse(r.stdout) as { code: string }).code, 'BACKUP_DEST_EXISTS');
    assert.match(r.stderr, /BACKUP_DEST_EXISTS/);
    assert.is(readFileSync(join(dir, 'b.db'), 'utf8'), 'mine');
    const missing = await run(['backup', join(dir, 'typo.db'), join(dir, 'c.db'), '--driver', driver]);
    assert.is(missing.code, 1, show(missing));
    assert.match(missing.stderr, /DATABASE_NOT_FOUND.*typo\.db/);
    assert.not.ok(existsSync(join(dir, 'typo.db')));
  });

  test('bad arguments: exit 2', async () => {
    assert.is((await run(['backup', 'only-one.db'])).code, 2);
    assert.is((await run(['restore', '--recover'])).code, 2);
    assert.is((await run(['backup', 'a.db', 'b.db', '--bogus'])).code, 2);
  });

  test('restore into a path where no database existed says nothing was replaced (with and without --keep-old)', async () => {
    const dir = tmpDir();
    const db = await openDatabase(join(dir, 'a.db'), { driver });
    await db.execute('create table t (x)');
    await db.close();
    assert.is((await run(['backup', join(dir, 'a.db'), join(dir, 'bk.db'), '--driver', driver])).code, 0);
    const cases = [
      { name: 'plain.db', flags: [] as string[] },
      { name: 'kept.db', flags: ['--keep-old'] },
    ];
    for (const c of cases) {
      const r = await run(['restore', join(dir, 'bk.db'), join(dir, c.name), '--driver', driver, ...c.flags]);
      assert.is(r.code, 0, show(r));
      assert.match(r.stdout, /no database existed at this path: .*nothing was replaced/, c.name);
      assert.not.match(r.stdout, /replaced files (were deleted|are kept)/, c.name);
      const json = await run(['restore', join(dir, 'bk.db'), join(dir, `j-${c.name}`), '--driver', driver, '--json', ...c.flags]);
      const body = JSON.parse(json.stdout) as { replaced: string[]; keptOld: string | null };
      assert.equal([body.replaced, body.keptOld], [[], null], c.name);
    }
    assert.equal(readdirSync(dir).filter((n) => n.includes('before-restore')), [], 'no empty folder of "old" files is kept');
  });

  test('restore refused while a process holds the database: exit 1 naming its pid; then restore and --recover', async () => {
    const dir = tmpDir();
    const live = join(dir, 'live.db');
    const db = await openDatabase(live, { driver });
    await db.execute('create table t (x)');
    await db.close();
    assert.is((await run(['backup', live, join(dir, 'bk.db'), '--driver', driver])).code, 0);
    const holder = new Writer(live, driver, 'h', 'hold');
    try {
      await holder.until(1);
      const r = await run(['restore', join(dir, 'bk.db'), live, '--driver', driver, '--json']);
      assert.is(r.code, 1, show(r));
      const body = JSON.parse(r.stdout) as { code: string; holders: { pid: number }[] };
      assert.is(body.code, 'RESTORE_DATABASE_IN_USE');
      assert.equal(body.holders.map((h) => h.pid), [holder.child.pid]);
    } finally {
      await holder.kill();
    }
    const ok = await run(['restore', join(dir, 'bk.db'), live, '--driver', driver]);
    assert.is(ok.code, 0, show(ok));
    assert.match(ok.stdout, /restored from .*bk\.db .*integrity_check ok in place/);
    const recover = await run(['restore', '--recover', live, '--driver', driver]);
    assert.is(recover.code, 0, show(recover));
    assert.match(recover.stdout, /no interrupted restore/);
    assert.ok(existsSync(live));
  });
});
