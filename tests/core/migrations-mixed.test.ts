/**
 * Issue 10 with several drivers on one file, in separate processes, all migrating at the same
 * moment: native and node with `vfs=unix-dotfile` (the dot-file protocol wasm speaks) beside wasm
 * processes; and, where `node:sqlite` exists, native and node on SQLite's default POSIX locks
 * (the two share them). Each migration must be applied and recorded exactly once.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hasNodeSqlite } from '../helpers/matrix.js';
import { tmpDbPath } from '../helpers/tmp.js';
import { describeExit, spawnMigrator } from './migration-support.js';
import { migrationName, readSchema, schemaProblems } from './fixtures/migrations.js';

type Driver = 'native' | 'wasm' | 'node';
const withNode = hasNodeSqlite();
if (!withNode) console.log(`migrations-mixed: node processes left out: node:sqlite does not exist in Node ${process.version}`);

const test = suite('migrations: processes of different drivers on one file');

/** Starts every plan, releases them together, and checks the outcome and the file per driver. */
async function migrateTogether(plans: { dsn: string; driver: Driver; kysely?: '29' }[]): Promise<void> {
  const children = plans.map((p) => spawnMigrator({ ...p, workMs: 25, waitGo: true }));
  await Promise.all(children.map((c) => c.waitFor(/^ready/)));
  for (const c of children) c.send('go');
  const exits = await Promise.all(children.map((c) => c.exited));
  const summary = exits.map((e, i) => `${plans[i]!.driver}: ${describeExit(e)}`).join('\n  ');
  assert.ok(exits.every((e) => e.outcome && !e.outcome.error), `a migrator failed:\n  ${summary}`);
  assert.equal(exits.flatMap((e) => e.outcome!.results ?? []).sort(), [1, 2, 3, 4, 5, 6].map((i) => `${migrationName(i)}:Success`));
  const seen = new Map(plans.map((p) => [p.driver, p.dsn]));
  for (const [driver, dsn] of seen) {
    const state = await readSchema(dsn, driver);
    assert.equal(schemaProblems(state, 6), [], driver);
    assert.is(state.recorded.length, 6, driver);
  }
}

test(`dot-file locks: native${withNode ? ', node' : ''} (vfs=unix-dotfile) and wasm processes, 2 per driver`, async () => {
  const path = tmpDbPath();
  const dotfile = `file:${path}?vfs=unix-dotfile`;
  await migrateTogether([
    { dsn: dotfile, driver: 'native' },
    { dsn: path, driver: 'wasm' },
    { dsn: dotfile, driver: 'native', kysely: '29' },
    { dsn: path, driver: 'wasm', kysely: '29' },
    ...(withNode ? [{ dsn: dotfile, driver: 'node' as const }, { dsn: dotfile, driver: 'node' as const, kysely: '29' as const }] : []),
  ]);
});

if (withNode) {
  test('POSIX locks: native and node processes, 2 per driver', async () => {
    const path = tmpDbPath();
    await migrateTogether([
      { dsn: path, driver: 'native' },
      { dsn: path, driver: 'node' },
      { dsn: path, driver: 'native', kysely: '29' },
      { dsn: path, driver: 'node', kysely: '29' },
    ]);
  });
}

test.run();
