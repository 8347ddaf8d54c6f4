/**
 * Issue 10: a migrator killed mid-run (real SIGKILL) and migrators waiting for another process's
 * migration. Before the fix a process killed inside migration 4 left it half applied and every
 * later start failed with `table "t004" already exists`.
 */
import * as assert from 'uvu/assert';
import { Migrator } from '../helpers/kysely-migration.js';
import { createKysely, type DualSqliteLogEvent } from '../../core/index.js';
import type { DriverName } from '../../drivers/types.js';
import { matrix } from '../helpers/matrix.js';
import { tmpDsn } from './support.js';
import { describeExit, runMigrator, spawnMigrator } from './migration-support.js';
import { provider, readSchema, schemaProblems } from './fixtures/migrations.js';

async function expectComplete(dsn: string, driver: DriverName, count = 6): Promise<void> {
  const state = await readSchema(dsn, driver);
  assert.equal(schemaProblems(state, count), []);
  assert.is(state.recorded.length, count, `recorded: ${state.recorded.join(',')}`);
}

matrix('migrations: killed and waiting processes', (test, driver) => {
  test('SIGKILL inside migration 4 (after its createTable): nothing of the run survives, the next run succeeds', async () => {
    const { dsn } = tmpDsn();
    const killed = await runMigrator({ dsn, driver, killAt: 'm004:created' });
    assert.is(killed.signal, 'SIGKILL', describeExit(killed));
    const state = await readSchema(dsn, driver);
    assert.equal(schemaProblems(state, 6), []);
    assert.is(state.recorded.length, 0, 'the whole run is one transaction: nothing of it survives the kill');
    const again = await runMigrator({ dsn, driver });
    assert.ok(again.outcome && !again.outcome.error, describeExit(again));
    await expectComplete(dsn, driver);
  });

  test('a waiter gives up with MIGRATION_WAIT_TIMEOUT after migrationTimeout, naming the migrating process', async () => {
    const { dsn } = tmpDsn('_busy_timeout=300');
    const holder = spawnMigrator({ dsn, driver, waitGo: true, longIndex: 1, longMs: 6000 });
    const waiter = spawnMigrator({ dsn, driver, waitGo: true, migrationTimeout: 1500 });
    await Promise.all([holder.waitFor(/^ready/), waiter.waitFor(/^ready/)]);
    holder.send('go');
    await holder.waitFor(/^step m001:inserted/);
    waiter.send('go');
    const w = await waiter.exited;
    assert.is(w.outcome?.error?.code, 'MIGRATION_WAIT_TIMEOUT', describeExit(w));
    assert.match(w.outcome!.error!.message!, new RegExp(`pid ${holder.process.pid}\\b.*migrationTimeout`));
    assert.ok(w.outcome!.events.some((e) => e.event === 'waiting-for-migration'), 'progress was logged while waiting');
    const h = await holder.exited;
    assert.ok(h.outcome && !h.outcome.error, describeExit(h));
    await expectComplete(dsn, driver);
  });

  test('disableTransactions: the run still works, and one warn event says the guarantees are off', async () => {
    const { dsn } = tmpDsn();
    const events: DualSqliteLogEvent[] = [];
    const db = createKysely<any>(dsn, { driver, log: (e) => void events.push(e) });
    const result = await new Migrator({ db, provider: provider({ workMs: 1 }), disableTransactions: true }).migrateToLatest();
    await db.destroy();
    assert.is(result.error, undefined);
    assert.equal(events.map((e) => e.event), ['migration-without-transaction']);
    await expectComplete(dsn, driver);
  });
});
