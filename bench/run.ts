/**
 * `npm run bench [-- --quick] [-- --filter REGEX] [-- --json] [-- --probes]` (`--help` for all)
 *
 * Runs every workload on every contender in one process, rounds alternating the contenders, and
 * prints one table per workload (throughput as the median over rounds, median latency, p25-p75
 * spread over rounds, and how many times faster our dialect is than each contender on the same
 * driver), then the multi-process contention table.
 */
import { mkdirSync, mkdtempSync, rmSync, realpathSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CONTENDERS, type Contender, type Session } from './contenders.js';
import { PROCESSES, runContention, type ContentionResult } from './contention.js';
import { runAlsTax } from './als-tax.js';
import { collectGarbage } from './harness.js';
import { contentionTable, workloadTable, type Row } from './report.js';
import { copyTemplate, createTemplate } from './schema.js';
import { summarize } from './stats.js';
import { WORKLOADS } from './workloads.js';
import { BURST, runSpanWait, type SpanWaitResult } from './span-wait.js';
import { issue14Targets, spanWaitTable, targetsTable } from './targets.js';
import { lockWaitTable, runLockWait, type LockWaitResult } from './lock-wait.js';
import type { DriverName } from '../drivers/types.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    filter: { type: 'string' },
    json: { type: 'boolean', default: false },
    probes: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    'slice-ms': { type: 'string' },
    'contention-ms': { type: 'string' },
    'span-wait-ms': { type: 'string' },
    'lock-wait-ms': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (args.help) {
  console.log(`usage: npm run bench -- [--quick] [--filter REGEX] [--json] [--probes] [--rounds N] [--slice-ms MS] [--contention-ms MS]
  --quick          3 rounds of 100 ms slices, 1 s contention, 4 x 500 ms span-wait phases
  --span-wait-ms   length of each of the 6 span-wait phases (default 3000; --quick: 4 phases of 500)
  --lock-wait-ms   how long the lock-wait waiter waits for another process's lock (default 3000)
  --filter REGEX   run only "workload/contender" pairs matching, e.g. "select" or "ours-|kysely-"
  --json           print the results as JSON on stdout (tables go to stderr)
  --probes         add the probe rows (Kysely floor, raw + our value mapping, statement cache off,
                   AsyncLocalStorage tax) that explain the targets
environment: BENCH_COMPARE=<dir of another checkout> adds that tree's dialect as extra rows (A/B);
  BENCH_WORKER_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" profiles the contention writers
workloads: ${WORKLOADS.map((w) => w.id).join(', ')}, contention, span-wait (filter "span-wait/<driver>"),
  lock-wait (filter "lock-wait/<driver>"; BENCH_COMPARE adds the other tree's waiter)
contenders: ${CONTENDERS.map((c) => c.id).join(', ')}`);
  process.exit(0);
}

// Many short rounds rather than a few long ones: on a shared machine a disturbance spoils one
// short slice, and the median over many slices shrugs it off.
const ROUNDS = Number(args.rounds ?? (args.quick ? 3 : 15));
const SLICE_MS = Number(args['slice-ms'] ?? (args.quick ? 100 : 250));
const CONTENTION_MS = Number(args['contention-ms'] ?? (args.quick ? 1000 : 4000));
const SPAN_WAIT_MS = Number(args['span-wait-ms'] ?? (args.quick ? 500 : 3000));
const SPAN_WAIT_PHASES = args.quick ? 4 : 6;
const LOCK_WAIT_MS = Number(args['lock-wait-ms'] ?? 3000);
/** Long waits per tree and driver, and hand-overs after each (lock-wait.ts). */
const LOCK_WAIT_RUNS = args.quick ? 1 : 3;
const LOCK_WAIT_HANDOVERS = args.quick ? 7 : 21;
const filter = args.filter ? new RegExp(args.filter) : undefined;
const probe = (id: string) => CONTENDERS.find((c) => c.id === id)?.kind === 'probe';
const selected = (workload: string, contender: string) =>
  (args.probes || !probe(contender)) && (!filter || filter.test(`${workload}/${contender}`));
const out = args.json ? console.error : console.log;
const progress = (msg: string) => process.stderr.write(`${msg}\n`);

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'kds-bench-')));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const template = join(dir, 'template.db');
// Only the parts that copy it need it (and it takes better-sqlite3, which a lock-wait run of the
// node driver on another Node version may not have built).
const needsTemplate =
  !filter ||
  args.probes ||
  WORKLOADS.some((w) => CONTENDERS.some((c) => selected(w.id, c.id))) ||
  CONTENDERS.some((c) => selected('contention', c.id)) ||
  ['native', 'node', 'wasm'].some((d) => filter.test(`span-wait/${d}`));
if (needsTemplate) createTemplate(template);

/** Opens every contender once on its own copy of the template; failures become table notes. */
async function openAll(): Promise<Map<string, Session | Error>> {
  const sessions = new Map<string, Session | Error>();
  mkdirSync(join(dir, 'inproc'));
  for (const c of CONTENDERS) {
    if (!WORKLOADS.some((w) => w.applies(c) && selected(w.id, c.id))) continue;
    try {
      sessions.set(c.id, await c.open(copyTemplate(template, join(dir, 'inproc', `${c.id}.db`))));
    } catch (error) {
      sessions.set(c.id, error as Error);
      progress(`  ${c.id}: cannot open: ${(error as Error).message}`);
    }
  }
  return sessions;
}

interface WorkloadResult {
  readonly workload: string;
  readonly title: string;
  readonly rows: Row[];
}

async function runWorkloads(sessions: Map<string, Session | Error>): Promise<WorkloadResult[]> {
  const results: WorkloadResult[] = [];
  for (const w of WORKLOADS) {
    const runnable = CONTENDERS.filter((c) => w.applies(c) && selected(w.id, c.id) && !(sessions.get(c.id) instanceof Error) && sessions.has(c.id));
    if (runnable.length === 0) continue;
    progress(`${w.id}: ${runnable.map((c) => c.id).join(', ')}`);
    const samples = new Map<string, { rate: number[]; lat: number[] }>(runnable.map((c) => [c.id, { rate: [], lat: [] }]));
    const failed = new Map<string, string>();
    const cursor = new Map<string, number>(runnable.map((c) => [c.id, 0]));
    // Round 0 warms up (JIT, statement caches, page cache) and is not recorded.
    for (let round = 0; round <= ROUNDS; round++) {
      for (let i = 0; i < runnable.length; i++) {
        const c = runnable[(i + round) % runnable.length]!;
        if (failed.has(c.id)) continue;
        collectGarbage();
        try {
          const r = await w.slice(sessions.get(c.id) as Session, c, cursor.get(c.id)!, { sliceMs: round === 0 ? SLICE_MS / 2 : SLICE_MS });
          cursor.set(c.id, cursor.get(c.id)! + r.ops);
          if (round > 0) {
            samples.get(c.id)!.rate.push(r.ops / r.seconds);
            samples.get(c.id)!.lat.push(...r.latencyUs);
          }
        } catch (error) {
          failed.set(c.id, `failed: ${(error as Error).message}`.slice(0, 60));
          progress(`  ${c.id}: ${(error as Error).stack}`);
        }
      }
    }
    results.push({ workload: w.id, title: w.title, rows: buildRows(w.id, samples, failed, (c) => w.applies(c)) });
  }
  return results;
}

function buildRows(
  workload: string,
  samples: Map<string, { rate: number[]; lat: number[] }>,
  failed: Map<string, string>,
  applies: (c: Contender) => boolean,
): Row[] {
  const summaries = new Map([...samples].filter(([id]) => !failed.has(id)).map(([id, s]) => [id, summarize(s.rate, s.lat)]));
  return CONTENDERS.filter((c) => selected(workload, c.id) && (applies(c) || c.kind !== 'probe')).map((c) => {
    const summary = summaries.get(c.id);
    const ours = summaries.get(c.baseline ?? `ours-${c.driver}`);
    const note = failed.get(c.id) ?? (!applies(c) ? (c.kind === 'raw' ? 'n/a (no query builder)' : 'n/a') : !summary ? 'not run' : undefined);
    return {
      contender: c.id,
      label: c.label,
      driver: c.driver,
      kind: c.kind,
      summary,
      note,
      oursOverThis: summary && ours ? ours.opsPerSec / summary.opsPerSec : undefined,
    };
  });
}

async function runAllContention(): Promise<(ContentionResult | { contender: string; label: string; note: string })[]> {
  const results: (ContentionResult | { contender: string; label: string; note: string })[] = [];
  mkdirSync(join(dir, 'contention'));
  for (const c of CONTENDERS) {
    if (!selected('contention', c.id) || c.multiProcess === false) continue;
    progress(`contention: ${c.id}`);
    try {
      results.push(await runContention(c, copyTemplate(template, join(dir, 'contention', `${c.id}.db`)), CONTENTION_MS));
    } catch (error) {
      results.push({ contender: c.id, label: c.label, note: `failed: ${(error as Error).message}`.slice(0, 80) });
    }
  }
  return results;
}

/**
 * The parity probe against the raw row and our row, as one sentence (undefined without them).
 * Uses the median latency of timed batches, which a busy machine disturbs far less than the
 * per-round throughput.
 */
function parityCost(results: WorkloadResult[]): string | undefined {
  const rows = results.find((w) => w.workload === 'select-compiled')?.rows ?? [];
  const us = (id: string) => {
    return rows.find((r) => r.contender === id)?.summary?.medianUs;
  };
  const [raw, mapped, ours] = [us('raw-native'), us('parity-native'), us('ours-native')];
  if (raw === undefined || mapped === undefined || ours === undefined) return undefined;
  const cost = mapped - raw;
  return (
    `precompiled point SELECT, median latency: raw get() ${raw.toFixed(2)} us, with our value mapping ${mapped.toFixed(2)} us: ` +
    `the mapping costs ${cost.toFixed(2)} us per query = ${((cost / ours) * 100).toFixed(1)}% of our ${ours.toFixed(2)} us per query`
  );
}

/** Span-wait on each driver that has one: what a span-heavy reader costs another process's writer. */
async function runAllSpanWait(): Promise<SpanWaitResult[]> {
  const drivers: DriverName[] = ['native', ...(isBuiltin('node:sqlite') ? (['node'] as const) : []), 'wasm'];
  const out: SpanWaitResult[] = [];
  mkdirSync(join(dir, 'span-wait'));
  for (const driver of drivers) {
    if (filter && !filter.test(`span-wait/${driver}`)) continue;
    progress(`span-wait: ${driver}`);
    try {
      out.push(await runSpanWait(copyTemplate(template, join(dir, 'span-wait', `${driver}.db`)), driver, SPAN_WAIT_MS, SPAN_WAIT_PHASES));
    } catch (error) {
      progress(`  span-wait ${driver}: ${(error as Error).stack}`);
    }
  }
  return out;
}

/** Lock-wait on each driver: CPU while waiting for another process's lock, and hand-over latency. */
async function runAllLockWait(): Promise<LockWaitResult[]> {
  const drivers: DriverName[] = ['native', ...(isBuiltin('node:sqlite') ? (['node'] as const) : []), 'wasm'];
  const out: LockWaitResult[] = [];
  for (const driver of drivers) {
    if (filter && !filter.test(`lock-wait/${driver}`)) continue;
    progress(`lock-wait: ${driver}`);
    try {
      out.push(...(await runLockWait(join(dir, 'lock-wait'), driver, LOCK_WAIT_MS, LOCK_WAIT_HANDOVERS, LOCK_WAIT_RUNS, process.env.BENCH_COMPARE)));
    } catch (error) {
      progress(`  lock-wait ${driver}: ${(error as Error).stack}`);
    }
  }
  return out;
}

function measureAlsTax() {
  progress('als-tax: kysely-native in child processes');
  return runAlsTax(template, args.quick ? 2 : 5, args.quick ? 600 : 1500);
}

function machine() {
  return {
    node: process.version,
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
    // The machine is shared: the load average says how much, next to every figure.
    loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
  };
}

const started = performance.now();
const sessions = await openAll();
const workloads = await runWorkloads(sessions);
for (const s of sessions.values()) if (!(s instanceof Error)) await s.close();
const loadBefore = loadavg()[0]!;
const contention = await runAllContention();
const spanWait = await runAllSpanWait();
const lockWait = await runAllLockWait();
const alsTax = args.probes && selected('als-tax', 'kysely-native') ? measureAlsTax() : undefined;
const seconds = (performance.now() - started) / 1000;

const m = machine();
out(`\nkysely-dual-sqlite benchmark: ${ROUNDS} rounds x ${SLICE_MS} ms per contender per workload, contention ${PROCESSES} processes for ${CONTENTION_MS} ms`);
out(`machine: ${m.cpu}, ${m.nproc} cpus, node ${m.node}, ${m.platform}, ${m.date}; took ${seconds.toFixed(1)} s`);
out(`load average (1/5/15 min) at the end: ${m.loadAverage.join(' / ')}; 1-min load after the in-process workloads: ${loadBefore.toFixed(2)}\n`);
out('"ours ÷ this" = our dialect\'s throughput divided by this contender\'s, on the same driver (above 1 = ours is faster).\n');
for (const w of workloads) out(`${workloadTable(w.title, WORKLOADS.find((x) => x.id === w.workload)!.unit, w.rows)}\n`);
if (contention.length > 0) {
  const labels = Object.fromEntries(CONTENDERS.map((c) => [c.id, c.label]));
  out(`### contention: ${PROCESSES} processes, read-then-write transactions, ${CONTENTION_MS} ms\n\n${contentionTable(contention, labels)}\n`);
}
if (spanWait.length > 0) {
  out(`### span-wait: a reader process (bursts of ${BURST} sequential point SELECTs per event-loop turn) and a writer (BEGIN IMMEDIATE, UPDATE, COMMIT, 1 ms pause, synchronous=off), reader spans off and on in ${SPAN_WAIT_PHASES} alternating phases of ${SPAN_WAIT_MS} ms\n\n${spanWaitTable(spanWait)}\n`);
}
if (lockWait.length > 0) {
  out(`### lock-wait: this process waits ${LOCK_WAIT_MS} ms for another process's write lock (BEGIN IMMEDIATE), then ${LOCK_WAIT_HANDOVERS} short waits; ${LOCK_WAIT_RUNS} run(s) per row, alternating\n\n${lockWaitTable(lockWait)}\n`);
}
const targets = issue14Targets(workloads, contention, spanWait);
if (targets.some((t) => t.met !== undefined)) out(`### issue 14 targets (ratios from this run)\n\n${targetsTable(targets)}\n`);
const parity = parityCost(workloads);
if (parity) out(`### probe: value mapping (parity) cost\n\n${parity}\n`);
if (alsTax) {
  out(`### probe: AsyncLocalStorage tax (Kysely SqliteDialect alone, precompiled point SELECT, ${alsTax.rounds} child processes each)\n`);
  const delta = (alsTax.withUs / alsTax.withoutUs - 1) * 100;
  out(`without an enabled AsyncLocalStorage: ${alsTax.withoutUs.toFixed(2)} us/query; with one: ${alsTax.withUs.toFixed(2)} us/query (${delta >= 0 ? '+' : ''}${delta.toFixed(1)}%)\n`);
}
if (args.json) console.log(JSON.stringify({ machine: m, rounds: ROUNDS, sliceMs: SLICE_MS, contentionMs: CONTENTION_MS, seconds, workloads, contention, spanWait, lockWait, targets, alsTax }, null, 2));

