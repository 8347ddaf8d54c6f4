/**
 * `dual-sqlite demo`: the main job. Worker PROCESSES, each running many async tasks, write one
 * SQLite file through the dialect at the same time; at the end the parent checks that SQLite
 * never refused a caller with SQLITE_BUSY, that the file passes `integrity_check`, and that every
 * commit an agent saw acknowledged is in the database, and nothing else.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql, type Kysely } from 'kysely';
import { createKysely } from '../../front-door.js';
import { selectDriver } from '../../drivers/index.js';
import type { DriverName } from '../../drivers/types.js';
import { formatDsn, formatPostgresDsn, isPostgresDsn, parseDsn, parsePostgresDsn } from '../../dsn/index.js';
import { choiceFlag, describeSelection, EXIT, numberFlag, parse, UsageError, type DriverFlag } from '../args.js';
import { println, type CliIo } from '../io.js';
import { ProgressLine } from '../progress.js';
import type { AgentCounters, AgentMessage, AgentSpec } from './protocol.js';
import { WAIT_THRESHOLD_MS } from './protocol.js';
import { createSchema, type DemoDatabase } from './schema.js';
import { DEFAULT_DSN, DEMO_DRIVER_CHOICES, DEMO_NUMBERS, DEMO_USAGE, demoOptionHelp } from './flags.js';

export { DEFAULT_DSN, DEFAULT_THINK_MS } from './flags.js';

/** Help text of `dual-sqlite demo`, built from the flag tables in flags.ts. */
export const HELP = `dual-sqlite demo: many sub-agents write one SQLite database through the dialect

Usage: ${DEMO_USAGE}

${demoOptionHelp()}

Exit code 0 when no caller saw SQLITE_BUSY or another error, SQLite's own busy timeout is 0 in
every agent (lock waits happen on the event loop, never inside SQLite), integrity_check is ok and
every acknowledged commit is in the database; 1 otherwise; 2 for bad arguments.`;

interface DemoOptions {
  readonly dsn: string;
  /** The driver of every agent, or `undefined` to let the DSN/env/auto decide. */
  readonly driver: DriverFlag | undefined;
  /**
   * `--driver mixed`: the drivers the agents take in turn (agent i gets `mixed[i % length]`), all
   * on the dot-file protocol; empty when not mixed.
   */
  readonly mixed: readonly DriverName[];
  readonly agents: number;
  readonly tasks: number;
  readonly seconds: number;
  readonly thinkMs: number;
}

/** Runs the demo; returns the exit code. */
export async function run(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parse('demo', args, {
    dsn: { type: 'string' },
    driver: { type: 'string' },
    agents: { type: 'string' },
    tasks: { type: 'string' },
    seconds: { type: 'string' },
    'think-ms': { type: 'string' },
  }, 0);
  const driver = choiceFlag('demo', 'driver', values.driver, DEMO_DRIVER_CHOICES);
  const options: DemoOptions = {
    dsn: values.dsn ?? DEFAULT_DSN,
    driver: driver === 'mixed' ? 'native' : driver,
    mixed: driver === 'mixed' ? mixableDrivers() : [],
    agents: numberFlag('demo', DEMO_NUMBERS.agents, values.agents),
    tasks: numberFlag('demo', DEMO_NUMBERS.tasks, values.tasks),
    seconds: numberFlag('demo', DEMO_NUMBERS.seconds, values.seconds),
    thinkMs: numberFlag('demo', DEMO_NUMBERS['think-ms'], values['think-ms']),
  };
  if (isPostgresDsn(options.dsn)) return runOnPostgres(options, io);
  const config = parseDsn(options.dsn, { cwd: io.cwd });
  if (config.location.kind !== 'file') {
    throw new UsageError(`demo: --dsn "${options.dsn}" is not a file database; worker processes can only share a file (e.g. --dsn ./data/demo.db).`);
  }
  mkdirSync(dirname(config.location.path), { recursive: true });
  if (options.mixed.length > 0 && config.vfs !== undefined && config.vfs !== 'unix-dotfile') {
    throw new UsageError(`demo: --driver mixed needs the dot-file lock protocol, but the DSN sets vfs=${config.vfs}; drop it.`);
  }
  // Agents get the canonical DSN: an absolute path, so every process names the same file.
  const dsn = formatDsn(options.mixed.length > 0 ? { ...config, vfs: 'unix-dotfile' } : config);
  const runId = newRunId();
  const selection = selectDriver(config, { ...(options.driver ? { driver: options.driver } : {}), env: io.env });
  await prepare(dsn, options, runId, options.mixed.length > 0 ? 'mixed' : selection.driver);

  println(io.stdout, `demo: ${options.agents * options.tasks} sub-agents (${options.agents} worker processes x ${options.tasks} async tasks) writing for ${options.seconds} s`);
  println(io.stdout, `  workload each task: one transaction (insert + read back) then ${options.thinkMs > 0 ? `~${options.thinkMs} ms of its own work` : 'the next at once (--think-ms 0)'}`);
  println(io.stdout, `  database ${config.location.path}`);
  if (options.mixed.length > 0) println(io.stdout, `  driver   mixed: agents take ${options.mixed.join(', ')} in turn, all on the dot-file lock protocol (vfs=unix-dotfile), on one file`);
  else println(io.stdout, `  driver   ${describeSelection(selection, options.driver)}`);
  println(io.stdout, `  run id   ${runId}`);

  const results = await runAgents(dsn, options, runId, selection.driver, io);
  const check = await verify(dsn, options.driver, runId, results);
  return report(options, results, check, io);
}

/**
 * The drivers `--driver mixed` rotates over: every driver that loads here, in the order
 * native, wasm, node (so two agents already mix the two lock implementations, native's unix-dotfile
 * VFS and wasm's own; node joins from the third agent on Node 22+). Fewer than two is a usage error.
 */
function mixableDrivers(): DriverName[] {
  const loads = (driver: DriverName) => {
    try {
      selectDriver(parseDsn(':memory:'), { driver });
      return true;
    } catch {
      return false;
    }
  };
  const drivers = MIXED_ORDER.filter(loads);
  if (drivers.length < 2) {
    throw new UsageError(`demo: --driver mixed needs two drivers that load here, but only ${drivers.join(', ') || 'none'} did; install better-sqlite3 and node-sqlite3-wasm, or pick one driver.`);
  }
  return drivers;
}

const MIXED_ORDER: readonly DriverName[] = ['native', 'wasm', 'node'];

/** Agent `agent`'s driver under `--driver mixed`, undefined otherwise. */
function agentDriver(options: DemoOptions, agent: number): DriverName | undefined {
  return options.mixed.length > 0 ? options.mixed[agent % options.mixed.length] : undefined;
}

/**
 * `--dsn postgres://...`: the same agents, workload and row-by-row check on PostgreSQL (issue 18);
 * the SQLite-only parts (driver, SQLite's busy timeout, integrity_check) are reported as such.
 */
async function runOnPostgres(options: DemoOptions, io: CliIo): Promise<number> {
  if (options.driver !== undefined || options.mixed.length > 0) {
    throw new UsageError('demo: --driver picks a SQLite binding, and --dsn names a PostgreSQL server; drop --driver.');
  }
  const shown = formatPostgresDsn(parsePostgresDsn(options.dsn));
  const runId = newRunId();
  await prepare(options.dsn, options, runId, 'postgres');
  println(io.stdout, `demo: ${options.agents * options.tasks} sub-agents (${options.agents} worker processes x ${options.tasks} async tasks) writing for ${options.seconds} s`);
  println(io.stdout, `  workload each task: one transaction (insert + read back) then ${options.thinkMs > 0 ? `~${options.thinkMs} ms of its own work` : 'the next at once (--think-ms 0)'}`);
  println(io.stdout, `  database ${shown}`);
  println(io.stdout, '  engine   PostgreSQL (Kysely\'s PostgresDialect over pg)');
  println(io.stdout, `  run id   ${runId}`);
  const results = await runAgents(options.dsn, options, runId, 'postgres', io);
  const check = await verify(options.dsn, undefined, runId, results);
  return report(options, results, check, io);
}

function newRunId(): string {
  return `${new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${process.pid}`;
}

/** Through the one front door, so a postgres:// DSN opens PostgreSQL and any other SQLite. */
function open(dsn: string, driver: DriverFlag | undefined): Kysely<DemoDatabase> {
  return createKysely<DemoDatabase>(dsn, driver ? { driver } : {});
}

async function prepare(dsn: string, options: DemoOptions, runId: string, driver: string): Promise<void> {
  const db = open(dsn, options.driver);
  try {
    await createSchema(db);
    await db
      .insertInto('demo_runs')
      .values({ run_id: runId, started_at: Date.now(), driver, agents: options.agents, tasks: options.tasks, seconds: options.seconds, commits_reported: null })
      .execute();
  } finally {
    await db.destroy();
  }
}

/** What the parent collected from one agent process. */
interface AgentResult {
  /** The driver the agent was told to use (`auto` when the DSN/env decide). */
  driver: string;
  /** SQLite's own busy timeout the agent read back from its connection; null if it never got ready. */
  sqliteBusyTimeoutMs: number | null;
  counters: AgentCounters;
  committed: number[] | null;
  waits: number[];
  errorSamples: string[];
  fatal: string | null;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

interface RunResults {
  readonly agents: AgentResult[];
  readonly elapsedMs: number;
}

const zero = (): AgentCounters => ({ commits: 0, busy: 0, errors: 0, waited: 0, waitTotalMs: 0, waitMaxMs: 0, maxStallMs: 0, p99StallMs: 0 });

/** The agent module next to this one: `.ts` under tsx, `.js` in `dist/`. */
function agentFile(): string {
  const self = fileURLToPath(import.meta.url);
  return fileURLToPath(new URL(`./agent${extname(self)}`, import.meta.url));
}

/** `driver` is the parent's selection: every agent makes the same one (same DSN, env and packages). */
async function runAgents(dsn: string, options: DemoOptions, runId: string, driver: string, io: CliIo): Promise<RunResults> {
  const results: AgentResult[] = Array.from({ length: options.agents }, (_, agent) => ({
    driver: agentDriver(options, agent) ?? driver,
    sqliteBusyTimeoutMs: null, counters: zero(), committed: null, waits: [], errorSamples: [], fatal: null, exitCode: null, signal: null,
  }));
  const children: ChildProcess[] = [];
  const exited: Promise<void>[] = [];
  let ready = 0;
  let onReady = (): void => {};
  const allReady = new Promise<void>((resolve) => (onReady = resolve));

  for (let agent = 0; agent < options.agents; agent++) {
    const driver = agentDriver(options, agent) ?? options.driver;
    const spec: AgentSpec = { dsn, agent, tasks: options.tasks, runId, thinkMs: options.thinkMs, ...(driver ? { driver } : {}) };
    // fork() inherits execArgv, so under `node --import tsx` the agent's .ts runs the same way.
    const child = fork(agentFile(), [JSON.stringify(spec)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: io.env });
    children.push(child);
    const r = results[agent]!;
    child.on('message', (raw) => {
      const m = raw as AgentMessage;
      if (m.type === 'ready') {
        r.sqliteBusyTimeoutMs = m.sqliteBusyTimeoutMs;
        if (++ready === options.agents) onReady();
      }
      else if (m.type === 'progress') r.counters = m.counters;
      else if (m.type === 'done') Object.assign(r, { counters: m.counters, committed: m.committed, waits: m.waits, errorSamples: m.errorSamples });
      else if (m.type === 'fatal') r.fatal = m.message;
    });
    exited.push(new Promise((resolve) => child.on('exit', (code, signal) => {
      Object.assign(r, { exitCode: code, signal });
      if (r.committed === null && ready < options.agents) onReady(); // a dead agent must not stall the start
      resolve();
    })));
  }

  const startTimeout = setTimeout(() => onReady(), 120_000);
  await allReady;
  clearTimeout(startTimeout);
  const started = Date.now();
  const endAt = started + options.seconds * 1000;
  for (const child of children) if (child.connected) child.send({ type: 'go', endAt });

  const line = new ProgressLine(io.stderr, { plainIntervalMs: 1000 });
  const tick = setInterval(() => line.update(progressText(results, started, options)), 200);
  // An agent that hangs past the deadline (it should not) is killed so the demo always ends.
  const watchdog = setTimeout(() => {
    for (const c of children) if (c.exitCode === null && c.pid !== undefined) c.kill('SIGKILL');
  }, options.seconds * 1000 + 60_000);
  await Promise.all(exited);
  clearTimeout(watchdog);
  clearInterval(tick);
  const elapsedMs = Date.now() - started;
  line.done(progressText(results, started, options));
  return { agents: results, elapsedMs };
}

function total(results: readonly AgentResult[], key: keyof AgentCounters): number {
  return results.reduce((a, r) => a + r.counters[key], 0);
}

function progressText(results: readonly AgentResult[], started: number, options: DemoOptions): string {
  const t = Math.max(0.001, (Date.now() - started) / 1000);
  const commits = total(results, 'commits');
  const running = results.filter((r) => r.exitCode === null && r.signal === null).length;
  return (
    `demo ${Math.min(t, options.seconds).toFixed(1)}/${options.seconds} s  commits ${fmt(commits)} (${fmt(Math.round(commits / Math.min(t, options.seconds)))}/s)` +
    `  waited ${fmt(total(results, 'waited'))}  SQLITE_BUSY ${total(results, 'busy')}  errors ${total(results, 'errors')}  worker processes running ${running}/${options.agents}`
  );
}

interface Verification {
  /** `null` on PostgreSQL, where integrity_check does not exist. */
  readonly integrity: string[] | null;
  readonly expected: number;
  readonly verified: number;
  readonly missing: number;
  readonly unexpected: number;
  readonly problems: string[];
}

/** Re-opens the database, runs integrity_check and checks every acknowledged commit row by row. */
async function verify(dsn: string, driver: DriverFlag | undefined, runId: string, run: RunResults): Promise<Verification> {
  const db = open(dsn, driver);
  try {
    // PostgreSQL checks its own pages (data checksums); integrity_check is SQLite's.
    const integrity = isPostgresDsn(dsn) ? null : (await sql<Record<string, string>>`pragma integrity_check`.execute(db)).rows.map((r) => String(Object.values(r)[0]));
    const groups = await db
      .selectFrom('demo_rows')
      .select((eb) => ['agent', 'task', eb.fn.countAll<number>().as('n'), eb.fn.min<number>('seq').as('lo'), eb.fn.max<number>('seq').as('hi')])
      .where('run_id', '=', runId)
      .groupBy(['agent', 'task'])
      .execute();
    const found = new Map(groups.map((g) => [`${g.agent}/${g.task}`, g]));
    let expected = 0, verified = 0, missing = 0, unexpected = 0;
    const problems: string[] = [];
    run.agents.forEach((r, agent) => {
      if (r.committed === null) {
        problems.push(`agent ${agent} did not report its commits (${r.fatal ?? `exit code ${r.exitCode}, signal ${r.signal}`})`);
        return;
      }
      r.committed.forEach((n, task) => {
        expected += n;
        const g = found.get(`${agent}/${task}`);
        found.delete(`${agent}/${task}`);
        const have = g ? Number(g.n) : 0;
        // seq is a primary-key part, so count n with min 0 and max n-1 means exactly rows 0..n-1.
        const exact = n === 0 ? have === 0 : have === n && Number(g!.lo) === 0 && Number(g!.hi) === n - 1;
        if (exact) verified += n;
        else {
          verified += Math.min(have, n);
          missing += Math.max(0, n - have);
          unexpected += Math.max(0, have - n);
          problems.push(`agent ${agent} task ${task}: acknowledged ${n} commits, database has ${have} rows (seq ${g?.lo ?? '-'}..${g?.hi ?? '-'})`);
        }
      });
    });
    for (const g of found.values()) {
      unexpected += Number(g.n);
      problems.push(`agent ${g.agent} task ${g.task}: ${g.n} rows that no agent acknowledged`);
    }
    await db.updateTable('demo_runs').set({ commits_reported: expected }).where('run_id', '=', runId).execute();
    return { integrity, expected, verified, missing, unexpected, problems };
  } finally {
    await db.destroy();
  }
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function report(options: DemoOptions, run: RunResults, check: Verification, io: CliIo): number {
  const out = (s = ''): void => println(io.stdout, s);
  const more = (s: string): void => out(`                      ${s}`);
  const commits = total(run.agents, 'commits');
  const busy = total(run.agents, 'busy');
  const errors = total(run.agents, 'errors');
  const waits = run.agents.flatMap((r) => r.waits).sort((a, b) => a - b);
  const maxWait = waits.at(-1) ?? 0;
  const stall = Math.max(0, ...run.agents.map((r) => r.counters.maxStallMs));
  const p99Stall = Math.max(0, ...run.agents.map((r) => r.counters.p99StallMs));
  const timeouts = run.agents.map((r) => r.sqliteBusyTimeoutMs);
  const postgres = run.agents.every((r) => r.driver === 'postgres');
  // On PostgreSQL lock waits happen in the server, never in this process: nothing to read back.
  const waitsOffLoop = postgres || timeouts.every((t) => t === 0);
  const integrityOk = check.integrity === null || (check.integrity.length === 1 && check.integrity[0] === 'ok');
  const rowsOk = check.problems.length === 0 && check.verified === commits && check.expected === commits;
  const ok = busy === 0 && errors === 0 && waitsOffLoop && integrityOk && rowsOk;
  const verdict = (good: boolean): string => (good ? 'ok' : 'FAIL');

  out();
  out(`results after ${(run.elapsedMs / 1000).toFixed(1)} s:`);
  out(`  throughput          ${fmt(commits)} transactions committed, ${fmt(Math.round(commits / options.seconds))} per second of the ${options.seconds} s run`);
  out(`  lock waits          ${fmt(total(run.agents, 'waited'))} of ${fmt(waits.length)} transactions waited >= ${WAIT_THRESHOLD_MS} ms to start;` +
      ` p50 ${percentile(waits, 50).toFixed(2)} ms, p99 ${percentile(waits, 99).toFixed(2)} ms, max ${maxWait.toFixed(1)} ms`);
  more('what: time from asking for a transaction to its callback running (this process\'s queue plus the cross-process');
  more('write lock); its length follows the load: the library bounds the cross-process part by _busy_timeout (then SQLITE_BUSY)');
  if (postgres) more('promise: lock waits never block the event loop: ok, PostgreSQL waits in the server while the client awaits the socket');
  else {
    more(`promise: lock waits never block the event loop: ${verdict(waitsOffLoop)}, SQLite's own busy timeout read back ` +
         `${waitsOffLoop ? `as 0 ms in all ${timeouts.length} agents` : `as ${timeouts.map((t) => (t === null ? 'unknown' : `${t} ms`)).join(', ')} (must be 0)`}, ` +
         'so a locked statement returns at once and the wait runs on timers');
  }
  out(`  SQLITE_BUSY seen    ${busy} (promise: 0, the dialect waits for locks instead of failing): ${verdict(busy === 0)}`);
  out(`  other errors        ${errors} (expected 0): ${verdict(errors === 0)}`);
  for (const r of run.agents) for (const s of r.errorSamples) more(s);
  out(`  per agent process   ${run.agents.map((r, i) => `#${i} ${r.driver} ${fmt(r.counters.commits)}`).join(', ')}`);
  out(`  event-loop stall    max ${stall.toFixed(1)} ms, p99 ${p99Stall.toFixed(1)} ms in the worst agent process`);
  more('what: the longest time an agent\'s event loop did not turn. Statements run synchronously (a COMMIT waits for');
  more(`fsync), so this is the slowest statement plus scheduling on this machine (load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} CPUs)`);
  more(`promise: none on statement time (shown for information); ${stallEvidence(maxWait, stall)}`);
  out(`  integrity_check     ${check.integrity === null ? 'not applicable (PostgreSQL)' : integrityOk ? 'ok' : check.integrity.slice(0, 5).join('; ')}`);
  out(`  rows verified       ${fmt(check.verified)} of ${fmt(check.expected)} acknowledged commits found row by row; ${check.missing} missing, ${check.unexpected} unexpected`);
  for (const p of check.problems.slice(0, 10)) more(p);
  for (const r of run.agents) if (r.fatal) out(`  agent failed        ${r.fatal}`);
  out();
  out(ok ? 'verdict: PASS' : 'verdict: FAIL');
  return ok ? EXIT.OK : EXIT.PROBLEM;
}

/** What the stall says about lock waits: a wait that blocked the loop would be a stall as long. */
function stallEvidence(maxWait: number, stall: number): string {
  if (maxWait > stall) {
    return `lock waits of up to ${maxWait.toFixed(1)} ms passed while no stall exceeded ${stall.toFixed(1)} ms, so those waits did not block the loop`;
  }
  return `no lock wait in this run outlasted the longest stall, so this figure alone cannot show that waits kept off the loop (the busy timeout above does)`;
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}
