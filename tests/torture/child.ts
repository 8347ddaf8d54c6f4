/**
 * The child side of the safety and torture tests: a real process (or worker thread) that opens a
 * database through the library and plays one role, reporting on stdout one line per event so the
 * parent can react and count. Lines are written synchronously, AFTER the event happened (an `ack`
 * line is written only once COMMIT has returned), so what the parent reads before a SIGKILL is
 * what the child saw acknowledged.
 *
 * Usage: node --import tsx tests/torture/child.ts '<json Role>'
 */
import { writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { createInterface } from 'node:readline';
import { Worker, isMainThread, parentPort, workerData, threadId } from 'node:worker_threads';
import { Kysely, sql } from 'kysely';
import { openDatabase, DualSqliteDialect } from '../../core/index.js';
import { createGuard } from '../../core/guard/index.js';
import type { DriverName, LockProtocol } from '../../drivers/types.js';
import { workerEntry } from '../helpers/entry.js';

/** What a child is asked to do. */
export type Role =
  /** Only the guard: write a claim for `file` and stay alive. */
  | { role: 'claim'; file: string; driver: DriverName; lockProtocol: LockProtocol; busy?: boolean }
  /** Open, BEGIN IMMEDIATE, insert one row, report `holding`, then commit on a stdin line `commit`. */
  | { role: 'hold'; dsn: string; driver: DriverName }
  /** Open, BEGIN IMMEDIATE, insert one row, then `process.exit()` without commit or close. */
  | { role: 'exit-in-tx'; dsn: string; driver: DriverName }
  /** Open and stay idle (a live claimant that holds no lock); `ready` once open. */
  | { role: 'idle'; dsn: string; driver: DriverName }
  /** Crash-loop writer: small two-leg transactions until killed or `count` is reached. */
  | {
      role: 'writer';
      dsn: string;
      driver: DriverName;
      writer: string;
      count?: number;
      checkpointEvery?: number;
      /** Open, report `ready`, then wait for a stdin line `go` before writing. */
      waitGo?: boolean;
    }
  /**
   * Span-heavy reader (`_read_spans=1` in its DSN): bursts of sequential autocommit SELECTs, one
   * burst per event-loop turn, checking that no torn transaction is ever visible and that the
   * ledger never shrinks; reports `reads <bursts>` after each burst, `error ...` on a violation.
   */
  | { role: 'reader'; dsn: string; driver: DriverName }
  /** A FOREIGN program: raw node-sqlite3-wasm (no library, no claim) holding the dot-file lock. */
  | { role: 'raw-wasm-hold'; file: string }
  /** Sub-agent load: worker threads + async tasks per thread writing through the Kysely dialect. */
  | { role: 'load'; dsn: string; driver: DriverName; agent: string; threads: number; tasks: number; rows: number };

/**
 * Worker threads start here: this file compiled (npm test), else worker-entry.mjs, which loads
 * this file with the TypeScript loader registered.
 */
export const WORKER_ENTRY = workerEntry(new URL('./child.ts', import.meta.url), new URL('./worker-entry.mjs', import.meta.url));

/** Writes one report line synchronously (survives a SIGKILL right after). */
export function report(line: string): void {
  if (isMainThread) writeSync(1, line + '\n');
  else parentPort!.postMessage(line);
}

function errorLine(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return `error ${e?.code ?? 'UNKNOWN'} ${JSON.stringify(String(e?.message ?? err))}`;
}


async function writer(r: Extract<Role, { role: 'writer' }>): Promise<void> {
  const db = await openDatabase(r.dsn, { driver: r.driver });
  report(`ready ${process.pid}`);
  if (r.waitGo) await stdinLine('go');
  for (let seq = 1; r.count === undefined || seq <= r.count; seq++) {
    const amount = 1 + Math.floor(Math.random() * 1000);
    await db.execute('begin immediate');
    await db.execute('insert into ledger (writer, seq, leg, amount) values (?, ?, 1, ?)', [r.writer, seq, amount]);
    // A pause inside the transaction now and then, so kills land mid-transaction too.
    if (Math.random() < 0.3) await sleep(Math.floor(Math.random() * 3));
    await db.execute('insert into ledger (writer, seq, leg, amount) values (?, ?, 2, ?)', [r.writer, seq, -amount]);
    await db.execute('commit');
    report(`ack ${r.writer} ${seq}`);
    if (r.checkpointEvery && seq % r.checkpointEvery === 0) {
      report('checkpoint');
      await db.execute('pragma wal_checkpoint(truncate)');
      report('checkpointed');
    }
  }
  await db.close();
  report('done');
  if (isMainThread) process.exit(0);
}

async function reader(r: Extract<Role, { role: 'reader' }>): Promise<void> {
  const db = await openDatabase(r.dsn, { driver: r.driver });
  report(`ready ${process.pid}`);
  let seen = 0;
  for (let burst = 1; ; burst++) {
    // One macrotask: every read below shares one span (until it is 5 ms old).
    for (let i = 0; i < 20; i++) {
      const { rows } = await db.execute('select count(*) as n, coalesce(sum(amount), 0) as s from ledger');
      const n = Number(rows[0]!.n);
      const sum = Number(rows[0]!.s);
      if (sum !== 0) report(`error TORN ${JSON.stringify(`a half-applied transaction is visible: ${n} rows sum to ${sum}`)}`);
      if (n < seen) report(`error SHRANK ${JSON.stringify(`the ledger went from ${seen} to ${n} rows`)}`);
      seen = n;
      const pick = (await db.execute('select writer, seq from ledger where rowid = ?', [1 + Math.floor(Math.random() * Math.max(1, n))])).rows[0];
      if (pick === undefined) continue;
      const tx = (await db.execute('select count(*) as legs, sum(amount) as s from ledger where writer = ? and seq = ?', [pick.writer, pick.seq])).rows[0]!;
      if (Number(tx.legs) !== 2 || Number(tx.s) !== 0) report(`error TORN ${JSON.stringify(`transaction ${pick.writer}/${pick.seq}: ${tx.legs} legs summing to ${tx.s}`)}`);
    }
    report(`reads ${burst}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Resolves when stdin delivers the line `want`. */
async function stdinLine(want: string): Promise<void> {
  const rl = createInterface({ input: process.stdin });
  try {
    for await (const line of rl) {
      if (line.trim() === want) return;
    }
  } finally {
    rl.close(); // and stop reading stdin, which would keep the process alive
    process.stdin.destroy();
  }
  throw new Error(`stdin closed before "${want}"`);
}

function rawWasmHold(r: Extract<Role, { role: 'raw-wasm-hold' }>): void {
  // Deliberately outside the library: plays a program that knows nothing about claims.
  const require = createRequire(import.meta.url);
  const { Database } = require('node-sqlite3-wasm') as { Database: new (f: string) => { exec(s: string): void } };
  const db = new Database(r.file);
  db.exec('begin immediate');
  report(`holding ${process.pid}`);
  setInterval(() => {}, 60_000);
}

async function hold(r: Extract<Role, { role: 'hold' }>): Promise<void> {
  const db = await openDatabase(r.dsn, { driver: r.driver });
  await db.execute('begin immediate');
  await db.execute('insert into ledger (writer, seq, leg, amount) values (?, 1, 1, 0)', [`hold-${process.pid}`]);
  report(`holding ${process.pid}`);
  if (!isMainThread) return new Promise(() => {}); // a worker holds until it is terminated
  await stdinLine('commit');
  await db.execute('commit');
  await db.close();
  report('committed');
  process.exit(0);
}

async function exitInTx(r: Extract<Role, { role: 'exit-in-tx' }>): Promise<void> {
  const db = await openDatabase(r.dsn, { driver: r.driver });
  await db.execute('begin immediate');
  await db.execute('insert into ledger (writer, seq, leg, amount) values (?, 1, 1, 0)', [`exit-${process.pid}`]);
  report('exiting');
  process.exit(0);
}

async function idle(r: Extract<Role, { role: 'idle' }>): Promise<void> {
  const db = await openDatabase(r.dsn, { driver: r.driver });
  await db.execute('select count(*) from sqlite_master');
  report(`ready ${process.pid}`);
  setInterval(() => {}, 60_000);
}

function claim(r: Extract<Role, { role: 'claim' }>): void {
  try {
    const g = createGuard({ filename: r.file, driver: r.driver, lockProtocol: r.lockProtocol, readOnly: false });
    if (r.busy) g.enter();
    report(`ready ${process.pid}`);
    setInterval(() => {}, 60_000);
  } catch (err) {
    report(errorLine(err));
    process.exit(0);
  }
}

interface LoadDb {
  t: { agent: string; task: number; i: number; note: string };
}

/** One thread of the sub-agent load: `tasks` async tasks, each writing `rows` rows. */
async function loadThread(r: Extract<Role, { role: 'load' }>, thread: string): Promise<number> {
  // Default settings on purpose: the DSN the parent passes carries no tuning.
  const db = new Kysely<LoadDb>({ dialect: new DualSqliteDialect({ dsn: r.dsn, driver: r.driver }) });
  let written = 0;
  const task = async (n: number) => {
    for (let i = 0; i < r.rows; i++) {
      const row = { agent: `${r.agent}/${thread}`, task: n, i, note: 'x'.repeat(i % 50) };
      if (i % 3 === 0) {
        await db.transaction().execute(async (trx) => {
          await trx.insertInto('t').values(row).execute();
          await trx.selectFrom('t').select(sql<number>`count(*)`.as('n')).executeTakeFirst();
        });
      } else {
        await db.insertInto('t').values(row).execute();
      }
      written++;
    }
  };
  await Promise.all(Array.from({ length: r.tasks }, (_, n) => task(n)));
  await db.destroy();
  return written;
}

async function load(r: Extract<Role, { role: 'load' }>): Promise<void> {
  const threads = Array.from({ length: r.threads }, (_, n) => {
    return new Promise<number>((resolve, reject) => {
      const w = new Worker(WORKER_ENTRY, { workerData: { role: r, thread: `t${n + 1}` } });
      let result = 0;
      w.on('message', (m: string) => {
        if (m.startsWith('written ')) result = Number(m.slice(8));
        else report(m);
      });
      w.on('error', reject);
      w.on('exit', (code) => (code === 0 ? resolve(result) : reject(new Error(`worker exited with ${code}`))));
    });
  });
  const main = loadThread(r, 'main');
  const counts = await Promise.all([main, ...threads]);
  report(`written ${counts.reduce((a, b) => a + b, 0)}`);
}

async function run(r: Role): Promise<void> {
  switch (r.role) {
    case 'claim':
      return claim(r);
    case 'hold':
      return hold(r);
    case 'exit-in-tx':
      return exitInTx(r);
    case 'idle':
      return idle(r);
    case 'reader':
      return reader(r);
    case 'writer':
      return writer(r);
    case 'load':
      return load(r);
    case 'raw-wasm-hold':
      return rawWasmHold(r);
  }
}

const isEntry = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMainThread) {
  const arg = process.argv[2];
  if (isEntry && arg) {
    run(JSON.parse(arg) as Role).catch((err) => {
      report(errorLine(err));
      process.exit(3);
    });
  }
} else if (workerData?.role) {
  const { role, thread } = workerData as { role: Role; thread?: string };
  const work = role.role === 'load' && thread ? loadThread(role, `${thread}#${threadId}`).then((n) => `written ${n}`) : run(role).then(() => 'done');
  work.then(
    (line) => parentPort!.postMessage(line),
    (err) => {
      parentPort!.postMessage(errorLine(err));
      process.exit(3);
    },
  );
}
