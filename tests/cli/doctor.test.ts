// `dual-sqlite doctor` on real broken files, in child processes, on both drivers: each verdict,
// each exit code, and that --fix clears a stale wasm lock but never a live one.
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, copyFileSync, cpSync, existsSync, rmSync, mkdirSync, openSync, readFileSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { openDatabase } from '../../index.js';
import { claimsDirOf } from '../../core/guard/claims.js';
import { matrix, onUnixVfs, otherProtocolDriver } from '../helpers/matrix.js';
import { tmpDbPath } from '../helpers/tmp.js';
import { both, cli, cliInProcess, type CliRun } from './run-cli.js';
import { suite } from 'uvu';
import { nodeArgs, SHORT_CHILD_FLAGS } from '../helpers/entry.js';

const fixture = new URL('./fixtures/hold-transaction.ts', import.meta.url).pathname;

/**
 * A real database written through the library: 2 tables and an index, about 130 pages. Written
 * once per driver; each test gets a byte copy of that file and of the claims folder the library
 * left beside it (a test damages its own copy).
 */
const written: Record<string, Promise<string>> = {};
async function healthyDb(driver: string, name = 'app.db'): Promise<string> {
  const original = await (written[driver] ??= writeHealthyDb(driver));
  const file = tmpDbPath(name);
  copyFileSync(original, file);
  if (existsSync(claimsDirOf(original))) cpSync(claimsDirOf(original), claimsDirOf(file), { recursive: true });
  return file;
}

async function writeHealthyDb(driver: string): Promise<string> {
  const file = tmpDbPath('app.db');
  const db = await openDatabase(file, { driver: driver as 'native' | 'wasm' });
  await db.execute('create table parent (id integer primary key, name text not null)');
  await db.execute('create table child (id integer primary key, parent_id integer references parent(id), body text)');
  await db.execute('create index child_parent on child(parent_id)');
  await db.execute('begin immediate');
  for (let i = 1; i <= 200; i++) {
    await db.execute('insert into parent (id, name) values (?, ?)', [i, `p${i}`]);
    await db.execute('insert into child (parent_id, body) values (?, ?)', [i, 'x'.repeat(2000)]);
  }
  await db.execute('commit');
  await db.close();
  return file;
}

/** The report of a `doctor --json` run; fails the test when it printed no JSON. */
function reportOf(run: CliRun): { run: CliRun; report: any } {
  let report: any;
  try {
    report = JSON.parse(run.stdout);
  } catch {
    assert.unreachable(`doctor --json did not print JSON: ${both(run)}`);
  }
  return { run, report };
}

function doctorJson(args: string[], env?: Record<string, string | undefined>): { run: CliRun; report: any } {
  return reportOf(cli(['doctor', ...args, '--json'], env ? { env } : {}));
}

/**
 * {@link doctorJson} through the CLI's main() in this process (cliInProcess), for the files whose
 * header check fails, so nothing is opened: the same code decides the verdicts and the exit code;
 * the truncated-file case keeps a child process per driver for the real exit and streams.
 */
async function doctorJsonHere(args: string[]): Promise<{ run: CliRun; report: any }> {
  return reportOf(await cliInProcess(['doctor', ...args, '--json']));
}

function verdict(report: any, id: string): string | undefined {
  return report.checks.find((c: { id: string }) => c.id === id)?.verdict;
}

/** Starts the hold-transaction fixture and resolves once it holds the write lock. */
function holder(file: string, driver: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...SHORT_CHILD_FLAGS, ...nodeArgs(fixture), file, driver], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (l) => l === 'holding' && resolve(child));
    child.on('exit', (code) => reject(new Error(`holder exited early with ${code}`)));
  });
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

matrix('cli: doctor', (test, driver) => {
  test('a healthy file: every check ok, exit 0', async () => {
    const file = await healthyDb(driver);
    const { run, report } = doctorJson([file, '--driver', driver]);
    assert.is(run.code, 0, both(run));
    assert.is(report.healthy, true);
    assert.is(report.driver.driver, driver);
    for (const id of ['header', 'open', 'integrity', 'foreign-keys', 'setting:synchronous', 'setting:foreign_keys', 'stale-lock']) {
      assert.is(verdict(report, id), 'ok', `${id}: ${JSON.stringify(report.checks)}`);
    }
  });

  test('the per-table integrity check with progress: same verdict, progress on stderr', async () => {
    const file = await healthyDb(driver);
    const run = cli(['doctor', file, '--driver', driver, '--progress']);
    assert.is(run.code, 0, both(run));
    assert.match(run.stderr, /integrity_check: table 1\/3 \(sqlite_schema\)/);
    assert.match(run.stderr, /3\/3 tables checked/);
    assert.match(run.stdout, /table by table, 3 tables/);
  });

  test('a truncated file: header fails, not opened, exit 1', async () => {
    const file = await healthyDb(driver);
    truncateSync(file, Math.floor(statSync(file).size / 2 / 4096) * 4096);
    const { run, report } = doctorJson([file, '--driver', driver]);
    assert.is(run.code, 1, both(run));
    assert.is(verdict(report, 'header'), 'fail');
    assert.match(report.checks.find((c: any) => c.id === 'header').detail, /^truncated: the header says \d+ pages/);
    assert.is(verdict(report, 'open'), 'skipped');
  });

  test('a file cut inside its header: truncated header, exit 1', async () => {
    const file = await healthyDb(driver);
    truncateSync(file, 60);
    const { run, report } = await doctorJsonHere([file, '--driver', driver]);
    assert.is(run.code, 1, both(run));
    assert.match(report.checks.find((c: any) => c.id === 'header').detail, /shorter than the 100-byte SQLite header/);
  });

  test('a garbage header behind the magic string: bad header, exit 1', async () => {
    const file = await healthyDb(driver);
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.from([0x12, 0x34, 0x07, 0x07, 0x00, 0x99, 0x98, 0x97]), 0, 8, 16); // page size 0x1234, bad versions
    closeSync(fd);
    const { run, report } = await doctorJsonHere([file, '--driver', driver]);
    assert.is(run.code, 1, both(run));
    assert.match(report.checks.find((c: any) => c.id === 'header').detail, /^garbage header: .*page size field is 4660/);
  });

  test('garbage instead of a database: "not a database", exit 1', async () => {
    const file = await healthyDb(driver);
    const bytes = readFileSync(file);
    for (let i = 0; i < 100; i++) bytes[i] = (i * 73 + 41) & 0xff;
    writeFileSync(file, bytes);
    const { run, report } = await doctorJsonHere([file, '--driver', driver]);
    assert.is(run.code, 1, both(run));
    assert.match(report.checks.find((c: any) => c.id === 'header').detail, /^not a database: .*unrecognised binary data/);
  });

  test('damage inside the file (header intact): integrity_check fails, exit 1', async () => {
    const file = await healthyDb(driver);
    const bytes = readFileSync(file);
    const pageSize = bytes.readUInt16BE(16);
    // Scribble over the b-tree headers of pages 3..12 (table and index pages, not page 1).
    for (let p = 2; p < 12; p++) bytes.fill(0xa5, p * pageSize, p * pageSize + 64);
    writeFileSync(file, bytes);
    const { run, report } = doctorJson([file, '--driver', driver]);
    assert.is(run.code, 1, both(run));
    assert.is(verdict(report, 'header'), 'ok');
    // Depending on which page SQLite meets first, the check lists problems or fails with SQLITE_CORRUPT.
    assert.is(verdict(report, 'integrity'), 'fail', JSON.stringify(report.checks));
    assert.match(report.checks.find((c: any) => c.id === 'integrity').fix, /\.recover/);
  });

  test('a text file and a missing file: exit 1 with the reason', async () => {
    const text = tmpDbPath('notes.db');
    writeFileSync(text, 'these are my notes, not a database\n');
    const t = await doctorJsonHere([text, '--driver', driver]);
    assert.is(t.run.code, 1, both(t.run));
    assert.match(t.report.checks.find((c: any) => c.id === 'header').detail, /looks like text \("these are my notes/);
    const missing = tmpDbPath('nothing-here.db');
    const m = await doctorJsonHere([missing, '--driver', driver]);
    assert.is(m.run.code, 1, both(m.run));
    assert.match(m.report.checks.find((c: any) => c.id === 'header').detail, /does not exist/);
    assert.not.ok(existsSync(missing), 'doctor must not create the database');
  });

  test('a stale <db>.lock left by a SIGKILLed wasm process inside a transaction: fail, then --fix clears it, data intact', async () => {
    const file = await healthyDb('wasm');
    const child = await holder(file, 'wasm');
    await killed(child);
    assert.ok(existsSync(`${file}.lock`), 'the killed wasm process should have left its lock');
    assert.ok(existsSync(`${file}-journal`), 'the killed wasm process should have left a hot journal');

    const before = doctorJson([file, '--driver', driver]);
    assert.is(before.run.code, 1, both(before.run));
    assert.is(verdict(before.report, 'stale-lock'), 'fail');
    assert.match(before.report.checks.find((c: any) => c.id === 'stale-lock').detail, /died inside a transaction/);
    assert.ok(existsSync(`${file}.lock`), 'without --fix nothing is removed');
    assert.is(verdict(before.report, 'journal'), 'warn', 'the hot journal is reported');

    const fixed = doctorJson([file, '--driver', driver, '--fix']);
    assert.is(fixed.run.code, 0, both(fixed.run));
    assert.is(verdict(fixed.report, 'stale-lock'), 'fixed');
    assert.is(verdict(fixed.report, 'integrity'), 'ok');
    assert.not.ok(existsSync(`${file}.lock`));

    // The killed transaction was rolled back: its row is not there, every committed row is.
    const db = await openDatabase(file, { driver });
    const rows = await db.execute('select (select count(*) from t) as t, (select count(*) from parent) as p');
    await db.close();
    assert.equal(rows.rows[0], { t: 0, p: 200 });
    const after = doctorJson([file, '--driver', driver]);
    assert.is(after.run.code, 0, both(after.run));
  });

  test('a <db>.lock nobody is on record for (a foreign program): reported, never removed by --fix', async () => {
    const file = await healthyDb(driver);
    mkdirSync(`${file}.lock`);
    const { run, report } = doctorJson([`${file}?_busy_timeout=300`, '--driver', driver, '--fix']);
    assert.is(run.code, 1, both(run));
    assert.is(verdict(report, 'stale-lock'), 'fail');
    assert.match(report.checks.find((c: any) => c.id === 'stale-lock').fix, /rmdir/);
    assert.ok(existsSync(`${file}.lock`), 'an unproven lock must survive doctor --fix');
  });

  test('a regular FILE at <db>.lock (not a SQLite lock): the wasm busy error and doctor say so and give rm, never rmdir; nothing removes it', async () => {
    const file = await healthyDb(driver);
    writeFileSync(`${file}.lock`, 'made by some other program');
    const { run, report } = doctorJson([`${file}?_busy_timeout=300`, '--driver', driver, '--fix']);
    assert.is(run.code, 1, both(run));
    const lockCheck = report.checks.find((c: any) => c.id === 'stale-lock');
    assert.is(verdict(report, 'stale-lock'), 'fail');
    assert.match(lockCheck.detail, /is a file, not a SQLite dot-file lock/);
    assert.match(lockCheck.fix, /^once no program uses the database: rm '/);
    // The library's own error on the dot-file protocol names the same cause; POSIX-locking
    // drivers do not use the path at all, so they write normally (a documented difference).
    const db = await openDatabase(`${file}?_busy_timeout=300`, { driver }).catch((error) => error);
    if (onUnixVfs(driver)) {
      await db.execute("insert into parent (name) values ('posix ignores it')");
      await db.close();
    } else {
      assert.is(db.code, 'SQLITE_BUSY', String(db));
      assert.match(db.message, /is a file, not a SQLite dot-file lock .*rm '/s);
    }
    assert.ok(existsSync(`${file}.lock`), 'a file the library did not make is never removed');
  });

  test('a claims folder that cannot be listed: the lock-protocol check fails naming it, instead of "no other process"', async () => {
    const file = await healthyDb(driver);
    const dir = claimsDirOf(file);
    rmSync(dir, { recursive: true, force: true });
    writeFileSync(dir, 'not a folder');
    const { run, report } = doctorJson([file, '--driver', driver]);
    assert.is(run.code, 1, both(run));
    assert.is(verdict(report, 'mixed-locking'), 'fail');
    assert.match(report.checks.find((c: any) => c.id === 'mixed-locking').detail, /cannot list the claims folder .*ENOTDIR/);
  });

  test('a LIVE wasm lock is never removed, not even with --fix', async () => {
    const file = await healthyDb('wasm');
    const child = await holder(file, 'wasm');
    try {
      // A short busy timeout so the doctor's own open gives up quickly behind the live lock.
      const { run, report } = doctorJson([`${file}?_busy_timeout=300`, '--driver', driver, '--fix']);
      assert.is(verdict(report, 'stale-lock'), 'ok', JSON.stringify(report.checks));
      assert.match(report.checks.find((c: any) => c.id === 'stale-lock').detail, /held by a live process/);
      assert.ok(existsSync(`${file}.lock`), 'a live lock must survive doctor --fix');
      if (onUnixVfs(driver)) {
        // Native or node with POSIX locks next to a live wasm process: refused before opening.
        assert.is(verdict(report, 'mixed-locking'), 'fail');
        assert.is(run.code, 1, both(run));
      } else {
        assert.is(run.code, 1, both(run)); // its open waits 300 ms behind the live lock, then fails
      }
    } finally {
      await killed(child);
    }
  });

  test('a live writer with the other lock protocol: refused before opening (mixed locking), nothing removed', async () => {
    const other = otherProtocolDriver(driver);
    const file = await healthyDb(other);
    const child = await holder(file, other);
    try {
      const { run, report } = doctorJson([file, '--driver', driver, '--fix']);
      assert.is(run.code, 1, both(run));
      assert.is(verdict(report, 'mixed-locking'), 'fail', JSON.stringify(report.checks));
      assert.match(report.checks.find((c: any) => c.id === 'mixed-locking').detail, new RegExp(`pid ${child.pid} \\(${other}`));
      assert.is(verdict(report, 'open'), 'skipped');
    } finally {
      await killed(child);
    }
  });

  test('a database in WAL mode: native and node open it, wasm cannot (documented difference)', async () => {
    const file = tmpDbPath('wal.db');
    const db = await openDatabase(`${file}?_journal_mode=wal`, { driver: 'native' });
    await db.execute('create table t (x)');
    await db.close();
    const { run, report } = doctorJson([file, '--driver', driver]);
    if (onUnixVfs(driver)) {
      assert.is(run.code, 0, both(run));
      assert.match(report.checks.find((c: any) => c.id === 'header').detail, /WAL mode/);
    } else {
      assert.is(run.code, 1, both(run));
      assert.match(report.checks.find((c: any) => c.id === 'header').detail, /wasm driver cannot open a WAL database/);
      assert.is(verdict(report, 'open'), 'skipped');
      // ...unless the DSN keeps the WAL index in the process's memory (one process only).
      const exclusive = doctorJson([`${file}?_locking_mode=exclusive`, '--driver', driver]);
      assert.is(exclusive.run.code, 0, both(exclusive.run));
      assert.is(verdict(exclusive.report, 'setting:locking_mode'), 'ok');
    }
  });
});

// Refused before any driver is chosen, so once, not per driver: the first case in a child process
// (the real exit code and stderr), the second through the same main() in this process.
const input = suite('cli: doctor input');
input('bad input exits 2: invalid DSN, memory database', async () => {
  const r = cli(['doctor', 'x.db?_txlok=1']);
  assert.is(r.code, 2, both(r));
  assert.match(r.stderr, /DSN_UNKNOWN_OPTION/);
  const m = await cliInProcess(['doctor', ':memory:']);
  assert.is(m.code, 2, both(m));
});
input.run();
