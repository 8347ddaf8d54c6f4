// Recovery of an interrupted restore, attacked where restore-failpoints.test.ts does not: the
// recovery itself SIGKILLed at its steps, a recovery running while others try to recover, restore
// or open, two restores at once in one process, and a marker whose pid now belongs to another
// process. Two recoveries at once each acted on the phase they had read, so one could delete the
// old database the other had just put back; a process that got the dead restorer's pid (a
// container's main process is pid 1 at every start) took the marker for its own and opened the
// half-swapped database.
// `npm test` takes each killing case on one driver, in turn; TEST_FULL=1 takes every case on every driver.
import * as assert from 'uvu/assert';
import { copyFileSync, cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase, recoverRestore, restoreDatabase } from '../../index.js';
import type { DriverName } from '../../drivers/types.js';
import { matrixDrivers } from '../helpers/matrix.js';
import { FULL } from '../helpers/depth.js';
import { suite } from 'uvu';
import { runCli, runCliToFailpoint } from './kill-helpers.js';
import { failure, labels, makePair } from './restore-helpers.js';
import { tmpDir } from '../helpers/tmp.js';

type Outcome = 'rolled-back' | 'completed';
interface Case {
  readonly name: string;
  /** Where the restore is killed. */
  readonly restoreAt: string;
  /** Where `restore --recover` is then killed. */
  readonly recoveryAt: string;
  readonly outcome: Outcome;
  readonly dsn?: (live: string) => string;
}

const failingCheck = (live: string) => `file:${live}?mode=ro&_journal_mode=wal`;
const CASES: readonly Case[] = [
  { name: 'recovery killed holding its mutex', restoreAt: 'restore:swapped', recoveryAt: 'restore:recovering', outcome: 'completed' },
  { name: 'recovery killed with one old file back', restoreAt: 'restore:moved-one', recoveryAt: 'restore:put-back-one', outcome: 'rolled-back' },
  { name: 'recovery killed after committing', restoreAt: 'restore:swapped', recoveryAt: 'restore:committed', outcome: 'completed' },
  { name: 'recovery of a rollback killed with the new files removed', restoreAt: 'restore:rolling-back', recoveryAt: 'restore:new-removed', outcome: 'rolled-back', dsn: failingCheck },
];

const drivers = matrixDrivers();
/** `count` slots, each on one driver in turn (every driver for each under TEST_FULL=1). */
const rotate = <T>(items: readonly T[], offset = 0): [T, DriverName][] =>
  FULL ? items.flatMap((c) => drivers.map((d): [T, DriverName] => [c, d])) : items.map((c, i): [T, DriverName] => [c, drivers[(i + offset) % drivers.length]!]);

const test = suite('restore: recovery under attack');

/** Kills a restore of a fresh pair at `point`; the pair. */
async function killedRestore(driver: DriverName, point: string, dsn: (live: string) => string = (p) => p) {
  const pair = await makePair((p) => p, driver);
  writeFileSync(`${pair.live}-journal`, ''); // an old side file, so side files move and come back too
  const r = await runCliToFailpoint(['restore', pair.backup, dsn(pair.live), '--driver', driver], point);
  assert.ok(r.reached, `the restore never reached ${point} (exit ${r.code}): ${r.out}`);
  return pair;
}

for (const [c, driver] of rotate(CASES)) {
  test(`[${driver}] ${c.name} (${c.restoreAt}, then ${c.recoveryAt}): the next recovery ${c.outcome}`, async () => {
    const { live, dir } = await killedRestore(driver, c.restoreAt, c.dsn);
    const r = await runCliToFailpoint(['restore', '--recover', live, '--driver', driver], c.recoveryAt);
    assert.ok(r.reached, `the recovery never reached ${c.recoveryAt} (exit ${r.code}): ${r.out}`);
    const error = await failure(openDatabase(live, { driver }));
    assert.is(error.code, 'RESTORE_PENDING', String(error));
    assert.is(await recoverRestore(live, { driver }), c.outcome);
    assert.equal(await labels(live, driver), [c.outcome === 'completed' ? 'new' : 'old']);
    assert.equal(leftovers(dir), []);
    assert.is(await recoverRestore(live, { driver }), 'none');
  });
}

for (const [, driver] of rotate(['one'], CASES.length)) {
  test(`[${driver}] while a recovery runs, another recovery, a restore and an open are refused (RESTORE_PENDING, its pid); once it is killed the next one finishes`, async () => {
    const { live, backup, dir } = await killedRestore(driver, 'restore:swapped');
    // The first recovery stops, alive, right after taking the mutex (it is killed below, by its pid).
    process.env.DUAL_SQLITE_FAILPOINT = 'restore:recovering';
    let ended = false;
    const first = runCli(['restore', '--recover', live, '--driver', driver]).finally(() => (ended = true));
    delete process.env.DUAL_SQLITE_FAILPOINT;
    const mutex = `${live}.dual-sqlite-restore.recover-1`;
    while (!existsSync(mutex) && !ended) await sleep(20);
    if (!existsSync(mutex)) assert.unreachable(`the first recovery ended without holding the mutex: ${(await first).out}`);
    const pid = (JSON.parse(readFileSync(mutex, 'utf8')) as { owner: { pid: number } }).owner.pid;
    for (const attempt of [() => recoverRestore(live, { driver }), () => restoreDatabase(backup, live, { driver })]) {
      const error = await failure(attempt());
      assert.equal([error.code, error.pid, error.running], ['RESTORE_PENDING', pid, true], String(error));
    }
    // an open names the restore's own (dead) process: the database is still half swapped
    assert.is((await failure(openDatabase(live, { driver }))).code, 'RESTORE_PENDING');
    process.kill(pid, 'SIGKILL');
    assert.is((await first).code, null);
    assert.is(await recoverRestore(live, { driver }), 'completed');
    assert.equal(await labels(live, driver), ['new']);
    assert.equal(leftovers(dir), []);
  });
}

for (const [, driver] of rotate(['one'], CASES.length + 1)) {
  test(`[${driver}] a marker whose pid is now this process's is not taken for its own: opens refused, recovery rolls back`, async () => {
    const { live, dir } = await killedRestore(driver, 'restore:moved');
    // The kernel reuses a dead process's pid; here this process plays the one that got it.
    const markerPath = `${live}.dual-sqlite-restore`;
    const marker = JSON.parse(readFileSync(markerPath, 'utf8')) as { owner: { pid: number; tid: number } };
    marker.owner.pid = process.pid;
    marker.owner.tid = process.pid;
    writeFileSync(markerPath, JSON.stringify(marker));
    const error = await failure(openDatabase(live, { driver }));
    assert.is(error.code, 'RESTORE_PENDING', String(error));
    assert.is(error.running, false);
    assert.is(await recoverRestore(live, { driver }), 'rolled-back');
    assert.equal(await labels(live, driver), ['old']);
    assert.equal(leftovers(dir), []);
  });
}

test('two restores of one database at once in one process: the second is refused (RESTORE_PENDING, running), the first completes, on every driver', async () => {
  for (const driver of drivers) {
    const { live, backup, dir } = await makePair((p) => p, driver);
    const results = await Promise.allSettled([restoreDatabase(backup, live, { driver }), restoreDatabase(backup, live, { driver })]);
    assert.is(results[0].status, 'fulfilled', String((results[0] as PromiseRejectedResult).reason));
    const second = results[1].status === 'rejected' ? (results[1].reason as { code?: string; running?: boolean; pid?: number }) : {};
    assert.equal([second.code, second.running, second.pid], ['RESTORE_PENDING', true, process.pid]);
    assert.equal(await labels(live, driver), ['new']);
    assert.equal(leftovers(dir), []);
  }
});

// A marker is named after its database, but the files it names are another's when it was copied or
// moved (a folder copied while a restore was pending, a database file renamed): recovery of the
// copy moved the original's replaced files into the copy's folder, and a marker of a restore into
// a new path made recovery delete the database it was copied beside (fresh-user review).
for (const driver of drivers) {
  test(`[${driver}] a restore marker of another database (copied beside it, or with its folder) is not acted on: no file of either is moved or deleted`, async () => {
    // a restore into a path where no database existed, killed with its marker written
    const { dir, live, backup } = await makePair((p) => p, driver);
    const fresh = join(dir, 'fresh.db');
    const r = await runCliToFailpoint(['restore', backup, fresh, '--driver', driver], 'restore:marked');
    assert.ok(r.reached, `the restore never reached restore:marked (exit ${r.code}): ${r.out}`);
    copyFileSync(`${fresh}.dual-sqlite-restore`, `${live}.dual-sqlite-restore`);
    assert.is((await failure(openDatabase(live, { driver }))).code, 'RESTORE_PENDING');
    assert.is(await recoverRestore(live, { driver }), 'marker-removed');
    assert.equal(await labels(live, driver), ['old']);

    // the whole folder copied while the restore of live.db was pending (old files aside)
    const killed = await killedRestore(driver, 'restore:moved');
    const copy = join(tmpDir(), 'copy');
    cpSync(killed.dir, copy, { recursive: true });
    const error = await failure(recoverRestore(join(copy, 'live.db'), { driver }));
    assert.is(error.code, 'RESTORE_MARKER_UNREADABLE', String(error));
    assert.match(error.message, /belongs to a restore of another database.*copied or moved here.*Fix by hand/);
    assert.equal(readdirSync(copy).sort(), readdirSync(killed.dir).sort());
    // each original still recovers from its own marker and files
    assert.is(await recoverRestore(killed.live, { driver }), 'rolled-back');
    assert.equal(await labels(killed.live, driver), ['old']);
    assert.is(await recoverRestore(fresh, { driver }), 'rolled-back');
    assert.not.ok(existsSync(fresh));
  });
}

/** Anything of the restore beside the database: copies, folders aside, the marker, its scratch or the recovery mutex. */
function leftovers(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.startsWith('.live.db') || n.includes('dual-sqlite-restore'));
}

test.run();
