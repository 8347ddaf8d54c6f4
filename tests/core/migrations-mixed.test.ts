/**
 * Issue 10 with both drivers on one file: two native processes (vfs=unix-dotfile, the dot-file
 * protocol wasm speaks) and two wasm processes start migrating at the same moment.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tmpDbPath } from '../helpers/tmp.js';
import { describeExit, spawnMigrator } from './migration-support.js';
import { migrationName, readSchema, schemaProblems } from './fixtures/migrations.js';

const test = suite('migrations: native (vfs=unix-dotfile) and wasm processes on one file');

test('4 processes, 2 per driver, migrate at once: all succeed, each migration applied and recorded once', async () => {
  const path = tmpDbPath();
  const native = `file:${path}?vfs=unix-dotfile`;
  const plans = [
    { dsn: native, driver: 'native' },
    { dsn: path, driver: 'wasm' },
    { dsn: native, driver: 'native', kysely: '29' },
    { dsn: path, driver: 'wasm', kysely: '29' },
  ];
  const children = plans.map((p) => spawnMigrator({ ...p, workMs: 25, waitGo: true }));
  await Promise.all(children.map((c) => c.waitFor(/^ready/)));
  for (const c of children) c.send('go');
  const exits = await Promise.all(children.map((c) => c.exited));
  const summary = exits.map(describeExit).join('\n  ');
  assert.ok(exits.every((e) => e.outcome && !e.outcome.error), `a migrator failed:\n  ${summary}`);
  assert.equal(exits.flatMap((e) => e.outcome!.results ?? []).sort(), [1, 2, 3, 4, 5, 6].map((i) => `${migrationName(i)}:Success`));
  for (const [dsn, driver] of [[native, 'native'], [path, 'wasm']] as const) {
    const state = await readSchema(dsn, driver);
    assert.equal(schemaProblems(state, 6), [], driver);
    assert.is(state.recorded.length, 6);
  }
});

test.run();
