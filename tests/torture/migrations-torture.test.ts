// The short version of the migration torture (`npm run torture -- --scenario migrations`): one
// round per scenario, real processes, real SIGKILLs, the schema judged after the kills and after
// the next run. The judge itself must be able to fail: a half-applied migration is caught.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { schemaProblems } from '../core/fixtures/migrations.js';
import { SCENARIOS, runScenario, scenariosHere } from './scenarios.js';

const test = suite('migration torture (short)');

test('the schema judge catches a half-applied migration, a double record and a lost row', () => {
  const full = ['id', 'v', 'extra'];
  assert.equal(schemaProblems({ recorded: ['m001'], tables: { t001: full }, rows: { t001: 1 }, integrity: 'ok' }, 3), []);
  assert.ok(schemaProblems({ recorded: ['m001'], tables: { t001: full, t002: ['id', 'v'] }, rows: { t001: 1, t002: 1 }, integrity: 'ok' }, 3).some((p) => /half applied/.test(p)));
  assert.ok(schemaProblems({ recorded: ['m001', 'm001'], tables: { t001: full }, rows: { t001: 1 }, integrity: 'ok' }, 3).some((p) => /twice/.test(p)));
  assert.ok(schemaProblems({ recorded: ['m001'], tables: { t001: full }, rows: { t001: 0 }, integrity: 'ok' }, 3).some((p) => /0 rows/.test(p)));
});

const { scenarios, skipped } = scenariosHere(SCENARIOS.filter((s) => s.kind === 'migrate' && s.name !== 'migrations wasm'));
if (skipped) console.log(skipped);
for (const scenario of scenarios) {
  test(scenario.name, async () => {
    const r = await runScenario(scenario, { rounds: 1, roundMs: [0, 800], midRoundKills: 0 });
    assert.equal(r.problems, []);
    assert.is(r.failures, 0);
    assert.ok(r.kills >= 1, 'at least one migrator was SIGKILLed');
  });
}

test.run();
