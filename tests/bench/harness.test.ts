// The benchmark is not a test, but its harness must not rot: the statistics are checked by
// table, and one tiny real run (raw better-sqlite3 only: every in-process workload once, then a
// short 4-process contention run) must produce well-formed, self-consistent JSON.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, quantile, seededIds, summarize } from '../../bench/stats.js';
import { SPAWN_HANG_MS } from '../helpers/hang.js';
import { nodeArgs } from '../helpers/entry.js';

const stats = suite('bench: statistics');

const QUANTILES: [number[], number, number][] = [
  [[1], 0.5, 1],
  [[1, 2, 3, 4], 0.5, 2.5],
  [[4, 1, 3, 2], 0.25, 1.75],
  [[10, 20, 30], 0, 10],
  [[10, 20, 30], 1, 30],
];
for (const [values, q, want] of QUANTILES) {
  stats(`quantile(${JSON.stringify(values)}, ${q}) = ${want}`, () => {
    assert.is(quantile(values, q), want);
  });
}

stats('median of nothing is NaN, not 0', () => {
  assert.ok(Number.isNaN(median([])));
});

stats('summarize takes the median over rounds and keeps the spread', () => {
  const s = summarize([100, 300, 200], [5, 1, 3]);
  assert.is(s.opsPerSec, 200);
  assert.is(s.min, 100);
  assert.is(s.max, 300);
  assert.is(s.medianUs, 3);
  assert.is(s.rounds, 3);
});

stats('seeded ids are deterministic and within 1..max', () => {
  const a = seededIds(1000, 50);
  const b = seededIds(1000, 50);
  assert.equal(Array.from(a), Array.from(b));
  assert.ok(a.every((id) => id >= 1 && id <= 50));
  assert.ok(new Set(a).size > 40, 'ids should cover most of the range');
});

stats.run();

const run = suite('bench: a tiny real run');

run('raw better-sqlite3 runs every workload and the contention audit adds up', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const stdout = execFileSync(
    process.execPath,
    [...nodeArgs(join(root, 'bench/run.ts')), '--json', '--rounds', '1', '--slice-ms', '20', '--contention-ms', '300', '--filter', '/raw-native$'],
    { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: SPAWN_HANG_MS },
  );
  const result = JSON.parse(stdout);
  const ids = result.workloads.map((w: { workload: string }) => w.workload);
  assert.equal(ids, ['select-compiled', 'select-in-tx', 'insert-one', 'insert-tx', 'mixed']);
  for (const w of result.workloads) {
    assert.is(w.rows.length, 1, `${w.workload}: only the filtered contender`);
    const row = w.rows[0];
    assert.is(row.contender, 'raw-native');
    assert.ok(row.summary.opsPerSec > 0, `${w.workload}: measured some throughput`);
    assert.ok(row.summary.medianUs > 0, `${w.workload}: measured some latency`);
  }
  assert.is(result.contention.length, 1);
  const c = result.contention[0];
  assert.is(c.maxStallMs.length, 4, 'one stall figure per writer process');
  assert.ok(c.commits > 0, 'writers committed');
  assert.is(c.counter, c.commits, 'every acknowledged commit incremented the counter exactly once');
  assert.is(c.events, c.commits);
  assert.is(c.integrity, 'ok');
});

run.run();
