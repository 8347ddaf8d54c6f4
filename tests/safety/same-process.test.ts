// Two copies of SQLite in one process on one file (better-sqlite3's and Node's built-in): POSIX
// locks belong to the process, so when one copy closes its descriptor the kernel drops the other
// copy's locks (SQLite's "How To Corrupt", multiple copies of SQLite). Within one thread the
// registry routes a second open to the connection already there (or refuses an explicit other
// driver); across worker threads the guard refuses it with MIXED_SQLITE_COPIES, both orders.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Worker } from 'node:worker_threads';
import { openDatabase } from '../../core/index.js';
import type { DriverName } from '../../drivers/types.js';
import { hasNodeSqlite, matrixDrivers } from '../helpers/matrix.js';
import { tmpDbPath } from '../helpers/tmp.js';
import { WORKER_ENTRY } from '../torture/child.js';

const test = suite('one process, two SQLite copies on one file');

/** A worker thread that opens `file` on `driver` and stays open; resolves with its first report line. */
function idleWorker(file: string, driver: DriverName): { worker: Worker; first: Promise<string> } {
  const worker = new Worker(WORKER_ENTRY, { workerData: { role: { role: 'idle', dsn: file, driver } } });
  const first = new Promise<string>((resolve, reject) => {
    worker.once('message', (m: string) => resolve(m));
    worker.once('error', reject);
    worker.once('exit', (code) => resolve(`exit ${code}`));
  });
  return { worker, first };
}

const drivers = matrixDrivers();
if (hasNodeSqlite() && drivers.includes('native') && drivers.includes('node')) {
  for (const [mine, theirs] of [['native', 'node'], ['node', 'native']] as const) {
    test(`${theirs} in a worker thread while this thread has it on ${mine}: MIXED_SQLITE_COPIES`, async () => {
      const file = tmpDbPath();
      const db = await openDatabase(file, { driver: mine });
      await db.execute('create table t (x)');
      const { worker, first } = idleWorker(file, theirs);
      try {
        const line = await first;
        assert.match(line, /^error MIXED_SQLITE_COPIES /, line);
        assert.match(line, new RegExp(`with the ${theirs} driver: the main thread of this process \\(${process.pid}\\) has it open with the ${mine} driver`));
      } finally {
        await worker.terminate();
      }
      await db.execute('insert into t values (1)');
      await db.close();
    });

    test(`${mine} here while a worker thread has it on ${theirs}: MIXED_SQLITE_COPIES, and fine once the worker is gone`, async () => {
      const file = tmpDbPath();
      const { worker, first } = idleWorker(file, theirs);
      assert.match(await first, /^ready/);
      try {
        await openDatabase(file, { driver: mine });
        assert.unreachable('a second SQLite copy on the same file must be refused');
      } catch (err) {
        const e = err as { code?: string; message?: string; other?: { driver: string } };
        assert.is(e.code, 'MIXED_SQLITE_COPIES', e.message);
        assert.is(e.other?.driver, theirs);
        assert.match(e.message!, /thread \d+ of this process/);
      } finally {
        await worker.terminate();
      }
      const db = await openDatabase(file, { driver: mine });
      await db.execute('create table t (x)');
      await db.close();
    });
  }

  test('the same driver in two threads is allowed (one copy of SQLite shares its locks)', async () => {
    const file = tmpDbPath();
    const db = await openDatabase(file, { driver: 'node' });
    const { worker, first } = idleWorker(file, 'node');
    try {
      assert.match(await first, /^ready/);
    } finally {
      await worker.terminate();
    }
    await db.close();
  });

  test('one thread: auto is routed to the connection already open, an explicit other driver is REGISTRY_CONFLICT', async () => {
    const file = tmpDbPath();
    const first = await openDatabase(file, { driver: 'node' });
    const routed = await openDatabase(file, { driver: 'auto' });
    assert.is(routed.selection.driver, 'node', 'auto would pick native, but the file is open on node here');
    try {
      await openDatabase(file, { driver: 'native' });
      assert.unreachable('an explicit second driver must be refused');
    } catch (err) {
      assert.is((err as { code?: string }).code, 'REGISTRY_CONFLICT');
      assert.match((err as Error).message, /_driver: open with "?node"?, this one asks for "?native"?/);
    }
    await routed.close();
    await first.close();
  });
} else {
  console.log(`same-process test skipped: it needs native and node in the matrix (have: ${drivers.join(', ')})`);
}

test.run();
