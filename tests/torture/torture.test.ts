// The short version of `npm run torture`: one round of every scenario (real writer processes,
// real SIGKILLs, full verification), sized by commits acknowledged rather than wall time so that load
// slows it down but cannot make it fail. The long run (`npm run torture -- --rounds N`) uses the
// same code with more rounds, sized by wall time.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tmpDbPath } from '../helpers/tmp.js';
import { LEDGER_DDL, runSql, verifyLedger } from './harness.js';
import { runScenario, scenariosHere, summaryTable, type ScenarioResult } from './scenarios.js';

const test = suite('torture (short)');

// The verification must be able to fail: feed it a torn transaction, a missing acknowledged
// commit and an unacknowledged extra one.
test('the verifier catches torn transactions, lost and phantom commits', async () => {
  const file = tmpDbPath();
  await runSql(file, 'wasm', LEDGER_DDL);
  await runSql(file, 'wasm', "insert into ledger values ('a', 1, 1, 5), ('a', 1, 2, -5), ('a', 2, 1, 7)");
  await runSql(file, 'wasm', "insert into ledger values ('b', 1, 1, 1), ('b', 1, 2, -1), ('b', 2, 1, 1), ('b', 2, 2, -1), ('b', 3, 1, 1), ('b', 3, 2, -1)");
  const v = await verifyLedger(file, 'wasm', true, new Map([['a', 1], ['b', 1], ['c', 1]]));
  assert.not.ok(v.ok);
  assert.ok(v.problems.some((p) => /half-applied/.test(p)), 'torn transaction');
  assert.ok(v.problems.some((p) => /writer c: acknowledged commit 1 missing/.test(p)), 'lost commit');
  assert.ok(v.problems.some((p) => /writer b: 3 commits present but only 1 acknowledged/.test(p)), 'phantom commits');
});
const results: ScenarioResult[] = [];

const { scenarios, skipped } = scenariosHere();
if (skipped) console.log(skipped);
// The migration scenarios have their own short test (migrations-torture.test.ts).
// Span scenarios on WAL and on mixed dot-file drivers run in the long run only (time in npm test).
for (const scenario of scenarios.filter((s) => s.kind !== 'migrate' && !(s.kind === 'crash' && s.longOnly))) {
  test(scenario.name, async () => {
    const short = scenario.kind === 'load' ? { ...scenario, threads: 1, tasks: 6, rows: 8 } : scenario;
    // Sized by work, not wall time: the round ends once every writer slot acknowledged 3 commits
    // (the mid-round kill lands after its victim's first), so a loaded machine only makes it slower.
    const r = await runScenario(short, { rounds: 1, roundCommits: 3, midRoundKills: 1 });
    results.push(r);
    assert.equal(r.problems, []);
    assert.is(r.failures, 0);
    assert.is(r.rounds, 1);
    assert.ok(r.commitsChecked > 0, 'some commits were verified');
    if (scenario.kind === 'crash') assert.ok(r.kills >= 1, 'at least one writer was SIGKILLed');
  });
}

test.after(() => {
  console.log(summaryTable(results));
});

test.run();
