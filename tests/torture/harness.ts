/**
 * The parent side of the safety and torture tests: spawns real child processes running
 * `child.ts`, reads their report lines, kills them with real signals, and verifies a database
 * through the library.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../../core/index.js';
import type { DriverName } from '../../drivers/types.js';
import type { Role } from './child.js';
import { loadAwareTimeout } from '../helpers/hang.js';
import { nodeArgs } from '../helpers/entry.js';

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The ledger every writer appends to: each transaction writes two legs that sum to zero. */
export const LEDGER_DDL =
  'create table if not exists ledger (writer text not null, seq integer not null, leg integer not null, ' +
  'amount integer not null, primary key (writer, seq, leg))';

/** The table of the sub-agent load. */
export const LOAD_DDL =
  'create table if not exists t (id integer primary key, agent text not null, task integer not null, ' +
  'i integer not null, note text not null)';

/**
 * `_busy_timeout` (ms) of the torture writers and the verifier. It is a hang detector there, not
 * what the torture tests: SQLite's busy timeout is wall time, and on the shared machine at high
 * load an open that has to wait for busy writers and for the guard to clear a killed writer's
 * lock took more than the default 5 s. Matches the suite's child hang detector (SPAWN_HANG_MS).
 */
export const LONG_BUSY_TIMEOUT = 600_000;

/** The real user and group a child runs as (root only may set them). */
export interface ChildUser {
  readonly uid: number;
  readonly gid: number;
}

/** A running child process and what it has reported so far. */
export class Child {
  readonly proc: ChildProcess;
  readonly lines: string[] = [];
  /** Resolves with the exit code (or signal name) once the process is gone and its pipes drained. */
  readonly closed: Promise<number | string>;
  #waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  #stderr = '';
  #onLine?: (line: string) => void;

  constructor(role: Role, onLine?: (line: string) => void, user?: ChildUser) {
    this.#onLine = onLine;
    this.proc = spawn(process.execPath, [...nodeArgs(CHILD), JSON.stringify(role)], {
      ...user,
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let buf = '';
    this.proc.stdout!.setEncoding('utf8');
    this.proc.stdout!.on('data', (d: string) => {
      buf += d;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        this.#line(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
    this.proc.stderr!.setEncoding('utf8');
    this.proc.stderr!.on('data', (d: string) => {
      if (this.#stderr.length < 20_000) this.#stderr += d;
    });
    this.closed = new Promise((resolve) => {
      this.proc.on('close', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    });
  }

  get pid(): number {
    return this.proc.pid!;
  }

  get stderr(): string {
    return this.#stderr;
  }

  #line(line: string): void {
    this.lines.push(line);
    this.#onLine?.(line);
    this.#waiters = this.#waiters.filter((w) => {
      if (!w.re.test(line)) return true;
      w.resolve(line);
      return false;
    });
  }

  /** Waits for a report line matching `re` (also one already received). */
  waitFor(re: RegExp, timeoutMs = 30_000): Promise<string> {
    const seen = this.lines.find((l) => re.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      // A hang detector, not a speed bound: it counts time the machine had CPU to spare.
      const clearTimer = loadAwareTimeout(timeoutMs, () => {
        reject(new Error(`child ${this.pid}: no line matching ${re} within ${timeoutMs} ms of unloaded time; got ${JSON.stringify(this.lines.slice(-5))}; stderr: ${this.#stderr.slice(-2000)}`));
      });
      const waiter = {
        re,
        resolve: (l: string) => {
          clearTimer();
          resolve(l);
        },
      };
      this.#waiters.push(waiter);
      // An early exit must not leave the caller waiting for the timeout.
      void this.closed.then(() => {
        if (!this.#waiters.includes(waiter)) return;
        clearTimer();
        reject(new Error(`child ${this.pid} exited before a line matching ${re}; got ${JSON.stringify(this.lines.slice(-5))}; stderr: ${this.#stderr.slice(-2000)}`));
      });
    });
  }

  /** Sends one line on the child's stdin. */
  send(line: string): void {
    this.proc.stdin!.write(line + '\n');
  }

  /** SIGKILL, then waits until the process is reaped and its output drained. */
  async kill(): Promise<void> {
    this.proc.kill('SIGKILL');
    await this.closed;
  }
}

const running = new Set<Child>();

/** Starts `role` in a new child process. */
export function spawnChild(role: Role, onLine?: (line: string) => void, user?: ChildUser): Child {
  const child = new Child(role, onLine, user);
  running.add(child);
  void child.closed.then(() => running.delete(child));
  return child;
}

/** SIGKILLs every child still running (call from a suite's `after` so no test leaks one). */
export async function killAllChildren(): Promise<void> {
  await Promise.all([...running].map((c) => c.kill()));
}

/** The DSN a driver uses to open `file` in a scenario (native and node dot-file need the VFS). */
export function dsnFor(file: string, driver: DriverName, opts: { dotfile?: boolean; extra?: string } = {}): string {
  const params: string[] = [];
  if (driver !== 'wasm' && opts.dotfile) params.push('vfs=unix-dotfile');
  if (opts.extra) params.push(opts.extra);
  return params.length ? `file:${file}?${params.join('&')}` : file;
}

/** Runs SQL once through the library (opening and closing the file). */
export async function runSql(dsn: string, driver: DriverName, sqlText: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  const db = await openDatabase(dsn, { driver });
  try {
    return (await db.execute(sqlText, params)).rows;
  } finally {
    await db.close();
  }
}

/** What one verification found. */
export interface Verification {
  readonly ok: boolean;
  readonly problems: string[];
  /** Acknowledged commits found present. */
  readonly commitsChecked: number;
}

/**
 * Verifies the ledger after a round: the file opens, `integrity_check` says ok, every
 * acknowledged commit is there, and every transaction is whole (both legs, summing to zero).
 * `acked` maps writer id -> highest acknowledged seq (writers commit seq 1, 2, ... in order);
 * writers still running may have committed more by the time the verifier reads.
 */
export async function verifyLedger(
  file: string,
  driver: DriverName,
  dotfile: boolean,
  acked: ReadonlyMap<string, number>,
  /** Writers whose process is gone: at most one commit beyond their last acknowledged one. */
  gone: ReadonlySet<string> = new Set(acked.keys()),
): Promise<Verification> {
  const problems: string[] = [];
  let db;
  try {
    // A long busy timeout: a writer killed inside a transaction leaves a dot-file lock that has to
    // be proven stale and cleared first.
    db = await openDatabase(dsnFor(file, driver, { dotfile, extra: `_busy_timeout=${LONG_BUSY_TIMEOUT}` }), { driver });
  } catch (err) {
    return { ok: false, problems: [`open failed: ${(err as { code?: string }).code} ${(err as Error).message}`], commitsChecked: 0 };
  }
  let commitsChecked = 0;
  try {
    const integrity = (await db.execute('pragma integrity_check')).rows.map((r) => Object.values(r)[0]);
    if (integrity.length !== 1 || integrity[0] !== 'ok') problems.push(`integrity_check: ${JSON.stringify(integrity.slice(0, 5))}`);
    const torn = (
      await db.execute(
        "select writer, seq, count(*) as n, sum(amount) as s from ledger where writer not like 'hold-%' " +
          'group by writer, seq having n != 2 or s != 0 limit 5',
      )
    ).rows;
    if (torn.length) problems.push(`half-applied transactions: ${JSON.stringify(torn)}`);
    const rows = (await db.execute('select writer, max(seq) as top, count(distinct seq) as n from ledger group by writer')).rows;
    const found = new Map(rows.map((r) => [String(r.writer), { top: Number(r.top), n: Number(r.n) }]));
    for (const [writer, seq] of acked) {
      const f = found.get(writer);
      if (!f || f.top < seq) {
        problems.push(`writer ${writer}: acknowledged commit ${seq} missing (highest present ${f?.top ?? 'none'})`);
        continue;
      }
      if (f.n !== f.top) problems.push(`writer ${writer}: seqs not contiguous (${f.n} distinct, max ${f.top})`);
      // One more than acknowledged is fine: killed after COMMIT returned, before the ack line.
      if (gone.has(writer) && f.top > seq + 1) problems.push(`writer ${writer}: ${f.top} commits present but only ${seq} acknowledged`);
      commitsChecked += seq;
    }
  } catch (err) {
    problems.push(`verification query failed: ${(err as { code?: string }).code} ${(err as Error).message}`);
  } finally {
    await db.close();
  }
  return { ok: problems.length === 0, problems, commitsChecked };
}
