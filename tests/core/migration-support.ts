/** Child processes running Kysely's Migrator (fixtures/migrate-child.ts), for the migration tests and torture. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { nodeArgs } from '../helpers/entry.js';

const child = fileURLToPath(new URL('./fixtures/migrate-child.ts', import.meta.url));

/** The last line a migrator child prints. */
export interface MigratorOutcome {
  readonly pid: number;
  readonly ms: number;
  /** Longest gap between two 10 ms timer ticks during the run, ms. */
  readonly maxGap: number;
  /** Gaps over 20 ms as [epoch ms at the gap's end, gap ms]. */
  readonly bigGaps: [number, number][];
  readonly error?: { code?: string; message?: string };
  readonly results?: string[];
  readonly events: { level: string; event: string; message: string }[];
}

/** How a child ended: its outcome, or the signal that killed it. */
export interface MigratorExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly outcome: MigratorOutcome | undefined;
  readonly steps: string[];
  readonly stderr: string;
}

/** A running migrator child. */
export interface MigratorChild {
  readonly process: ChildProcess;
  readonly exited: Promise<MigratorExit>;
  /** Resolves with the first stdout line matching `pattern` (rejects if the child exits first). */
  waitFor(pattern: RegExp): Promise<string>;
  send(line: string): void;
}

/** Starts a migrator child with a plan (see fixtures/migrate-child.ts). */
export function spawnMigrator(plan: Record<string, unknown>): MigratorChild {
  const proc = spawn(process.execPath, [...nodeArgs(child), JSON.stringify(plan)], {
    stdio: [plan.waitGo ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const watchers: { pattern: RegExp; resolve: (l: string) => void; reject: (e: Error) => void }[] = [];
  let buffer = '';
  let stderr = '';
  proc.stderr!.on('data', (d) => (stderr += d));
  proc.stdout!.on('data', (d) => {
    buffer += d;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      lines.push(line);
      for (const w of watchers.splice(0)) {
        if (w.pattern.test(line)) w.resolve(line);
        else watchers.push(w);
      }
    }
  });
  const exited = new Promise<MigratorExit>((resolve) => {
    proc.on('exit', (code, signal) => {
      const last = lines.at(-1) ?? '';
      let outcome: MigratorOutcome | undefined;
      try {
        outcome = last.startsWith('{') ? (JSON.parse(last) as MigratorOutcome) : undefined;
      } catch {
        outcome = undefined;
      }
      for (const w of watchers.splice(0)) w.reject(new Error(`migrator exited (${code ?? signal}) before ${w.pattern}: ${stderr.slice(-500)}`));
      resolve({ code, signal, outcome, steps: lines.filter((l) => l.startsWith('step ')).map((l) => l.slice(5)), stderr });
    });
  });
  return {
    process: proc,
    exited,
    waitFor(pattern) {
      const seen = lines.find((l) => pattern.test(l));
      if (seen !== undefined) return Promise.resolve(seen);
      if (proc.exitCode !== null || proc.signalCode !== null) return Promise.reject(new Error(`migrator already exited before ${pattern}`));
      return new Promise((resolve, reject) => watchers.push({ pattern, resolve, reject }));
    },
    send(line) {
      proc.stdin!.write(`${line}\n`);
    },
  };
}

/** Runs a migrator child to its end. */
export function runMigrator(plan: Record<string, unknown>): Promise<MigratorExit> {
  return spawnMigrator(plan).exited;
}

/** A short description of an exit for assertion messages. */
export function describeExit(e: MigratorExit): string {
  if (e.signal) return `killed by ${e.signal} after ${e.steps.at(-1) ?? 'no step'}`;
  if (!e.outcome) return `exit ${e.code} without outcome: ${e.stderr.slice(-400)}`;
  return e.outcome.error ? `error ${e.outcome.error.code}: ${e.outcome.error.message?.slice(0, 300)}` : `ok [${e.outcome.results?.join(' ')}]`;
}
