/**
 * Read spans (`_read_spans=1`, core/read-span.ts), on every driver: the autocommit SELECTs of one
 * event-loop turn share one read transaction, and a write, a BEGIN, a stream, a backup and the end
 * of the macrotask each end it. Each case is observed from another process: a child that tries
 * BEGIN EXCLUSIVE on the file while this process's event loop is blocked waiting for its answer,
 * i.e. within the same macrotask, so it sees exactly what the span holds at that moment.
 */
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { constants, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { DriverName } from '../../drivers/types.js';
import { openDatabase } from '../../core/index.js';
import { matrix } from '../helpers/matrix.js';
import { openTestDb, tmpDsn } from './support.js';
import { tmpDir } from '../helpers/tmp.js';

const PROBE = fileURLToPath(new URL('./fixtures/lock-probe.mjs', import.meta.url));

/**
 * The probe process (lock-probe.mjs --serve), one for this file, asked over two named pipes with
 * synchronous reads and writes: this thread waits for the answer without turning the event loop, as
 * it did in spawnSync when a process was started per question (~0.2 CPU s each, ~80 per run). It
 * opens a fresh connection per question. The requests pipe is opened read-write here (its open
 * never blocks), the answers pipe non-blocking, so the wait is bounded and a dead probe is seen;
 * the probe reads its end of file, and exits, when this process exits.
 */
let prober: { pid: number; requests: number; answers: number } | undefined;
function startProber(): NonNullable<typeof prober> {
  const dir = tmpDir('kds-probe-');
  const [requests, answers] = [join(dir, 'requests'), join(dir, 'answers')];
  const made = spawnSync('mkfifo', [requests, answers], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`mkfifo failed: ${made.stderr}${made.error ?? ''}`);
  const child = spawn(process.execPath, [PROBE, '--serve', requests, answers], { stdio: ['ignore', 'ignore', 'inherit'] });
  child.unref();
  return { pid: child.pid!, requests: openSync(requests, 'r+'), answers: openSync(answers, constants.O_RDONLY | constants.O_NONBLOCK) };
}

const pause = new Int32Array(new SharedArrayBuffer(4));
/** False once `pid` has exited (gone, or a zombie nobody reaped: this thread does not turn the loop). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** What another process sees right now (this thread blocks until it answers). */
function otherProcessSees(file: string, driver: DriverName): 'free' | 'busy' {
  prober ??= startProber();
  writeSync(prober.requests, `${JSON.stringify([driver, file])}\n`);
  const chunk = Buffer.alloc(4096);
  const deadline = Date.now() + 600_000;
  let line = '';
  while (!line.endsWith('\n')) {
    let n = 0;
    try {
      n = readSync(prober.answers, chunk);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
    }
    if (n > 0) {
      line += chunk.toString('utf8', 0, n);
      continue;
    }
    if (!running(prober.pid)) throw new Error(`the lock probe process ${prober.pid} is gone (its stderr is above)`);
    if (Date.now() > deadline) throw new Error(`the lock probe process ${prober.pid} did not answer in 600 s`);
    Atomics.wait(pause, 0, 0, 1); // this thread must not turn the event loop: sleep, not await
  }
  line = line.trim();
  if (line !== 'free' && line !== 'busy') throw new Error(`lock probe failed: ${line}`);
  return line;
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

matrix('read spans', (test, driver) => {
  async function setup(query = '_read_spans=1') {
    const { path, dsn } = tmpDsn(query);
    const db = await openTestDb(driver, dsn);
    await db.insertInto('t').values([{ v: 'a' }, { v: 'b' }]).execute();
    await turn();
    return { path, dsn, db };
  }

  test('the probe can see a span: reads hold the lock until the turn ends, only with _read_spans=1', async () => {
    for (const [query, expected] of [['_read_spans=1', 'busy'], ['_read_spans=0', 'free'], ['', 'free']] as const) {
      const { path, db } = await setup(query);
      assert.is(otherProcessSees(path, driver), 'free', 'nothing is held before the reads');
      const first = await db.selectFrom('t').select('v').where('id', '=', 1).executeTakeFirst();
      const second = await db.selectFrom('t').select('v').where('id', '=', 2).executeTakeFirst();
      assert.equal([first?.v, second?.v], ['a', 'b']);
      assert.is(otherProcessSees(path, driver), expected, `after two reads with "${query}"`);
      await turn();
      assert.is(otherProcessSees(path, driver), 'free', 'the end of the macrotask ends the span');
      await db.destroy();
    }
  });

  const enders: [string, (db: Awaited<ReturnType<typeof openTestDb>>) => Promise<unknown>][] = [
    ['a write', (db) => db.updateTable('t').set({ n: 1 }).where('id', '=', 1).execute()],
    ['a pragma', (db) => sql`pragma user_version`.execute(db)],
    ['a stream', async (db) => {
      const seen: string[] = [];
      for await (const row of db.selectFrom('t').select('v').stream()) seen.push(row.v);
      assert.equal(seen, ['a', 'b']);
    }],
    ['a transaction (its BEGIN)', (db) => db.transaction().execute(async (trx) => trx.selectFrom('t').selectAll().execute())],
  ];
  for (const [what, end] of enders) {
    test(`${what} ends the span within the same macrotask`, async () => {
      const { path, db } = await setup();
      await db.selectFrom('t').selectAll().execute();
      assert.is(otherProcessSees(path, driver), 'busy', 'the span is open');
      await end(db);
      assert.is(otherProcessSees(path, driver), 'free', `${what} ended it`);
      await db.destroy();
    });
  }

  test('BEGIN ends the span before it runs: a deferred transaction holds nothing until its first statement', async () => {
    const { path, db } = await setup('_read_spans=1&_txlock=deferred');
    await db.selectFrom('t').selectAll().execute();
    assert.is(otherProcessSees(path, driver), 'busy', 'the span is open');
    await db.transaction().execute(async (trx) => {
      assert.is(otherProcessSees(path, driver), 'free', 'inside the transaction, before its first statement');
      await trx.selectFrom('t').selectAll().execute();
    });
    await db.destroy();
  });

  test('db.connection(): its reads share the span of the turn, its first other statement and the end of the turn end it', async () => {
    const { path, db } = await setup();
    await db.selectFrom('t').selectAll().execute();
    await db.connection().execute(async (conn) => {
      await conn.selectFrom('t').selectAll().execute();
      assert.is(otherProcessSees(path, driver), 'busy', 'reads inside db.connection() share the span');
      await sql`pragma user_version`.execute(conn);
      assert.is(otherProcessSees(path, driver), 'free', 'a statement that is not a SELECT ended it');
      await conn.selectFrom('t').selectAll().execute();
      await turn();
      assert.is(otherProcessSees(path, driver), 'free', 'the end of the macrotask ended the new one, the connection still held');
    });
    await db.destroy();
  });

  test('openDatabase handles: reads share a span, a write ends it, and the handle holds no transaction', async () => {
    const { path, dsn } = tmpDsn('_read_spans=1');
    const db = await openDatabase(dsn, { driver });
    await db.execute('create table k (id integer primary key, v text)');
    await db.execute("insert into k values (1, 'x')");
    assert.equal((await db.execute('select v from k where id = 1')).rows, [{ v: 'x' }]);
    assert.is(db.inTransaction, false, 'a span is not a transaction of the handle');
    assert.is(otherProcessSees(path, driver), 'busy', 'the span is open');
    await db.execute("insert into k values (2, 'y')");
    assert.is(otherProcessSees(path, driver), 'free', 'the write ended it');
    assert.equal((await db.execute('select count(*) as n from k')).rows, [{ n: 2 }]);
    await db.close();
    assert.is(otherProcessSees(path, driver), 'free', 'close ended it');
  });
});
