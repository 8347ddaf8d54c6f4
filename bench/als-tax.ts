/**
 * Probe: what an enabled AsyncLocalStorage costs every promise in the process on Node 20 (its
 * store is propagated by promise hooks there). Our dialect enables one for misuse detection, and
 * the main benchmark runs every contender in one process, so Kysely's own SqliteDialect pays
 * this tax in the main tables too. This probe measures that dialect alone in fresh child
 * processes, with and without an enabled storage, alternating.
 *
 * Child mode: `node --import tsx bench/als-tax.ts --child <db> <als:0|1> <ms>` prints us/query.
 */
import { execFileSync } from 'node:child_process';
import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Kysely, SqliteDialect, type CompiledQuery } from 'kysely';
import type { BenchDB } from './schema.js';
import { median } from './stats.js';

const SELF = fileURLToPath(import.meta.url);

/** One child measurement: microseconds per precompiled point SELECT. */
async function child(file: string, als: boolean, ms: number): Promise<number> {
  if (als) new AsyncLocalStorage<number>().run(1, () => undefined);
  const Database = createRequire(import.meta.url)('better-sqlite3');
  const db = new Kysely<BenchDB>({ dialect: new SqliteDialect({ database: new Database(file) }) });
  const compiled = db.selectFrom('items').selectAll().where('id', '=', 0).compile();
  const run = async (until: number) => {
    let n = 0;
    const t0 = performance.now();
    while (performance.now() < until) {
      for (let i = 0; i < 64; i++) await db.executeQuery({ ...compiled, parameters: [((n + i) % 10_000) + 1] } as CompiledQuery);
      n += 64;
    }
    return ((performance.now() - t0) * 1000) / n;
  };
  await run(performance.now() + ms / 3); // warm-up
  const us = await run(performance.now() + ms);
  await db.destroy();
  return us;
}

/** Result of {@link runAlsTax}: median us/query without and with an enabled storage. */
export interface AlsTax {
  readonly withoutUs: number;
  readonly withUs: number;
  readonly rounds: number;
}

/** Alternates child processes without/with an enabled AsyncLocalStorage, `rounds` each. */
export function runAlsTax(file: string, rounds: number, ms: number): AlsTax {
  const measure = (als: boolean) =>
    Number(execFileSync(process.execPath, ['--import', 'tsx', SELF, '--child', file, als ? '1' : '0', String(ms)], { encoding: 'utf8' }).trim());
  const without: number[] = [];
  const withAls: number[] = [];
  for (let r = 0; r < rounds; r++) {
    without.push(measure(false));
    withAls.push(measure(true));
  }
  return { withoutUs: median(without), withUs: median(withAls), rounds };
}

if (process.argv[2] === '--child') {
  const [, , , file, als, ms] = process.argv;
  console.log((await child(file!, als === '1', Number(ms))).toFixed(3));
}
