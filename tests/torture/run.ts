/**
 * `npm run torture -- --rounds N [--scenario substring,...] [--round-ms MIN-MAX] [--kills K]`
 *
 * Long torture run: every scenario (or those whose name contains one of the substrings) for N
 * rounds each, then the summary table (rounds, kills, commits checked, failures per scenario).
 * Exit code 1 when any round failed.
 */
import { parseArgs } from 'node:util';
import { runScenario, scenariosHere, summaryTable, type ScenarioResult } from './scenarios.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '10' },
    scenario: { type: 'string' },
    'round-ms': { type: 'string', default: '400-1500' },
    kills: { type: 'string', default: '2' },
    quiet: { type: 'boolean', default: false },
  },
});

const rounds = Number(values.rounds);
const [lo, hi] = values['round-ms']!.split('-').map(Number);
const kills = Number(values.kills);
if (!Number.isInteger(rounds) || rounds < 1 || !(lo! >= 0 && hi! > lo!) || !Number.isInteger(kills) || kills < 0) {
  console.error('usage: npm run torture -- --rounds N [--scenario a,b] [--round-ms MIN-MAX] [--kills K]');
  process.exit(2);
}
const wanted = values.scenario?.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
const { scenarios, skipped } = scenariosHere();
if (skipped) console.log(skipped);
const chosen = scenarios.filter((s) => !wanted || wanted.some((w) => s.name.toLowerCase().includes(w)));

const started = Date.now();
console.log(`torture: ${chosen.length} scenarios x ${rounds} rounds, ${kills} mid-round kills, rounds of ${lo}-${hi} ms`);
const results: ScenarioResult[] = [];
for (const s of chosen) {
  const t0 = Date.now();
  const r = await runScenario(s, { rounds, roundMs: [lo!, hi!], midRoundKills: kills, log: values.quiet ? undefined : console.log });
  results.push(r);
  console.log(`${s.name}: ${r.rounds} rounds, ${r.kills} kills, ${r.commitsChecked} commits checked, ${r.failures} failures${r.checkpointKills ? `, ${r.checkpointKills} kills during a checkpoint` : ''} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  for (const p of r.problems) console.log(`  ! ${p}`);
}
console.log(`\n${summaryTable(results)}\n`);
console.log(`total time ${((Date.now() - started) / 1000).toFixed(0)} s; node ${process.version}; ${new Date().toISOString()}`);
if (results.some((r) => r.failures > 0)) process.exitCode = 1;
