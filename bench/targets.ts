/**
 * Issue 14's targets, computed from one run's results: each ratio with what it compares, the
 * target and whether it was met. Printed after the tables and included in `--json`, so a reviewer
 * reruns one command and compares.
 */
import type { ContentionResult } from './contention.js';
import type { Row } from './report.js';
import type { SpanWaitResult } from './span-wait.js';

/** One target's verdict; `value` is undefined when its rows did not run (filter, driver missing). */
export interface TargetResult {
  readonly target: string;
  readonly measured: string;
  readonly value: number | undefined;
  readonly goal: string;
  readonly met: boolean | undefined;
}

type Workloads = readonly { workload: string; rows: Row[] }[];
type Contention = readonly (ContentionResult | { contender: string; note: string })[];

function rate(workloads: Workloads, workload: string, contender: string): number | undefined {
  return workloads.find((w) => w.workload === workload)?.rows.find((r) => r.contender === contender)?.summary?.opsPerSec;
}

function ratioTarget(workloads: Workloads, workload: string, a: string, b: string, target: string, min: number): TargetResult {
  const x = rate(workloads, workload, a);
  const y = rate(workloads, workload, b);
  const value = x !== undefined && y !== undefined ? x / y : undefined;
  return {
    target,
    measured: `${workload}: ${a} ÷ ${b}${value === undefined ? '' : ` = ${Math.round(x!).toLocaleString('en-US')} / ${Math.round(y!).toLocaleString('en-US')}`}`,
    value,
    goal: `>= ${min}x`,
    met: value === undefined ? undefined : value >= min,
  };
}

/** Every target of issue 14 that this run's rows allow to compute. */
export function issue14Targets(workloads: Workloads, contention: Contention, spanWait: readonly SpanWaitResult[]): TargetResult[] {
  const out: TargetResult[] = [
    ratioTarget(workloads, 'select-compiled', 'ours-wasm-spans', 'kysely-wasm', 'wasm, sequential autocommit point SELECT (precompiled), spans on, vs kysely-wasm', 5),
    ratioTarget(workloads, 'select-qb', 'ours-wasm-spans', 'kysely-wasm', 'wasm, sequential autocommit point SELECT (query builder), spans on, vs kysely-wasm', 5),
    ratioTarget(workloads, 'select-compiled', 'ours-native-spans', 'raw-native', 'native file, sequential point SELECT, spans on, vs raw better-sqlite3 get()', 1),
    ratioTarget(workloads, 'select-compiled', 'ours-native-memory', 'kysely-native-memory', 'in memory, precompiled point SELECT, vs Kysely SqliteDialect', 2),
    ratioTarget(workloads, 'select-compiled', 'ours-native-memory', 'floor-native-memory', 'in memory, precompiled point SELECT, vs the Kysely floor probe', 0.95),
  ];
  const c = (id: string) => contention.find((r): r is ContentionResult => r.contender === id && !('note' in r));
  const raw = c('raw-native');
  for (const id of ['ours-native', 'ours-native-spans']) {
    const ours = c(id);
    const value = ours && raw ? ours.commits / ours.seconds / (raw.commits / raw.seconds) : undefined;
    const stall = ours ? Math.max(...ours.maxStallMs) : undefined;
    const clean = ours !== undefined && ours.busy === 0 && stall! < 20;
    out.push({
      target: `contention, 4 processes, read-then-write transactions: ${id} vs raw better-sqlite3, 0 SQLITE_BUSY, stalls under 20 ms`,
      measured: ours && raw ? `${(ours.commits / ours.seconds).toFixed(0)} / ${(raw.commits / raw.seconds).toFixed(0)} tx/s, ${ours.busy} SQLITE_BUSY, longest stall ${stall!.toFixed(0)} ms` : 'not run',
      value,
      goal: '>= 0.9x, 0 busy, < 20 ms',
      met: value === undefined ? undefined : value >= 0.9 && clean,
    });
  }
  for (const w of spanWait) {
    out.push({
      target: `extra wait of another process's writer due to spans (${w.driver})`,
      measured: `p50 ${w.extraP50Ms.toFixed(1)} ms, p99 ${w.extraP99Ms.toFixed(1)} ms (writer p99 ${w.off.p99Ms.toFixed(1)} ms without spans, ${w.on.p99Ms.toFixed(1)} ms with; ${w.off.writes} and ${w.on.writes} writes)`,
      value: w.extraP99Ms,
      goal: 'p99 < 15 ms',
      met: w.extraP99Ms < 15,
    });
  }
  return out;
}

/** The targets as a Markdown table. */
export function targetsTable(targets: readonly TargetResult[]): string {
  const lines = ['| target | measured | value | goal | verdict |', '| --- | --- | ---: | --- | --- |'];
  for (const t of targets) {
    const value = t.value === undefined ? '-' : t.goal.includes('ms') && !t.goal.includes('x') ? `${t.value.toFixed(1)} ms` : `${t.value.toFixed(2)}x`;
    lines.push(`| ${t.target} | ${t.measured} | ${value} | ${t.goal} | ${t.met === undefined ? 'not run' : t.met ? 'met' : 'missed'} |`);
  }
  return lines.join('\n');
}

/** The span-wait measurement as a Markdown table. */
export function spanWaitTable(results: readonly SpanWaitResult[]): string {
  const lines = [
    '| driver | writer p50 / p99 / max ms, reader spans off | same, spans on | extra wait p50 / p99 ms | reader reads/s off / on |',
    '| --- | ---: | ---: | ---: | ---: |',
  ];
  for (const r of results) {
    const m = (x: SpanWaitResult['off']) => `${x.p50Ms.toFixed(1)} / ${x.p99Ms.toFixed(1)} / ${x.maxMs.toFixed(1)} (${x.writes} writes)`;
    lines.push(`| ${r.driver} | ${m(r.off)} | ${m(r.on)} | ${r.extraP50Ms.toFixed(1)} / ${r.extraP99Ms.toFixed(1)} | ${Math.round(r.off.readsPerSec).toLocaleString('en-US')} / ${Math.round(r.on.readsPerSec).toLocaleString('en-US')} |`);
  }
  return lines.join('\n');
}
