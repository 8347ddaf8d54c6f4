/**
 * Torture scenarios: real writer processes SIGKILLed at random moments and restarted, with the
 * database verified after every round; and the "sub-agent load" (processes x worker threads x
 * async tasks through the Kysely dialect with default settings). Used by `npm run torture` (long)
 * and by `torture.test.ts` (short).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import type { DriverName } from '../../drivers/types.js';
import { LEDGER_DDL, LOAD_DDL, LONG_BUSY_TIMEOUT, dsnFor, runSql, spawnChild, verifyLedger, type Child } from './harness.js';
import { runMigrateScenario, type MigrateScenario } from './migrations.js';
import { loadAwareTimeout } from '../helpers/hang.js';

/** One crash-loop configuration. */
export interface CrashScenario {
  readonly kind: 'crash';
  readonly name: string;
  /** Driver of each writer slot. */
  readonly writers: readonly DriverName[];
  /** Native and node writers use vfs=unix-dotfile (wasm always locks with dot-files). */
  readonly dotfile: boolean;
  /** Extra DSN parameters for every writer (e.g. WAL). */
  readonly extra?: string;
  /** Writers run `PRAGMA wal_checkpoint(TRUNCATE)` every N commits, so kills land in checkpoints. */
  readonly checkpointEvery?: number;
  /** Driver the parent verifies with. */
  readonly verifier: DriverName;
  /**
   * Span-heavy reader slots (`_read_spans=1`), SIGKILLed and restarted like the writers: each
   * checks that no half-applied transaction is ever visible and that the ledger never shrinks.
   */
  readonly readers?: readonly DriverName[];
  /** Only in the long run (`npm run torture`), not in the short round of `npm test`. */
  readonly longOnly?: boolean;
}

/** One sub-agent load configuration. */
export interface LoadScenario {
  readonly kind: 'load';
  readonly name: string;
  readonly driver: DriverName;
  readonly processes: number;
  readonly threads: number;
  readonly tasks: number;
  readonly rows: number;
}

export type Scenario = CrashScenario | LoadScenario | MigrateScenario;

/** Every scenario, in the order the summary lists them. */
export const SCENARIOS: readonly Scenario[] = [
  { kind: 'crash', name: 'native rollback journal', writers: ['native', 'native', 'native'], dotfile: false, verifier: 'native' },
  {
    kind: 'crash',
    name: 'native WAL (+checkpoints)',
    writers: ['native', 'native', 'native'],
    dotfile: false,
    extra: '_journal_mode=wal&_pragma=wal_autocheckpoint(16)',
    checkpointEvery: 5,
    verifier: 'native',
  },
  { kind: 'crash', name: 'wasm', writers: ['wasm', 'wasm', 'wasm'], dotfile: true, verifier: 'wasm' },
  { kind: 'crash', name: 'native-dotfile + wasm', writers: ['native', 'wasm', 'native', 'wasm'], dotfile: true, verifier: 'wasm' },
  { kind: 'crash', name: 'node rollback journal', writers: ['node', 'node', 'node'], dotfile: false, verifier: 'node' },
  // better-sqlite3 and node:sqlite processes share the file on POSIX locks (one SQLite copy per process)
  { kind: 'crash', name: 'native + node', writers: ['native', 'node', 'native', 'node'], dotfile: false, verifier: 'native' },
  {
    kind: 'crash',
    name: 'native + node WAL (+checkpoints)',
    writers: ['native', 'node', 'native', 'node'],
    dotfile: false,
    extra: '_journal_mode=wal&_pragma=wal_autocheckpoint(16)',
    checkpointEvery: 5,
    verifier: 'node',
  },
  // Read spans (issue 14): span-heavy readers beside SIGKILLed writers, readers killed too (a
  // reader killed inside a span leaves a dot-file lock that the others must recover).
  { kind: 'crash', name: 'spans: wasm readers + writers', writers: ['wasm', 'wasm'], readers: ['wasm', 'wasm'], dotfile: true, verifier: 'wasm' },
  { kind: 'crash', name: 'spans: native readers + writers', writers: ['native', 'native'], readers: ['native', 'native'], dotfile: false, verifier: 'native' },
  {
    kind: 'crash',
    name: 'spans: native WAL readers + writers (+checkpoints)',
    writers: ['native', 'native'],
    readers: ['native', 'native'],
    dotfile: false,
    extra: '_journal_mode=wal&_pragma=wal_autocheckpoint(16)',
    checkpointEvery: 5,
    verifier: 'native',
    longOnly: true,
  },
  { kind: 'crash', name: 'spans: native-dotfile + wasm readers + writers', writers: ['native', 'wasm'], readers: ['wasm', 'native'], dotfile: true, verifier: 'wasm', longOnly: true },
  { kind: 'crash', name: 'spans: node readers + native/node writers', writers: ['native', 'node'], readers: ['node', 'node'], dotfile: false, verifier: 'node' },
  { kind: 'load', name: 'sub-agent load native', driver: 'native', processes: 2, threads: 2, tasks: 8, rows: 12 },
  { kind: 'load', name: 'sub-agent load wasm', driver: 'wasm', processes: 2, threads: 2, tasks: 8, rows: 12 },
  { kind: 'load', name: 'sub-agent load node', driver: 'node', processes: 2, threads: 2, tasks: 8, rows: 12 },
  { kind: 'migrate', name: 'migrations native', migrators: ['native', 'native', 'native', 'native'], dotfile: false, verifier: 'native' },
  { kind: 'migrate', name: 'migrations wasm', migrators: ['wasm', 'wasm', 'wasm', 'wasm'], dotfile: true, verifier: 'wasm' },
  { kind: 'migrate', name: 'migrations native-dotfile + wasm', migrators: ['native', 'wasm', 'native', 'wasm'], dotfile: true, verifier: 'native' },
  // node:sqlite migrators beside better-sqlite3 ones on POSIX locks
  { kind: 'migrate', name: 'migrations native + node', migrators: ['native', 'node', 'native', 'node'], dotfile: false, verifier: 'node' },
];

/** The drivers a scenario runs. */
export function scenarioDrivers(s: Scenario): DriverName[] {
  if (s.kind === 'migrate') return [...new Set([...s.migrators, s.verifier])];
  return s.kind === 'load' ? [s.driver] : [...new Set([...s.writers, ...(s.readers ?? []), s.verifier])];
}

/**
 * The scenarios whose drivers all exist in this Node (`node:sqlite` needs Node 22.13+), and a
 * line naming those left out, if any.
 */
export function scenariosHere(all: readonly Scenario[] = SCENARIOS): { scenarios: Scenario[]; skipped: string | undefined } {
  const here = isBuiltin('node:sqlite');
  const scenarios = all.filter((s) => here || !scenarioDrivers(s).includes('node'));
  const left = all.filter((s) => !scenarios.includes(s)).map((s) => s.name);
  return {
    scenarios,
    skipped: left.length > 0 ? `torture: skipped (node:sqlite does not exist in Node ${process.version}): ${left.join(', ')}` : undefined,
  };
}

/** Totals for one scenario. */
export interface ScenarioResult {
  readonly name: string;
  rounds: number;
  kills: number;
  /** Crash loops: acknowledged commits, each verified present after every later round. Load: rows. */
  commitsChecked: number;
  failures: number;
  /** Kills that hit a writer between its `checkpoint` and `checkpointed` reports (WAL). */
  checkpointKills: number;
  /** The first problems seen, for the report. */
  readonly problems: string[];
}

/**
 * Knobs of a run. A crash-loop round is sized either by wall time (`roundMs`, the long run: more
 * load simply means fewer commits per round) or by work done (`roundCommits`, the short run in
 * `npm test`: a round cannot end before it tested anything, however loaded the machine is).
 */
export type TortureOptions = {
  readonly rounds: number;
  /** Random kill-and-restart events per round, besides the end-of-round kills. */
  readonly midRoundKills: number;
  readonly log?: (line: string) => void;
} & (
  | {
      /** Milliseconds writers run per round before the end-of-round kills: [min, max). */
      readonly roundMs: readonly [number, number];
      readonly roundCommits?: undefined;
    }
  | {
      /**
       * A round ends once every writer slot has acknowledged this many commits in it; each
       * mid-round kill hits a writer after its first acknowledged commit.
       */
      readonly roundCommits: number;
      /** Hang detector for one wait for commits, in ms of unloaded time (default 120 000). */
      readonly hangMs?: number;
      readonly roundMs?: undefined;
    }
);

const rand = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo));

function scratchFile(): { dir: string; file: string } {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'kds-torture-')));
  return { dir, file: join(dir, 'torture.db') };
}

/**
 * One slot of a crash loop: a writer (restarted under a new writer id each time) or a span reader
 * (its bursts count as its acknowledgements).
 */
class Slot {
  child: Child | undefined;
  /** The last report line was `checkpoint`: a checkpoint is (probably) running. */
  inCheckpoint = false;
  /** Commits acknowledged by the running incarnation. */
  acks = 0;
  /** Commits acknowledged by this slot (any incarnation) since the round began. */
  roundAcks = 0;
  #incarnation = 0;
  #expectedExit = false;

  constructor(
    readonly index: number,
    readonly driver: DriverName,
    readonly scenario: CrashScenario,
    readonly file: string,
    readonly acked: Map<string, number>,
    readonly fail: (problem: string) => void,
    readonly role: 'writer' | 'reader' = 'writer',
  ) {}

  /** Id of the running incarnation, if any. */
  writer: string | undefined;

  start(): void {
    const writer = `s${this.index}.${++this.#incarnation}`;
    this.writer = writer;
    const s = this.scenario;
    this.#expectedExit = false;
    this.inCheckpoint = false;
    this.acks = 0;
    // The writers' busy timeout is a hang detector, not the subject: under heavy machine load a
    // restarted writer can wait more than the default 5 s of wall time for three busy siblings
    // (and for the guard to clear a killed one's lock) before its open gets the lock.
    const extra = [s.extra, `_busy_timeout=${LONG_BUSY_TIMEOUT}`, this.role === 'reader' ? '_read_spans=1' : ''].filter(Boolean).join('&');
    const dsn = dsnFor(this.file, this.driver, { dotfile: s.dotfile, extra });
    const child = spawnChild(
      this.role === 'reader'
        ? { role: 'reader', dsn, driver: this.driver }
        : { role: 'writer', dsn, driver: this.driver, writer, checkpointEvery: s.checkpointEvery },
      (line) => {
        if (line.startsWith('reads ')) {
          this.acks++;
          this.roundAcks++;
        } else if (line === 'checkpoint') this.inCheckpoint = true;
        else if (line === 'checkpointed') this.inCheckpoint = false;
        else if (line.startsWith('ack ')) {
          const [, w, seq] = line.split(' ');
          this.acked.set(w!, Number(seq));
          this.acks++;
          this.roundAcks++;
        } else if (line.startsWith('error ')) {
          this.fail(`${this.role} ${writer} (${this.driver}): ${line}`);
        }
      },
    );
    this.child = child;
    void child.closed.then((code) => {
      if (!this.#expectedExit && this.child === child) {
        this.fail(`${this.role} ${writer} (${this.driver}) exited by itself (${code}): ${child.stderr.slice(-500)}`);
        this.child = undefined;
      }
    });
  }

  /** SIGKILLs the running writer; true when it was reporting a checkpoint in progress. */
  async kill(): Promise<boolean> {
    const child = this.child;
    if (!child) return false;
    const duringCheckpoint = this.inCheckpoint;
    this.#expectedExit = true;
    this.child = undefined;
    this.writer = undefined;
    await child.kill();
    return duringCheckpoint;
  }
}

/**
 * Waits (up to 2 s) for a writer to report that it started a checkpoint and SIGKILLs it at once,
 * so WAL rounds always include a kill aimed at a checkpoint, not only ones that land by chance.
 */
async function killDuringCheckpoint(slots: readonly Slot[], result: ScenarioResult): Promise<void> {
  const until = Date.now() + 2000;
  while (Date.now() < until) {
    const slot = slots.find((sl) => sl.child && sl.inCheckpoint);
    if (slot) {
      result.kills++;
      if (await slot.kill()) result.checkpointKills++;
      slot.start();
      return;
    }
    await sleep(1);
  }
}

/**
 * Waits until `done()` or a problem is recorded for the round; a hang is reported as a problem
 * once `hangMs` of unloaded time passed without `done()` (it counts only time the machine had CPU
 * to spare, so load alone never ends the wait). Returns the problem, if any.
 */
async function waitForWork(what: string, done: () => boolean, problems: () => readonly string[], hangMs: number): Promise<string | undefined> {
  if (done()) return undefined;
  let hung = false;
  const cancel = loadAwareTimeout(hangMs, () => (hung = true));
  try {
    while (!done()) {
      if (problems().length > 0) return undefined; // already reported (a writer failed or exited)
      if (hung) return `no progress: ${what} within ${hangMs} ms of unloaded time`;
      await sleep(2);
    }
    return undefined;
  } finally {
    cancel();
  }
}

/** The mid-round kills and the wait before the end-of-round kills, sized by work done. */
async function runRoundByWork(slots: readonly Slot[], opts: { roundCommits: number; hangMs?: number; midRoundKills: number }, result: ScenarioResult, problems: () => string[]): Promise<void> {
  const hangMs = opts.hangMs ?? 120_000;
  const stuck = (p: string | undefined) => p && problems().push(p);
  for (let k = 0; k < opts.midRoundKills; k++) {
    const slot = slots[rand(0, slots.length)]!;
    // A kill after the victim's first commit: its restart then recovers a file it wrote to.
    stuck(await waitForWork(`writer slot ${slot.index} acknowledging a commit`, () => !slot.child || slot.acks >= 1, problems, hangMs));
    if (problems().length > 0) return;
    if (slot.child) {
      if (await slot.kill()) result.checkpointKills++;
      result.kills++;
      slot.start();
    }
  }
  for (const slot of slots) {
    stuck(await waitForWork(`writer slot ${slot.index} acknowledging ${opts.roundCommits} commits this round`, () => slot.roundAcks >= opts.roundCommits, problems, hangMs));
    if (problems().length > 0) return;
  }
}

/** Runs one crash-loop scenario for `opts.rounds` rounds. */
export async function runCrashScenario(s: CrashScenario, opts: TortureOptions): Promise<ScenarioResult> {
  const result: ScenarioResult = { name: s.name, rounds: 0, kills: 0, commitsChecked: 0, failures: 0, checkpointKills: 0, problems: [] };
  const { dir, file } = scratchFile();
  let roundProblems: string[] = [];
  const fail = (p: string) => roundProblems.push(p);
  await runSql(dsnFor(file, s.verifier, { dotfile: s.dotfile, extra: s.extra }), s.verifier, LEDGER_DDL);
  const acked = new Map<string, number>();
  const slots = [
    ...s.writers.map((d, i) => new Slot(i + 1, d, s, file, acked, fail)),
    ...(s.readers ?? []).map((d, i) => new Slot(s.writers.length + i + 1, d, s, file, acked, fail, 'reader')),
  ];
  try {
    for (let round = 1; round <= opts.rounds; round++) {
      roundProblems = [];
      for (const slot of slots) {
        slot.roundAcks = 0;
        if (!slot.child) slot.start();
      }
      if (opts.roundCommits !== undefined) await runRoundByWork(slots, opts, result, () => roundProblems);
      else await runRoundByTime(slots, opts.roundMs, opts.midRoundKills, result);
      if (s.checkpointEvery) await killDuringCheckpoint(slots, result);
      // End of round: SIGKILL a random non-empty subset, wherever they are (often mid-transaction
      // or, in WAL mode, mid-checkpoint); the others keep writing during the verification.
      const victims = slots.filter(() => Math.random() < 0.6);
      if (victims.length === 0) victims.push(slots[rand(0, slots.length)]!);
      for (const v of victims) {
        if (v.child) result.kills++;
        if (await v.kill()) result.checkpointKills++;
      }
      const snapshot = new Map(acked);
      const running = new Set(slots.map((sl) => sl.writer));
      const gone = new Set([...snapshot.keys()].filter((w) => !running.has(w)));
      const v = await verifyLedger(file, s.verifier, s.dotfile, snapshot, gone);
      roundProblems.push(...v.problems);
      result.rounds++;
      result.commitsChecked = v.commitsChecked;
      if (roundProblems.length) {
        result.failures++;
        if (result.problems.length < 10) result.problems.push(`round ${round}: ${roundProblems.join('; ')}`);
      }
      opts.log?.(
        `  ${s.name} round ${round}: ${v.commitsChecked} acked commits verified, kills so far ${result.kills}` +
          (s.readers ? `, reader bursts this round ${slots.filter((sl) => sl.role === 'reader').map((sl) => sl.roundAcks).join('/')}` : '') +
          (roundProblems.length ? `, PROBLEMS: ${roundProblems.join('; ')}` : ''),
      );
    }
  } finally {
    for (const slot of slots) await slot.kill();
    rmSync(dir, { recursive: true, force: true });
  }
  return result;
}

/** The mid-round kills and the wait before the end-of-round kills, sized by wall time. */
async function runRoundByTime(slots: readonly Slot[], roundMs: readonly [number, number], midRoundKills: number, result: ScenarioResult): Promise<void> {
  // Let the writers get going (process start is slow on a loaded machine), then run.
  await Promise.race([
    Promise.all(slots.map((sl) => sl.child?.waitFor(/^ack /, 30_000).catch(() => undefined))),
    sleep(30_000),
  ]);
  const runMs = rand(roundMs[0], roundMs[1]);
  const killAt = Array.from({ length: midRoundKills }, () => rand(0, runMs)).sort((a, b) => a - b);
  let elapsed = 0;
  for (const at of killAt) {
    await sleep(at - elapsed);
    elapsed = at;
    const slot = slots[rand(0, slots.length)]!;
    if (slot.child) {
      if (await slot.kill()) result.checkpointKills++;
      result.kills++;
      slot.start();
    }
  }
  await sleep(runMs - elapsed);
}

/** Runs one sub-agent load scenario for `opts.rounds` rounds (a fresh file each round). */
export async function runLoadScenario(s: LoadScenario, opts: TortureOptions): Promise<ScenarioResult> {
  const result: ScenarioResult = { name: s.name, rounds: 0, kills: 0, commitsChecked: 0, failures: 0, checkpointKills: 0, problems: [] };
  for (let round = 1; round <= opts.rounds; round++) {
    const { dir, file } = scratchFile();
    const problems: string[] = [];
    try {
      await runSql(file, s.driver, LOAD_DDL);
      const agents = Array.from({ length: s.processes }, (_, i) =>
        // The long busy timeout is a hang detector (see LONG_BUSY_TIMEOUT): the default 5 s is wall
        // time, which a loaded test machine can spend before a waiting task's turn comes.
        spawnChild({ role: 'load', dsn: `${file}?_busy_timeout=${LONG_BUSY_TIMEOUT}`, driver: s.driver, agent: `a${i + 1}`, threads: s.threads, tasks: s.tasks, rows: s.rows }),
      );
      const perAgent = (s.threads + 1) * s.tasks * s.rows;
      await Promise.all(
        agents.map(async (a, i) => {
          try {
            const line = await a.waitFor(/^(written|error) /, 240_000);
            if (line !== `written ${perAgent}`) problems.push(`agent a${i + 1}: ${line}`);
          } catch (err) {
            problems.push(`agent a${i + 1}: ${(err as Error).message}`);
          }
          for (const l of a.lines) if (l.startsWith('error ')) problems.push(`agent a${i + 1}: ${l}`);
          await a.closed;
        }),
      );
      const rows = await runSql(file, s.driver, 'select agent, count(*) as n from t group by agent');
      const byAgent = new Map<string, number>();
      for (const r of rows) {
        const a = String(r.agent).split('/')[0]!;
        byAgent.set(a, (byAgent.get(a) ?? 0) + Number(r.n));
      }
      for (let i = 1; i <= s.processes; i++) {
        const n = byAgent.get(`a${i}`) ?? 0;
        if (n !== perAgent) problems.push(`agent a${i}: ${n} rows in the file, ${perAgent} written`);
      }
      const integrity = await runSql(file, s.driver, 'pragma integrity_check');
      if (integrity[0]?.integrity_check !== 'ok') problems.push(`integrity_check: ${JSON.stringify(integrity)}`);
      result.commitsChecked += [...byAgent.values()].reduce((a, b) => a + b, 0);
    } catch (err) {
      problems.push(`round failed: ${(err as Error).message}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    result.rounds++;
    if (problems.length) {
      result.failures++;
      if (result.problems.length < 10) result.problems.push(`round ${round}: ${problems.slice(0, 5).join('; ')}`);
    }
    opts.log?.(`  ${s.name} round ${round}: ${problems.length ? `PROBLEMS: ${problems.slice(0, 3).join('; ')}` : 'ok'}`);
  }
  return result;
}

/** Runs one scenario of either kind. */
export function runScenario(s: Scenario, opts: TortureOptions): Promise<ScenarioResult> {
  if (s.kind === 'migrate') return runMigrateScenario(s, opts);
  return s.kind === 'crash' ? runCrashScenario(s, opts) : runLoadScenario(s, opts);
}

/** The summary table printed at the end of a run. */
export function summaryTable(results: readonly ScenarioResult[]): string {
  const head = ['scenario', 'rounds', 'kills', 'commits checked', 'failures'];
  const rows = results.map((r) => [r.name, String(r.rounds), String(r.kills), String(r.commitsChecked), String(r.failures)]);
  const total = ['TOTAL', ...[1, 2, 3, 4].map((k) => String(rows.reduce((a, r) => a + Number(r[k]), 0)))];
  const all = [head, ...rows, total];
  const widths = head.map((_, k) => Math.max(...all.map((r) => r[k]!.length)));
  const fmt = (r: string[]) => '| ' + r.map((c, k) => (k === 0 ? c.padEnd(widths[k]!) : c.padStart(widths[k]!))).join(' | ') + ' |';
  const sep = '|' + widths.map((w, k) => (k === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|';
  return [fmt(head), sep, ...rows.map(fmt), fmt(total)].join('\n');
}
