/**
 * Asynchronous waiting for SQLite's locks. SQLite's own busy handler blocks the thread (native)
 * or spins a core (wasm), so the backend runs with a near-zero SQLite busy timeout and this module
 * retries on the event loop, with jittered exponential backoff, until the configured timeout is
 * spent.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SqliteError } from '../drivers/errors.js';
import type { DriverName } from '../drivers/types.js';
import { ANNOUNCE_AFTER_MS, announcedPollMs, type Turns } from './turns.js';

/** First pause after SQLITE_BUSY, in ms. */
const FIRST_DELAY_MS = 1;
/** Longest pause between two attempts: bounds the latency added after the lock is released. */
const MAX_DELAY_MS = 25;

/** True for SQLITE_BUSY and its extended codes. */
export function isBusyError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_'));
}

const RETRY_SAFE_IN_TRANSACTION = /^\s*(?:begin|commit|end)\b/i;

/**
 * SQLite guarantees that retrying after SQLITE_BUSY is harmless only for BEGIN, COMMIT and
 * statements run in autocommit mode; inside a transaction any other busy statement means the
 * transaction has to be rolled back, so retrying it would hide a lost transaction.
 */
export function isRetrySafe(sql: string, inTransactionBefore: boolean): boolean {
  return !inTransactionBefore || RETRY_SAFE_IN_TRANSACTION.test(sql);
}

/** What {@link retryOnBusy} needs besides the attempt itself. */
export interface BusyRetryOptions {
  /** Total time to keep retrying, in ms (the DSN's `_busy_timeout`). */
  readonly timeoutMs: number;
  /** Whether a retry is safe for this statement (see {@link isRetrySafe}). */
  readonly retrySafe: boolean;
  /** The statement, named in the error after the timeout. */
  readonly sql: string;
  /**
   * Set when the wait is not for a user's statement (opening): what was being done, e.g.
   * `cannot open "/data/app.db"`; the error then cites this instead of `sql`.
   */
  readonly subject?: string;
  /**
   * Asked once when the timeout is spent: a sentence on what holds the lock when it is known
   * to be something other than a connection doing its work (e.g. a lock no process claims).
   */
  readonly explain?: () => string | undefined;
  /** Called before each pause, e.g. to let the cross-process guard clear a stale lock. */
  readonly onWait?: () => void;
  /**
   * Cross-process turn-taking on this file: after {@link ANNOUNCE_AFTER_MS} of waiting the
   * waiter announces itself and polls at the interval {@link announcedPollMs} gives (2 ms at
   * first and after each commit it sees, longer while the database stays unchanged), so a
   * process that re-BEGINs back to back steps aside for it instead of starving it.
   */
  readonly turns?: Turns;
  /**
   * Asked when `timeoutMs` is spent, then before each further attempt: true keeps waiting (e.g.
   * while another process migrates the file, see migration-wait.ts). It may throw its own error.
   */
  readonly extend?: WaitExtension;
}

/** A wait that may outlast the busy timeout; see {@link BusyRetryOptions.extend}. */
export interface WaitExtension {
  /** Called before every pause, so the extension can watch what happens during the whole wait. */
  observe(): void;
  keepWaiting(waitedMs: number, last: unknown): boolean;
}

/**
 * Runs `attempt` until it does not fail with SQLITE_BUSY or the timeout is spent. The first
 * attempt is synchronous; pauses are timers, so the event loop keeps running while waiting.
 */
export async function retryOnBusy<T>(attempt: () => T, options: BusyRetryOptions): Promise<T> {
  try {
    return attempt();
  } catch (error) {
    if (!options.retrySafe || !isBusyError(error)) throw error;
    return await retryLoop(attempt, options, error);
  }
}

/**
 * The waiting part of {@link retryOnBusy}, for callers that made the first attempt themselves
 * (synchronously, so the uncontended path allocates no closures or options).
 */
export async function retryLoop<T>(attempt: () => T, options: BusyRetryOptions, first: unknown): Promise<T> {
  const started = performance.now();
  const deadline = started + options.timeoutMs;
  let last = first;
  let delay = FIRST_DELAY_MS;
  /** When this waiter last saw the database change (a commit: the lock moved, see Turns.changed). */
  let movedAt = started;
  for (;;) {
    let remaining = deadline - performance.now();
    if (remaining <= 0) {
      if (!options.extend?.keepWaiting(performance.now() - started, last)) throw busyTimeout(options, last, performance.now() - started);
      remaining = MAX_DELAY_MS;
    }
    options.onWait?.();
    options.extend?.observe();
    const now = performance.now();
    const announced = options.turns !== undefined && now - started >= ANNOUNCE_AFTER_MS;
    if (announced && options.turns!.changed()) movedAt = now;
    const pause = Math.min(remaining, jitter(announced ? announcedPollMs(now - movedAt) : delay));
    if (announced) announce(options.turns!, pause);
    await sleep(pause);
    delay = Math.min(delay * 2, MAX_DELAY_MS);
    try {
      return attempt();
    } catch (error) {
      if (!isBusyError(error)) throw error;
      last = error;
    }
  }
}

/** Announces a long wait and when this waiter polls next. Turn-taking is a courtesy: it never throws. */
function announce(turns: Turns, nextPollMs: number): void {
  try {
    turns.announce(nextPollMs);
  } catch {
    /* the holder simply does not step aside */
  }
}

/** Spreads retries of several waiters (and processes) so they do not collide in lockstep. */
function jitter(ms: number): number {
  return ms * (0.5 + Math.random());
}

function busyTimeout(options: BusyRetryOptions, last: unknown, waitedMs: number): SqliteError {
  const code = (last as { code?: string }).code ?? 'SQLITE_BUSY';
  const waited = `waited ${Math.round(waitedMs)} ms, _busy_timeout=${options.timeoutMs}`;
  const explained = explain(options);
  const message =
    explained === undefined
      ? `database is locked: another connection held the lock for the whole busy timeout (${waited}); ` +
        'shorten the other transaction or raise _busy_timeout in the DSN'
      : `database is locked (${waited}): ${explained}`;
  return new SqliteError(
    code,
    options.subject === undefined ? message : `${options.subject}: ${message}`,
    (last as { driver?: DriverName }).driver ?? 'native',
    options.subject === undefined ? options.sql : undefined,
    last,
  );
}

function explain(options: BusyRetryOptions): string | undefined {
  try {
    return options.explain?.();
  } catch {
    return undefined; // an explanation is a courtesy: the timeout error is thrown either way
  }
}
