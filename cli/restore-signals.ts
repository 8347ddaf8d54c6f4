/**
 * SIGINT and SIGTERM during `dual-sqlite restore`. Node's default ends the process at once and
 * silently (exit 130/143) wherever it is, and the user is not told whether the database is as it
 * was, restored, or half swapped and refused until `restore --recover`. Trapped instead:
 * - the first signal aborts the restore, which stops at its next safe point (restoreDatabase's
 *   `signal`: before anything is moved, or after the swap, rolling back) and says what it left;
 *   the step under way (a copy, an integrity_check) finishes first;
 * - a second signal, or any during `--recover` (whose every step is safe to repeat), ends the
 *   process at once, saying the phase the restore marker records and the exact command that
 *   finishes it.
 * - a signal that reaches the process after the last safe point (during the commit) cannot stop
 *   it: the restore completes, exits 0, and says so.
 * Either way the exit code is the shell's for the signal: 128 + its number (130, 143).
 */
import { restoreStatus, type RestoreStatus } from '../core/index.js';
import type { DriverFlag } from './args.js';
import { println, type CliIo } from './io.js';

/** The signals trapped, with the exit code a shell gives a process they end. */
export const SIGNAL_EXIT: Readonly<Record<'SIGINT' | 'SIGTERM', number>> = Object.freeze({ SIGINT: 130, SIGTERM: 143 });

type TrappedSignal = keyof typeof SIGNAL_EXIT;

/** Where the interrupted command stands, to say what state it leaves and how to finish it. */
export interface SignalContext {
  readonly io: CliIo;
  readonly dsn: string;
  readonly driver: DriverFlag | undefined;
  readonly json: boolean;
  /** `--recover`: every signal ends the process at once (see the module comment). */
  readonly recovering: boolean;
}

/**
 * Runs `action` with SIGINT and SIGTERM trapped (see the module comment). `action` gets the
 * signal that aborts on the first one; its reason is the signal's name.
 */
export async function withSignalsTrapped<T>(context: SignalContext, action: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let finished = false;
  let late: TrappedSignal | undefined;
  const onSignal = (name: TrappedSignal): void => {
    if (finished) {
      late ??= name;
      return;
    }
    if (controller.signal.aborted || context.recovering) stopNow(name, context);
    controller.abort(name);
    println(context.io.stderr, `dual-sqlite restore: ${name} received: stopping at the next safe point (the step under way finishes first); ${name} again stops at once and says how to finish.`);
  };
  const handlers = (Object.keys(SIGNAL_EXIT) as TrappedSignal[]).map((name) => [name, () => onSignal(name)] as const);
  for (const [name, handler] of handlers) process.on(name, handler);
  try {
    const result = await action(controller.signal);
    finished = true;
    // A signal that came during the last synchronous steps (the commit) reaches its handler only
    // now; unsaid, the user's Ctrl-C looked ignored by a command that exited 0.
    await new Promise<void>((done) => setImmediate(done));
    const after = late ?? (controller.signal.aborted ? (controller.signal.reason as TrappedSignal) : undefined);
    if (after !== undefined) {
      const what = context.recovering ? 'restore --recover' : 'restore';
      println(context.io.stderr, `dual-sqlite ${what}: ${after} came after the last safe point: the ${what} had already ${context.recovering ? 'finished' : 'committed'}, and it is complete.`);
    }
    return result;
  } finally {
    for (const [name, handler] of handlers) process.off(name, handler);
  }
}

/** The exit code for a restore stopped by `reason` (the signal's name), or `undefined` for another reason. */
export function signalExitCode(reason: unknown): number | undefined {
  return typeof reason === 'string' && Object.hasOwn(SIGNAL_EXIT, reason) ? SIGNAL_EXIT[reason as TrappedSignal] : undefined;
}

/** Ends the process now, saying what the restore marker records and how to finish. */
function stopNow(name: TrappedSignal, context: SignalContext): never {
  let status: RestoreStatus | null = null;
  try {
    status = restoreStatus(context.dsn, { env: context.io.env });
  } catch {
    // a DSN that does not resolve never started a restore
  }
  const database = status?.database ?? context.dsn;
  const command = `dual-sqlite restore --recover ${shellQuote(database)}${context.driver ? ` --driver ${context.driver}` : ''}`;
  const message = stoppedText(name, status, command, context.recovering);
  if (context.json) {
    const pending = status?.phase != null;
    println(context.io.stdout, JSON.stringify({ ok: false, code: pending ? 'RESTORE_PENDING' : 'RESTORE_INTERRUPTED', message, database, phase: status?.phase ?? null, ...(pending ? { recover: command } : {}) }, null, 2));
  }
  println(context.io.stderr, `dual-sqlite: ${message}`);
  process.exit(SIGNAL_EXIT[name]);
}

function stoppedText(name: TrappedSignal, status: RestoreStatus | null, command: string, recovering: boolean): string {
  const db = status?.database ?? 'the database';
  const what = recovering ? 'restore --recover' : 'restore';
  const phase = status?.phase ?? null;
  if (phase === null) {
    return recovering
      ? `${what} stopped by ${name}: no restore of ${db} is pending, nothing to finish.`
      : `${what} stopped by ${name} before anything was moved: ${db} is unchanged (a copy of the backup left beside it is removed by its next open or by restore --recover).`;
  }
  const state: Record<Exclude<typeof phase, null>, string> = {
    moving: 'in the middle of moving the old files aside (phase moving); the recovery puts the old database back',
    swapped: 'after the swap, before the restored database was checked (phase swapped); the recovery keeps the restored database if it passes integrity_check, else puts the old one back',
    'rolling-back': 'while rolling back (phase rolling-back); the recovery finishes putting the old database back',
    committed: 'after the restored database passed its check (phase committed); the recovery finishes deleting the replaced files, the restored database stays',
    unreadable: 'and its restore marker cannot be read; the recovery says what is known and what to do',
  };
  return `${what} stopped by ${name} ${state[phase]}. ${db} is refused by every open (RESTORE_PENDING) until you run: ${command}`;
}

/** `s` as one shell word (POSIX quoting). */
function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
