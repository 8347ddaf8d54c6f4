/** Shared parts of the SIGKILL tests: CLI runs with a kill timer, test databases. */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../../index.js';
import type { DriverName } from '../../drivers/types.js';
import { cliNodeArgs } from '../cli/run-cli.js';
import { depth } from '../helpers/depth.js';
import { tmpDir } from '../helpers/tmp.js';

/**
 * Kills per driver: 2 in `npm test` (a killed and a finished run are both likely in two draws, and
 * every kill is fully checked), 5 under `TEST_FULL=1` (CI's Node 22 run).
 */
export const ROUNDS = depth(2, 5);
/** Rows of ~600 bytes in each test database (~10 MB). */
export const ROWS = 16000;

/**
 * A kill time: uniform over the part of an uninterrupted run after the CLI has started (its
 * start-up, measured with "help", dominates under load and would take most of the kills).
 */
export function killTime(startupMs: number, fullMs: number): number {
  const work = Math.max(fullMs - startupMs, 50);
  return Math.random() < 0.2 ? Math.random() * fullMs : startupMs + Math.random() * work;
}

/** Runs the CLI; with `killAfterMs` it is SIGKILLed then (unless it ended first). */
export function runCli(args: string[], killAfterMs?: number): Promise<{ code: number | null; killed: boolean; ms: number; out: string }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...cliNodeArgs(), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    let killed = false;
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => ((killed = true), child.kill('SIGKILL')), killAfterMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, killed: killed && code === null, ms: performance.now() - started, out });
    });
  });
}

/** A database of ROWS rows labelled `label`. */
export async function fill(path: string, driver: DriverName, label: string): Promise<void> {
  const db = await openDatabase(path, { driver });
  await db.execute('create table if not exists t (label text, pad text)');
  await db.execute('begin');
  for (let i = 0; i < ROWS; i++) await db.execute('insert into t values (?, ?)', [label, 'p'.repeat(600)]);
  await db.execute('commit');
  await db.close();
}

/** What a database holds, after proving it still takes a write. */
export async function contents(path: string, driver: DriverName): Promise<{ labels: string[]; rows: number; integrity: string }> {
  const db = await openDatabase(path, { driver });
  try {
    const labels = (await db.execute('select distinct label from t order by 1')).rows.map((r) => String(r.label));
    const rows = Number((await db.execute('select count(*) as n from t')).rows[0]!.n);
    const integrity = (await db.execute('pragma integrity_check')).rows.map((r) => String(Object.values(r)[0])).join('; ');
    await db.execute("insert into t values ('probe', '')");
    await db.execute("delete from t where label = 'probe'");
    return { labels, rows, integrity };
  } finally {
    await db.close();
  }
}


/**
 * Runs the CLI with `DUAL_SQLITE_FAILPOINT=point` and SIGKILLs it as soon as it reports standing
 * there (core/failpoint.ts). Resolves `reached: false` with the output when it ended without
 * reaching the point.
 */
export function runCliToFailpoint(args: string[], point: string): Promise<{ reached: boolean; code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...cliNodeArgs(), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DUAL_SQLITE_FAILPOINT: point },
    });
    let out = '';
    let reached = false;
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => {
      out += d;
      if (!reached && out.includes(`failpoint ${point}\n`)) {
        reached = true;
        child.kill('SIGKILL');
      }
    });
    child.on('exit', (code) => resolve({ reached, code, out }));
  });
}

/** What a CLI run parked at a failpoint printed and how it ended. */
export interface ParkedRun {
  /** Whether it reached the failpoint. */
  readonly reached: boolean;
  readonly code: number | null;
  readonly stdout: string;
  /** stdout and stderr, interleaved as they came. */
  readonly out: string;
}

/**
 * Runs the CLI with DUAL_SQLITE_FAILPOINT=`point` and a release file; once it is parked there,
 * `onOutput` is called with the output so far on each stderr chunk, to send signals and
 * `release()` the point. Real process.
 */
function runParked(args: string[], point: string, onOutput: (out: string, kill: (s: NodeJS.Signals) => void, release: () => void) => void): Promise<ParkedRun> {
  const releaseFile = join(tmpDir('kds-release-'), 'go');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...cliNodeArgs(), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DUAL_SQLITE_FAILPOINT: point, DUAL_SQLITE_FAILPOINT_RELEASE: releaseFile },
    });
    let stdout = '';
    let out = '';
    let reached = false;
    const kill = (signal: NodeJS.Signals) => child.kill(signal);
    const release = () => writeFileSync(releaseFile, '');
    child.stdout.on('data', (d) => ((stdout += d), (out += d)));
    child.stderr.on('data', (d) => {
      out += d;
      if (!reached && out.includes(`failpoint ${point}\n`)) reached = true;
      if (reached) onOutput(out, kill, release);
    });
    child.on('exit', (code) => resolve({ reached, code, stdout, out }));
  });
}

/**
 * Runs the CLI parked at `point` (an async failpoint, core/failpoint.ts, so its signal handlers
 * run while it stands there) and sends it `signals`, each once the previous one was acknowledged
 * on stderr ("received: stopping"); then releases the point (unless the process ended). Real
 * process, real signals.
 */
export function runCliWithSignals(args: string[], point: string, signals: readonly NodeJS.Signals[]): Promise<ParkedRun> {
  let sent = 0;
  let released = false;
  return runParked(args, point, (out, kill, release) => {
    if ((out.match(/received: stopping/g) ?? []).length !== sent || released) return;
    if (sent < signals.length) kill(signals[sent++]!);
    else (released = true), release();
  });
}

/**
 * Runs the CLI parked at `point`, a synchronous failpoint (core/failpoint.ts): its thread is
 * blocked there, as during a long synchronous step (a copy, an integrity_check), so no signal
 * handler can run. Sends `signal` (queued by Node until the thread turns the event loop), then
 * releases the point. Real process, real signal.
 */
export function runCliWithBlockedSignal(args: string[], point: string, signal: NodeJS.Signals): Promise<ParkedRun> {
  let sent = false;
  return runParked(args, point, (_out, kill, release) => {
    if (sent) return;
    sent = true;
    kill(signal);
    release();
  });
}
