/**
 * Cross-process turn-taking for write transactions.
 *
 * SQLite has no queue between processes: a waiter polls for the lock. A process with a steady
 * stream of transactions re-BEGINs microseconds after each COMMIT, so a poller in another process
 * that sleeps between attempts almost never finds the lock free and can wait out its whole busy
 * timeout (measured: 4 processes x 8 tasks of back-to-back transactions, one process got 16
 * commits against 843 for another, and waited 5.4 s for one of them).
 *
 * The remedy is a small signal in the file system, used only where it pays:
 * - a waiter that has already waited a while touches a marker file (its mtime says "someone is
 *   waiting"), and from then on polls at a short interval;
 * - before a BEGIN in autocommit mode, a process checks the marker (one `stat`) and, when
 *   another process or thread touched it a moment ago, steps aside once for a little longer than
 *   that short interval before it BEGINs, so the waiter finds the lock free.
 * Each BEGIN steps aside at most once, so progress never depends on the marker, and a crashed
 * waiter's marker simply goes stale. The marker lives in the guard's claims folder beside the
 * database; where that folder cannot be written (read-only media) turn-taking is off.
 */
import { closeSync, openSync, statSync, unlinkSync, utimesSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { claimsDirOf } from './guard/index.js';

/** Waiting longer than this (ms) makes a waiter announce itself. */
export const ANNOUNCE_AFTER_MS = 10;
/** Poll interval cap of a waiter that has announced itself (ms). */
export const ANNOUNCED_POLL_MS = 2;
/** A marker touched within this window (ms) means someone is waiting now. */
const FRESH_MS = 40;
/** How long a holder steps aside: longer than an announced waiter's poll interval. */
const STEP_ASIDE_MS = 2 * ANNOUNCED_POLL_MS + 1;
/**
 * A waiter re-touches the marker at most this often (ms): well inside {@link FRESH_MS}, so the
 * marker stays fresh, without a utimes and a stat on every 2 ms poll (a third of a waiting
 * process's CPU before).
 */
const RETOUCH_MS = FRESH_MS / 4;

/** Turn-taking on one database file; one per open file database in this thread. */
export class Turns {
  readonly #marker: string;
  /** mtime (ms) this thread last wrote, so it does not step aside for its own announcement. */
  #ownTouch = Number.NaN;
  /** When this thread last touched the marker (performance.now() ms). */
  #touchedAt = Number.NEGATIVE_INFINITY;
  #disabled = false;

  constructor(filename: string) {
    this.#marker = `${claimsDirOf(filename)}/waiting`;
  }

  /** Called by a waiter between attempts: marks that this thread is waiting for the lock. */
  announce(): void {
    if (this.#disabled || performance.now() - this.#touchedAt < RETOUCH_MS) return;
    this.#touchedAt = performance.now();
    const now = Date.now();
    try {
      utimesSync(this.#marker, now / 1000, now / 1000);
    } catch (error) {
      if (!this.#create(error)) return;
      utimesSync(this.#marker, now / 1000, now / 1000);
    }
    this.#ownTouch = statSync(this.#marker).mtimeMs;
  }

  /**
   * True when another process or thread announced a moment ago that it waits for the lock: the
   * caller should step aside (see {@link stepAside}) before it BEGINs.
   */
  othersWaiting(): boolean {
    if (this.#disabled) return false;
    let mtime: number;
    try {
      mtime = statSync(this.#marker).mtimeMs;
    } catch {
      return false; // nobody has announced yet
    }
    if (Math.abs(mtime - this.#ownTouch) < 0.5) return false;
    return Date.now() - mtime < FRESH_MS;
  }

  /**
   * Removes the marker if this thread was the last to touch it (after a failed open, so the
   * claims folder can go too). Never throws.
   */
  discard(): void {
    try {
      if (Math.abs(statSync(this.#marker).mtimeMs - this.#ownTouch) < 0.5) unlinkSync(this.#marker);
    } catch {
      /* no marker */
    }
  }

  /** Pauses long enough for an announced waiter to find the lock free. */
  stepAside(): Promise<void> {
    return sleep(STEP_ASIDE_MS);
  }

  /** Creates the marker after a failed touch; false (and turn-taking off) where it cannot. */
  #create(error: unknown): boolean {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return this.#disable();
    try {
      closeSync(openSync(this.#marker, 'a'));
      return true;
    } catch {
      return this.#disable();
    }
  }

  #disable(): false {
    this.#disabled = true;
    return false;
  }
}
