// Stale dot-file locks: a `<db>.lock` left by a process that died (SIGKILL in a transaction, exit
// without close, a worker thread terminated mid-transaction) is cleared within the busy timeout
// and SQLite rolls back the dead transaction; a live holder's lock, and a lock held by a program
// that writes no claims, are never cleared. Native runs with vfs=unix-dotfile (the protocol wasm
// always uses); real processes, real SIGKILL.
import * as assert from 'uvu/assert';
import { existsSync, lstatSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { matrix } from '../helpers/matrix.js';
import { tmpDbPath } from '../helpers/tmp.js';
import { openDatabase } from '../../core/index.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { claimsDirOf } from '../../core/guard/index.js';
import { readClaims } from '../../core/guard/claims.js';
import { WORKER_ENTRY } from '../torture/child.js';
import { LEDGER_DDL, dsnFor, runSql, spawnChild, killAllChildren } from '../torture/harness.js';
import type { DriverName } from '../../drivers/types.js';

async function freshLedger(driver: DriverName, extra?: string): Promise<{ file: string; dsn: string }> {
  const file = tmpDbPath();
  const dsn = dsnFor(file, driver, { dotfile: true, extra });
  await runSql(dsn, driver, LEDGER_DDL);
  return { file, dsn };
}

async function rowsOf(dsn: string, driver: DriverName): Promise<Record<string, unknown>[]> {
  return runSql(dsn, driver, 'select writer, seq, leg from ledger order by writer');
}

matrix('stale dot-file lock', (test, driver) => {
  test.after(killAllChildren);
  test('SIGKILL inside a transaction: an open waiter clears the lock, the dead transaction is rolled back', async () => {
    const { file, dsn } = await freshLedger(driver);
    const db = await openDatabase(dsn, { driver });
    const holder = spawnChild({ role: 'hold', dsn, driver });
    await holder.waitFor(/^holding/);
    await holder.kill();
    assert.ok(existsSync(`${file}.lock`), 'the killed holder left its lock behind');
    await db.execute("insert into ledger values ('after', 1, 1, 0)");
    assert.not.ok(existsSync(`${file}.lock`), 'no lock left between statements');
    assert.equal((await db.execute('pragma integrity_check')).rows, [{ integrity_check: 'ok' }]);
    await db.close();
    assert.equal(await rowsOf(dsn, driver), [{ writer: 'after', seq: 1, leg: 1 }]);
  });

  test('SIGKILL inside a transaction: a process opening afterwards clears the lock within its busy timeout', async () => {
    const { file, dsn } = await freshLedger(driver);
    const holder = spawnChild({ role: 'hold', dsn, driver });
    await holder.waitFor(/^holding/);
    await holder.kill();
    assert.ok(existsSync(`${file}.lock`) && existsSync(`${file}-journal`), 'lock and hot journal left behind');
    // Opening runs SQL (the settings pragmas), so the open itself meets the stale lock.
    const db = await openDatabase(dsnFor(file, driver, { dotfile: true, extra: '_busy_timeout=20000' }), { driver });
    await db.execute("insert into ledger values ('after', 1, 1, 0)");
    await db.close();
    assert.not.ok(existsSync(`${file}-journal`), 'the hot journal was rolled back');
    assert.equal(await rowsOf(dsn, driver), [{ writer: 'after', seq: 1, leg: 1 }]);
  });

  test('exit without close inside a transaction: the lock is cleared, the transaction rolled back', async () => {
    const { file, dsn } = await freshLedger(driver);
    const db = await openDatabase(dsn, { driver });
    const quitter = spawnChild({ role: 'exit-in-tx', dsn, driver });
    await quitter.waitFor(/^exiting/);
    assert.is(await quitter.closed, 0);
    assert.ok(existsSync(`${file}.lock`), 'process.exit() inside a transaction left the lock');
    await db.execute("insert into ledger values ('after', 1, 1, 0)");
    await db.close();
    assert.equal(await rowsOf(dsn, driver), [{ writer: 'after', seq: 1, leg: 1 }]);
  });

  test('a worker thread terminated inside a transaction does not lock its own process out', async () => {
    const { file, dsn } = await freshLedger(driver);
    const worker = new Worker(WORKER_ENTRY, {
      workerData: { role: { role: 'hold', dsn, driver } },
    });
    await new Promise<void>((resolve, reject) => {
      worker.on('message', (m: string) => (m.startsWith('holding') ? resolve() : reject(new Error(m))));
      worker.on('error', reject);
    });
    await worker.terminate();
    const db = await openDatabase(dsn, { driver });
    await db.execute("insert into ledger values ('after', 1, 1, 0)");
    await db.close();
    assert.not.ok(existsSync(`${file}.lock`));
    assert.equal(await rowsOf(dsn, driver), [{ writer: 'after', seq: 1, leg: 1 }]);
  });

  test('a live holder keeps its lock: the waiter times out with SQLITE_BUSY, the holder still commits', async () => {
    const { file, dsn } = await freshLedger(driver);
    const waiterDsn = dsnFor(file, driver, { dotfile: true, extra: '_busy_timeout=2500' });
    const db = await openDatabase(waiterDsn, { driver });
    const holder = spawnChild({ role: 'hold', dsn, driver });
    await holder.waitFor(/^holding/);
    const lockBefore = lstatSync(`${file}.lock`).ino;
    try {
      await db.execute("insert into ledger values ('waiter', 1, 1, 0)");
      assert.unreachable('the waiter must not get the lock of a live holder');
    } catch (err) {
      assert.is((err as { code?: string }).code, 'SQLITE_BUSY');
      assert.match((err as Error).message, /locked/);
    }
    assert.is(lstatSync(`${file}.lock`).ino, lockBefore, 'the live lock is the same directory');
    holder.send('commit');
    await holder.waitFor(/^committed/);
    await db.execute("insert into ledger values ('waiter', 1, 1, 0)");
    await db.close();
    assert.equal((await rowsOf(dsn, driver)).map((r) => r.writer), ['hold-' + holder.pid, 'waiter']);
  });

  test('a lock held by a program that writes no claims (raw wasm) is never cleared', async () => {
    const { file, dsn } = await freshLedger(driver);
    const db = await openDatabase(dsnFor(file, driver, { dotfile: true, extra: '_busy_timeout=2000' }), { driver });
    const foreign = spawnChild({ role: 'raw-wasm-hold', file });
    await foreign.waitFor(/^holding/);
    // A library process killed while it was waiting behind the foreign lock: its claim says
    // "busy" but was written after the lock was made, so it is no evidence against the lock.
    const dead = spawnChild({ role: 'claim', file, driver, lockProtocol: 'dotfile', busy: true });
    await dead.waitFor(/^ready/);
    await dead.kill();
    const lockBefore = lstatSync(`${file}.lock`).ino;
    try {
      await db.execute("insert into ledger values ('waiter', 1, 1, 0)");
      assert.unreachable('a foreign live lock must not be cleared');
    } catch (err) {
      assert.is((err as { code?: string }).code, 'SQLITE_BUSY');
    }
    assert.is(lstatSync(`${file}.lock`).ino, lockBefore);
    await foreign.kill();
    await db.close();
  });

  test('a live holder in locking_mode=exclusive keeps the lock it holds between statements', async () => {
    const { file, dsn } = await freshLedger(driver);
    // Evidence that would clear any lock made after it: a library process killed while it was
    // waiting (busy mark set) behind a live holder, whose lock is then released normally.
    const live = spawnChild({ role: 'hold', dsn, driver });
    await live.waitFor(/^holding/);
    const dead = spawnChild({ role: 'claim', file, driver, lockProtocol: 'dotfile', busy: true });
    await dead.waitFor(/^ready/);
    await dead.kill();
    // The exclusive-mode opener queues behind the live holder, then keeps the lock while idle.
    const holder = spawnChild({ role: 'idle', dsn: dsnFor(file, driver, { dotfile: true, extra: '_locking_mode=exclusive' }), driver });
    while (!readClaims(claimsDirOf(file)).some((c) => c.state.kind === 'waiting')) await sleep(20);
    live.send('commit');
    await live.waitFor(/^committed/);
    await holder.waitFor(/^ready/);
    assert.ok(existsSync(`${file}.lock`), 'exclusive mode keeps the lock after the statement');
    const lockBefore = lstatSync(`${file}.lock`).ino;
    const db = await openDatabase(dsnFor(file, driver, { dotfile: true, extra: '_busy_timeout=2000' }), { driver }).catch((e) => e);
    if (db instanceof Error) {
      assert.is((db as { code?: string }).code, 'SQLITE_BUSY'); // the open itself met the lock
    } else {
      try {
        await db.execute("insert into ledger values ('waiter', 1, 1, 0)");
        assert.unreachable('the exclusive holder is alive');
      } catch (err) {
        assert.is((err as { code?: string }).code, 'SQLITE_BUSY');
      }
      await db.close();
    }
    assert.is(lstatSync(`${file}.lock`).ino, lockBefore);
    await holder.kill();
  });

  test('the claims folder is left clean after a normal close', async () => {
    const { file, dsn } = await freshLedger(driver);
    const db = await openDatabase(dsn, { driver });
    await db.execute('select 1');
    await db.close();
    const { readdirSync } = await import('node:fs');
    assert.equal(readdirSync(claimsDirOf(file)), []);
  });
});
