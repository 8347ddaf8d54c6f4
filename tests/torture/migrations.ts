/**
 * Migration torture (issue 10). Each round, on a fresh file: one process SIGKILLs itself at a
 * random step of a random migration; then several processes run Kysely's Migrator at once and
 * the parent SIGKILLs a random half of them after a random delay, wherever they are. After each
 * kill phase the schema must be exactly the state before or after some migration, each applied
 * migration recorded once, `integrity_check` ok; then a fresh process must migrate to the end.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { DriverName } from '../../drivers/types.js';
import { describeExit, spawnMigrator, type MigratorChild } from '../core/migration-support.js';
import { migrationName, readSchema, schemaProblems } from '../core/fixtures/migrations.js';
import { tmpDbPath } from '../helpers/tmp.js';
import { dsnFor } from './harness.js';
import type { ScenarioResult, TortureOptions } from './scenarios.js';

/** One migration-torture configuration. */
export interface MigrateScenario {
  readonly kind: 'migrate';
  readonly name: string;
  /** Driver of each migrating process; native ones use vfs=unix-dotfile when `dotfile`. */
  readonly migrators: readonly DriverName[];
  readonly dotfile: boolean;
  /** Driver that verifies and runs the final migration. */
  readonly verifier: DriverName;
}

const COUNT = 8;
const STEPS = ['created', 'inserted', 'worked', 'altered'];
const rand = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo));

/** Runs `opts.rounds` rounds; each round is a fresh file. `commitsChecked` counts verified migrations. */
export async function runMigrateScenario(s: MigrateScenario, opts: TortureOptions): Promise<ScenarioResult> {
  const result: ScenarioResult = { name: s.name, rounds: 0, kills: 0, commitsChecked: 0, failures: 0, checkpointKills: 0, problems: [] };
  for (let round = 1; round <= opts.rounds; round++) {
    const problems: string[] = [];
    const file = tmpDbPath('migrate.db');
    const dsnOf = (driver: DriverName) => dsnFor(file, driver, { dotfile: s.dotfile });
    const children: MigratorChild[] = [];
    try {
      // First a process that SIGKILLs itself at a random step of a random migration (so every
      // round has a kill inside a migration), judged on its own...
      const first = s.migrators[0]!;
      const killAt = `${migrationName(rand(1, COUNT + 1))}:${STEPS[rand(0, STEPS.length)]}`;
      const selfKilled = await spawnMigrator({ dsn: dsnOf(first), driver: first, count: COUNT, workMs: rand(5, 40), killAt }).exited;
      if (selfKilled.signal === 'SIGKILL') result.kills++;
      else problems.push(`the process meant to die at ${killAt} did not: ${describeExit(selfKilled)}`);
      const alone = await readSchema(dsnOf(s.verifier), s.verifier);
      problems.push(...schemaProblems(alone, COUNT).map((p) => `after a kill at ${killAt}: ${p}`));
      // ...then all of them at once, SIGKILLed by the parent wherever they are.
      for (const driver of s.migrators) children.push(spawnMigrator({ dsn: dsnOf(driver), driver, count: COUNT, workMs: rand(5, 40) }));
      // The bound is a hang detector; unref'd, so its timer does not keep the test process alive
      // for its full 120 s after the last round (it did: 150 s of a 23 s test file in npm test).
      await Promise.race([Promise.any(children.map((c) => c.waitFor(/^step /))).catch(() => undefined), sleep(120_000, undefined, { ref: false })]);
      // A run sized by work (no roundMs) kills within the short run's 800 ms.
      await sleep(rand(0, opts.roundMs?.[1] ?? 800));
      for (const c of children) {
        if (Math.random() < 0.5 && c.process.exitCode === null && c.process.signalCode === null) c.process.kill('SIGKILL');
      }
      const exits = await Promise.all(children.map((c) => c.exited));
      for (const e of exits) {
        if (e.signal === 'SIGKILL') result.kills++;
        else if (!e.outcome || e.outcome.error) problems.push(`a migrator failed: ${describeExit(e)}`);
      }
      const state = await readSchema(dsnOf(s.verifier), s.verifier);
      problems.push(...schemaProblems(state, COUNT).map((p) => `after the kills: ${p}`));
      const after = state.recorded.length;
      // The next start must succeed and complete the schema.
      const next = await spawnMigrator({ dsn: dsnOf(s.verifier), driver: s.verifier, count: COUNT, workMs: 1 }).exited;
      if (!next.outcome || next.outcome.error) problems.push(`the next run failed: ${describeExit(next)}`);
      const final = await readSchema(dsnOf(s.verifier), s.verifier);
      problems.push(...schemaProblems(final, COUNT).map((p) => `after the next run: ${p}`));
      if (final.recorded.length !== COUNT) problems.push(`the next run left ${final.recorded.length} of ${COUNT} migrations`);
      result.commitsChecked += after + final.recorded.length;
      opts.log?.(`  ${s.name} round ${round}: ${after} of ${COUNT} migrations survived the kills, kills so far ${result.kills}${problems.length ? `, PROBLEMS: ${problems.join('; ')}` : ''}`);
    } catch (error) {
      problems.push(`round failed: ${(error as Error).message}`);
    } finally {
      for (const c of children) if (c.process.exitCode === null && c.process.signalCode === null) c.process.kill('SIGKILL');
    }
    result.rounds++;
    if (problems.length) {
      result.failures++;
      if (result.problems.length < 10) result.problems.push(`round ${round}: ${problems.slice(0, 5).join('; ')}`);
    }
  }
  return result;
}
