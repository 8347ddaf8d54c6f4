/**
 * Tasks that only talk to the database must not monopolize the event loop: the drivers are
 * synchronous, so without core/loop-yield.ts a queue of such tasks runs as one endless chain of
 * microtasks and timers wait until it drains.
 */
import * as assert from 'uvu/assert';
import { matrix } from '../helpers/matrix.js';
import { openTestDb, tmpDsn } from './support.js';

matrix('event loop keeps turning under a saturated queue', (test, driver) => {
  test('8 tasks of back-to-back statements for 1.5 s: timers keep firing', async () => {
    // synchronous=off: fsync times on a loaded machine would dominate the gaps being measured.
    const db = await openTestDb(driver, tmpDsn('_synchronous=off').dsn);
    let last = performance.now();
    let maxGap = 0;
    let ticks = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
      ticks++;
    }, 5);
    const end = performance.now() + 1500;
    let statements = 0;
    await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        while (performance.now() < end) {
          await db.insertInto('t').values({ v: `task ${i}` }).execute();
          await db.selectFrom('t').select('id').where('id', '=', 1).execute();
          statements += 2;
        }
      }),
    );
    clearInterval(timer);
    await db.destroy();
    console.log(`  [${driver}] ${statements} statements, ${ticks} timer ticks, longest gap ${maxGap.toFixed(0)} ms`);
    // Without the yield the only tick comes after the whole 1.5 s run; 250 ms leaves room for a
    // loaded machine while still failing that case.
    assert.ok(ticks >= 5, `timers fired ${ticks} times in 1.5 s`);
    assert.ok(maxGap < 250, `the event loop was blocked for ${maxGap.toFixed(0)} ms`);
  });
});
