// A real restore (the CLI, in its own process) SIGKILLed at each step of the swap and of its own
// rollback, through the failpoints in core/backup/restore.ts. After each kill: opens are refused
// (RESTORE_PENDING, the pid is gone) once the marker exists, recovery gives the whole old or the
// whole new database as the phase says, nothing of the restore is left beside it, and a second
// recovery has nothing to do. The kill between deleting the old files and removing the marker
// once made recovery delete the restored database as well (CI, node driver).
// `npm test` takes each point on one driver, in turn; TEST_FULL=1 takes every point on every driver.
import * as assert from 'uvu/assert';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase, recoverRestore } from '../../index.js';
import type { DriverName } from '../../drivers/types.js';
import { matrixDrivers } from '../helpers/matrix.js';
import { FULL } from '../helpers/depth.js';
import { suite } from 'uvu';
import { runCli, runCliToFailpoint, runCliWithSignals } from './kill-helpers.js';
import { cliInProcess } from '../cli/run-cli.js';
import { failure, labels, makePair } from './restore-helpers.js';

type Outcome = 'none' | 'rolled-back' | 'completed';
interface Case {
  readonly name: string;
  readonly point: string;
  readonly outcome: Outcome;
  /** DSN of the target given to the restore (the check in place fails with ro + WAL on a rollback-journal copy). */
  readonly dsn?: (live: string) => string;
  readonly keepOld?: boolean;
}

const failingCheck = (live: string) => `file:${live}?mode=ro&_journal_mode=wal`;
const CASES: readonly Case[] = [
  { name: 'copy written, no marker yet', point: 'restore:copied', outcome: 'none' },
  { name: 'marker written, nothing moved', point: 'restore:marked', outcome: 'rolled-back' },
  { name: 'database moved aside, side files not yet', point: 'restore:moved-one', outcome: 'rolled-back' },
  { name: 'everything aside, copy not renamed', point: 'restore:moved', outcome: 'rolled-back' },
  { name: 'copy renamed, phase still moving', point: 'restore:renamed', outcome: 'rolled-back' },
  { name: 'phase swapped, not yet checked', point: 'restore:swapped', outcome: 'completed' },
  { name: 'checked in place, not committed', point: 'restore:checked', outcome: 'completed' },
  { name: 'committed, old files still aside', point: 'restore:committed', outcome: 'completed' },
  { name: 'old files deleted, marker still there', point: 'restore:aside-removed', outcome: 'completed' },
  { name: 'committed with --keep-old, not yet kept', point: 'restore:committed', outcome: 'completed', keepOld: true },
  { name: 'check failed, rollback begun', point: 'restore:rolling-back', outcome: 'rolled-back', dsn: failingCheck },
  { name: 'check failed, new files removed', point: 'restore:new-removed', outcome: 'rolled-back', dsn: failingCheck },
  { name: 'check failed, one old file back', point: 'restore:put-back-one', outcome: 'rolled-back', dsn: failingCheck },
];

const drivers = matrixDrivers();
const runs: [Case, DriverName][] = FULL
  ? CASES.flatMap((c) => drivers.map((d): [Case, DriverName] => [c, d]))
  : CASES.map((c, i): [Case, DriverName] => [c, drivers[i % drivers.length]!]);

const test = suite('restore: SIGKILL at each failpoint');

test('a check that fails in place rolls back whole (RESTORE_FAILED, exit 1) on every driver', async () => {
  for (const driver of drivers) {
    const { live, backup, dir } = await makePair((p) => p, driver);
    const r = await runCli(['restore', backup, failingCheck(live), '--driver', driver]);
    assert.is(r.code, 1, r.out);
    assert.match(r.out, /RESTORE_FAILED|did not pass its check/);
    assert.equal(await labels(live, driver), ['old']);
    assert.equal(leftovers(dir), []);
  }
});

for (const [c, driver] of runs) {
  test(`[${driver}] ${c.name} (${c.point}): recovery ${c.outcome}`, async () => {
    const { live, backup, dir } = await makePair((p) => p, driver);
    // an old side file (an empty journal, which SQLite ignores), so side files move and come back too
    writeFileSync(`${live}-journal`, '');
    const args = ['restore', backup, (c.dsn ?? ((p: string) => p))(live), '--driver', driver, ...(c.keepOld ? ['--keep-old'] : [])];
    const r = await runCliToFailpoint(args, c.point);
    assert.ok(r.reached, `the restore never reached ${c.point} (exit ${r.code}): ${r.out}`);
    if (c.outcome === 'none') {
      // no marker yet: the database opens (and sweeps the dead process's copy)
      assert.equal(await labels(live, driver), ['old']);
    } else {
      const error = await failure(openDatabase(live, { driver }));
      assert.is(error.code, 'RESTORE_PENDING', String(error));
      assert.is(error.running, false);
      assert.is(await recoverRestore(live, { driver }), c.outcome);
      assert.equal(await labels(live, driver), [c.outcome === 'completed' ? 'new' : 'old']);
    }
    assert.equal(leftovers(dir), []);
    assert.is(await recoverRestore(live, { driver }), 'none');
    const kept = readdirSync(dir).filter((n) => n.includes('.before-restore-'));
    assert.is(kept.length, c.keepOld ? 1 : 0, kept.join(', '));
    if (c.keepOld) assert.equal(await labels(join(dir, kept[0]!, 'live.db'), driver), ['old']);
  });
}

// Ctrl-C / SIGTERM: a real signal to a real restore parked at a safe point. Exit 128 + signal
// number, and always a message saying what state the database is in; a second signal stops at once
// and prints the exact --recover command, which then finishes the restore.
interface SignalCase {
  readonly point: string;
  readonly signals: readonly NodeJS.Signals[];
  readonly exit: number;
  readonly says: RegExp;
  /** The database's content afterwards (after running the printed --recover command, when there is one). */
  readonly after: 'old' | 'new';
  readonly json?: boolean;
}
const SIGNAL_CASES: readonly SignalCase[] = [
  { point: 'restore:copied', signals: ['SIGINT'], exit: 130, says: /interrupted \(SIGINT\) before anything was moved: nothing changed/, after: 'old' },
  { point: 'restore:swapped', signals: ['SIGTERM'], exit: 143, says: /interrupted \(SIGTERM\) after the swap.*rolled back/, after: 'old' },
  { point: 'restore:swapped', signals: ['SIGTERM'], exit: 143, says: /"code": "RESTORE_INTERRUPTED"/, after: 'old', json: true },
  { point: 'restore:copied', signals: ['SIGINT', 'SIGINT'], exit: 130, says: /stopped by SIGINT before anything was moved: .*live\.db is unchanged/, after: 'old' },
  { point: 'restore:swapped', signals: ['SIGINT', 'SIGINT'], exit: 130, says: /stopped by SIGINT after the swap.*\(phase swapped\).*until you run: dual-sqlite restore --recover /, after: 'new' },
];

// `npm test`: each case on one driver, in turn (the rollback and recovery they end in are tested on
// every driver above); TEST_FULL=1: every case on every driver.
const signalRuns: [SignalCase, DriverName][] = FULL
  ? SIGNAL_CASES.flatMap((c) => drivers.map((d): [SignalCase, DriverName] => [c, d]))
  : SIGNAL_CASES.map((c, i): [SignalCase, DriverName] => [c, drivers[i % drivers.length]!]);
for (const [c, driver] of signalRuns) {
  test(`[${driver}] ${c.signals.join(' + ')} at ${c.point}${c.json ? ' (--json)' : ''}: exit ${c.exit}, says what it left`, async () => {
    const { live, backup, dir } = await makePair((p) => p, driver);
    const r = await runCliWithSignals(['restore', backup, live, '--driver', driver, ...(c.json ? ['--json'] : [])], c.point, c.signals);
    assert.ok(r.reached, `never reached ${c.point}: ${r.out}`);
    assert.is(r.code, c.exit, r.out);
    assert.match(r.out, c.says);
    const recover = /until you run: (dual-sqlite restore --recover .*)$/m.exec(r.out)?.[1];
    if (recover) {
      assert.is((await failure(openDatabase(live, { driver }))).code, 'RESTORE_PENDING');
      // the printed command, word for word (the path has no characters a shell would quote)
      const run = await cliInProcess(recover.split(' ').slice(1));
      assert.is(run.code, 0, `${run.stdout}${run.stderr}`);
    } else {
      // nothing pending: --recover (before any open) still removes a copy a second signal left
      assert.is((await cliInProcess(['restore', '--recover', live, '--driver', driver])).code, 0);
    }
    assert.equal(leftovers(dir), []);
    assert.equal(await labels(live, driver), [c.after]);
    assert.is(await recoverRestore(live, { driver }), 'none');
  });
}

/** Anything of the restore beside the database: copies, folders aside, the marker or its scratch. */
function leftovers(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.startsWith('.live.db') || n.includes('dual-sqlite-restore'));
}

test.run();
