/**
 * Runs the real `dual-sqlite` CLI in a child process (`node cli/main.js ...` compiled by
 * `npm test`, else `node --import tsx cli/main.ts ...`; see ../helpers/entry.ts), the way a user
 * runs it, and returns its exit code and output. With SHORT_CHILD_FLAGS (a later wasm tier-up, see
 * entry.ts): the same program, without the optimizing compile a short command never pays back.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { nodeArgs, SHORT_CHILD_FLAGS } from '../helpers/entry.js';
import { loadAwareTimeout, SPAWN_HANG_MS } from '../helpers/hang.js';

/** Repository root. */
export const root = fileURLToPath(new URL('../..', import.meta.url));
/** Node's arguments that start the CLI (before the CLI's own). */
export const cliNodeArgs = (): string[] => nodeArgs(join(root, 'cli/main.ts'));

/** What a CLI run produced. */
export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options for one run. */
export interface CliOptions {
  readonly cwd?: string;
  /** Added to a copy of this process's environment (`undefined` deletes a variable). */
  readonly env?: Record<string, string | undefined>;
  readonly timeoutMs?: number;
}

function envFor(extra: CliOptions['env']): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.SQLITE_DRIVER;
  for (const [k, v] of Object.entries(extra ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Runs the CLI synchronously (for short commands). */
export function cli(args: readonly string[], options: CliOptions = {}): CliRun {
  const r = spawnSync(process.execPath, [...SHORT_CHILD_FLAGS, ...cliNodeArgs(), ...args], {
    cwd: options.cwd ?? root,
    env: envFor(options.env),
    encoding: 'utf8',
    timeout: options.timeoutMs ?? SPAWN_HANG_MS,
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: `${r.stderr}${r.error ? String(r.error) : ''}` };
}

/** Runs the CLI asynchronously (for the demo, whose agents need the CPU while we wait). */
export function cliAsync(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...SHORT_CHILD_FLAGS, ...cliNodeArgs(), ...args], {
      cwd: options.cwd ?? root,
      env: envFor(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const cancel = loadAwareTimeout(options.timeoutMs ?? 120_000, () => child.kill('SIGKILL'));
    child.on('close', (code, signal) => {
      cancel();
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Output of both streams, for assertion messages. */
export function both(r: CliRun): string {
  return `exit ${r.code}${r.signal ? ` (${r.signal})` : ''}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

/**
 * Runs one command line through the CLI's own `main()` in this process, with captured streams.
 * For command lines refused before anything is opened (bad flags, bad values): the same code
 * decides the exit code and the message as in a child process, without paying a Node start-up
 * per case. Each table of such cases keeps one case in a child process
 * ({@link cli}), which proves that the process exits with that code and prints that message.
 */
export async function cliInProcess(args: readonly string[], options: Pick<CliOptions, 'cwd' | 'env'> = {}): Promise<CliRun> {
  const { main } = await import('../../cli/main.js');
  const stream = () => {
    const chunks: string[] = [];
    const w = new Writable({ write(chunk, _enc, done) { chunks.push(String(chunk)); done(); } });
    return { w: w as unknown as NodeJS.WriteStream, text: () => chunks.join('') };
  };
  const out = stream();
  const err = stream();
  const code = await main(args, { stdout: out.w, stderr: err.w, env: envFor(options.env), cwd: options.cwd ?? root });
  return { code, signal: null, stdout: out.text(), stderr: err.text() };
}
