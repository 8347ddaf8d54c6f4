// Ctrl-C / SIGTERM arriving while a real restore (the CLI, in its own process) is inside a
// synchronous step: the backup's verify, the copy, the swap and the check in place run
// synchronously on every driver, so the signal is only queued until the restore turns the event
// loop. The restore once never turned it before committing: the signal was dropped, the restore
// completed and exited 0, on every driver (fresh-user review). restore-failpoints.test.ts parks at
// async points instead, where the handlers run at once.
import * as assert from 'uvu/assert';
import { readdirSync } from 'node:fs';
import { suite } from 'uvu';
import { FULL } from '../helpers/depth.js';
import { matrixDrivers } from '../helpers/matrix.js';
import { runCliWithBlockedSignal } from './kill-helpers.js';
import { labels, makePair } from './restore-helpers.js';

const test = suite('restore: a signal during a synchronous step');
const drivers = matrixDrivers();

const BLOCKED_CASES: readonly { point: string; signal: NodeJS.Signals; exit: number; says: RegExp; after: 'old' | 'new' }[] = [
  { point: 'restore:verified', signal: 'SIGINT', exit: 130, says: /interrupted \(SIGINT\) before anything was moved: nothing changed/, after: 'old' },
  { point: 'restore:renamed', signal: 'SIGTERM', exit: 143, says: /interrupted \(SIGTERM\) after the swap.*rolled back/, after: 'old' },
  // past the last safe point the restore completes, and says that the signal came too late
  { point: 'restore:checked', signal: 'SIGINT', exit: 0, says: /SIGINT came after the last safe point: the restore had already committed, and it is complete/, after: 'new' },
];
// `npm test`: the cases dealt out over the drivers (each driver takes one or more, every case is
// taken); TEST_FULL=1: every case on every driver.
for (const [i, driver] of drivers.entries()) {
  const cases = FULL ? BLOCKED_CASES : BLOCKED_CASES.filter((_, k) => k % drivers.length === i);
  test(`[${driver}] a signal during a synchronous step is seen at the next safe point (${cases.map((c) => c.point).join(', ')})`, async () => {
    for (const c of cases) {
      const { live, backup, dir } = await makePair((p) => p, driver);
      const r = await runCliWithBlockedSignal(['restore', backup, live, '--driver', driver], c.point, c.signal);
      assert.ok(r.reached, `never reached ${c.point}: ${r.out}`);
      assert.is(r.code, c.exit, `${c.point}: ${r.out}`);
      assert.match(r.out, c.says);
      assert.equal(await labels(live, driver), [c.after]);
      assert.equal(leftovers(dir), []);
    }
  });
}

/** Anything of the restore beside the database: copies, folders aside, the marker or its scratch. */
function leftovers(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.startsWith('.live.db') || n.includes('dual-sqlite-restore'));
}

test.run();
