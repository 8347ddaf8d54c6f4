/**
 * Issue 10: migrateTo and migrateDown get the same guarantees as migrateToLatest when several
 * processes run them at once.
 */
import * as assert from 'uvu/assert';
import type { DriverName } from '../../drivers/types.js';
import { matrix } from '../helpers/matrix.js';
import { tmpDsn } from './support.js';
import { describeExit, runMigrator } from './migration-support.js';
import { Migrator } from '../helpers/kysely-migration.js';
import { createKysely } from '../../core/index.js';
import { provider, readSchema, schemaProblems } from './fixtures/migrations.js';

async function expectComplete(dsn: string, driver: DriverName, count = 6): Promise<void> {
  const state = await readSchema(dsn, driver);
  assert.equal(schemaProblems(state, count), []);
  assert.is(state.recorded.length, count, `recorded: ${state.recorded.join(',')}`);
}

matrix('migrating down from several processes at once', (test, driver) => {
  test('migrateTo from several processes at once: each step undone once; then migrateDown', async () => {
    const { dsn } = tmpDsn();
    const db = createKysely<any>(dsn, { driver });
    const seeded = await new Migrator({ db, provider: provider() }).migrateToLatest();
    await db.destroy();
    assert.is(seeded.error, undefined);
    const to = await Promise.all([0, 1].map(() => runMigrator({ dsn, driver, action: 'to:m002' })));
    assert.ok(to.every((e) => e.outcome && !e.outcome.error), to.map(describeExit).join('; '));
    assert.is(to.flatMap((e) => e.outcome!.results ?? []).length, 4, 'm006..m003 rolled back once in all');
    let state = await readSchema(dsn, driver);
    assert.equal(schemaProblems(state, 6), []);
    assert.equal(state.recorded, ['m001', 'm002']);
    // migrateDown takes the same path (one IMMEDIATE transaction per run): one step, here in-process.
    const again = createKysely<any>(dsn, { driver });
    const down = await new Migrator({ db: again, provider: provider() }).migrateDown();
    await again.destroy();
    assert.is(down.error, undefined);
    state = await readSchema(dsn, driver);
    assert.equal(schemaProblems(state, 6), []);
    assert.equal(state.recorded, ['m001']);
  });
});
