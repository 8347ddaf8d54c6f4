/**
 * Issue 10: Kysely's Migrator through the dialect, with several real processes migrating one file
 * at once and real SIGKILLs. Before the fix (Kysely's SQLite defaults: no migration lock, no
 * transactional DDL) 1 to 3 of 4 processes failed with `table "t004" already exists`, and a
 * process killed inside migration 4 left it half applied for every later start.
 */
import * as assert from 'uvu/assert';
import type { DriverName } from '../../drivers/types.js';
import { matrix } from '../helpers/matrix.js';
import { tmpDsn } from './support.js';
import { describeExit, spawnMigrator } from './migration-support.js';
import { migrationName, readSchema, schemaProblems } from './fixtures/migrations.js';

async function expectComplete(dsn: string, driver: DriverName, count = 6): Promise<void> {
  const state = await readSchema(dsn, driver);
  assert.equal(schemaProblems(state, count), []);
  assert.is(state.recorded.length, count, `recorded: ${state.recorded.join(',')}`);
}

matrix('migrations from several processes at once', (test, driver) => {
  test('4 processes (kysely 0.28 via createKysely and new Kysely, kysely 0.29) migrateToLatest() at once: all succeed, each migration applied and recorded once', async () => {
    const { dsn } = tmpDsn();
    const plans = [
      { kysely: '28', via: 'createKysely' },
      { kysely: '28', via: 'new' },
      { kysely: '29', via: 'new' },
      { kysely: '29', via: 'new' },
    ];
    // Started together: each opens the file, then all begin migrating at the same moment (process
    // start-up alone takes seconds on a loaded machine and would otherwise serialize them).
    const children = plans.map((p) => spawnMigrator({ dsn, driver, ...p, workMs: 25, waitGo: true }));
    await Promise.all(children.map((c) => c.waitFor(/^ready/)));
    for (const c of children) c.send('go');
    const exits = await Promise.all(children.map((c) => c.exited));
    const summary = exits.map(describeExit).join('\n  ');
    assert.ok(exits.every((e) => e.outcome && !e.outcome.error), `a migrator failed:\n  ${summary}`);
    const applied = exits.flatMap((e) => e.outcome!.results ?? []);
    assert.equal(applied.sort(), [1, 2, 3, 4, 5, 6].map((i) => `${migrationName(i)}:Success`), summary);
    await expectComplete(dsn, driver);
  });

});
