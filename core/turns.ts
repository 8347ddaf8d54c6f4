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
 *   waiting", its atime when that waiter polls next), and from then on polls at an interval that
 *   starts short and grows while the database stays unchanged (see {@link announcedPollMs});
 * - before a BEGIN in autocommit mode, a process checks the marker (one `stat`) and, when
 *   another process or thread touched it a moment ago, steps aside once until just after that
 *   waiter's next poll (at least {@link STEP_ASIDE_MS}, at most {@link MAX_STEP_ASIDE_MS}) before
 *   it BEGINs, so the waiter finds the lock free.
 * Each BEGIN steps aside at most once, so progress never depends on the marker, and a crashed
 * waiter's marker simply goes stale. The marker lives in the guard's claims folder beside the
 * database; where that folder cannot be written (read-only media) turn-taking is off.
 */
import { closeSync, openSync, statSync, unlinkSync, utimes } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { claimsDirOf } from './guard/index.js';

/** Waiting longer than this (ms) makes a waiter announce itself. */
export const ANNOUNCE_AFTER_MS = 10;
/** Poll interval of a waiter that has just announced itself (ms); see {@link announcedPollMs}. */
export const ANNOUNCED_POLL_MS = 2;
/**
 * Longest poll interval of an announced waiter (ms, before jitter): the most a long wait adds
 * after the lock is released (docs/performance.md has the measured hand-over latency).
 */
export const MAX_ANNOUNCED_POLL_MS = 20;
/**
 * An announced waiter's poll interval is this share of the time the database has stayed unchanged
 * (within {@link ANNOUNCED_POLL_MS}..{@link MAX_ANNOUNCED_POLL_MS}): a hand-over adds at most
 * about 5 % (7.5 % with jitter) to such a wait, and a 3 s wait behind one transaction polls about
 * 150 times instead of 1,440 (docs/performance.md).
 */
const POLL_SHARE_OF_WAIT = 1 / 20;
/**
 * A marker touched within this window (ms) means someone is waiting now: longer than the longest
 * jittered poll interval, so a waiter's marker stays fresh between its polls.
 */
const FRESH_MS = 40;
/** Shortest step-aside (ms): longer than a freshly announced waiter's jittered poll interval. */
const STEP_ASIDE_MS = 2 * ANNOUNCED_POLL_MS + 1;
/** Longest step-aside (ms): a little over the longest jittered poll interval. */
const MAX_STEP_ASIDE_MS = 1.5 * MAX_ANNOUNCED_POLL_MS + 3;
/** A holder steps aside until this long after the waiter's announced next poll (timers fire late). */
const STEP_ASIDE_MARGIN_MS = 2;
/**
 * A waiter polling at short intervals re-touches the marker at most this often (ms): well inside
 * {@link FRESH_MS}, so the marker stays fresh, without a utimes and a stat on every 2 ms poll (a
 * third of a waiting process's CPU in round 2). Longer pauses touch it every time (see announce).
 */
const RETOUCH_MS = FRESH_MS / 4;

/**
 * The poll interval (ms, before jitter) of a waiter that has announced itself and has seen the
 * database unchanged for `stillMs` (see {@link Turns.changed}): short while the lock moves between
 * transactions, where a process running them back to back steps aside, and longer while one long
 * transaction holds it, where each poll costs a timer wake-up and a lock attempt (0.1-0.3 ms of
 * CPU) and finds the same holder.
 */
export function announcedPollMs(stillMs: number): number {
  return Math.min(MAX_ANNOUNCED_POLL_MS, Math.max(ANNOUNCED_POLL_MS, stillMs * POLL_SHARE_OF_WAIT));
}

/** Turn-taking on one database file; one per open file database in this thread. */
export class Turns {
  readonly #marker: string;
  /** mtime (ms) this thread last wrote, so it does not step aside for its own announcement. */
  #ownTouch = Number.NaN;
  /** Touches of the marker issued and not yet done (announce), and a discard waiting for them. */
  #touching = 0;
  #discardPending = false;
  /** When this thread last touched the marker (performance.now() ms). */
  #touchedAt = Number.NEGATIVE_INFINITY;
  #disabled = false;
  /** How long {@link stepAside} pauses (ms), set by {@link othersWaiting}. */
  #stepAsideMs = STEP_ASIDE_MS;

  readonly #database: string;
  readonly #wal: string;
  /** Modification times and sizes of the database and its WAL at the last {@link changed}. */
  #seen = '';

  constructor(filename: string) {
    this.#marker = `${claimsDirOf(filename)}/waiting`;
    this.#database = filename;
    this.#wal = `${filename}-wal`;
  }

  /**
   * True when the database or its WAL was written since the last call (two `stat`s): a commit
   * happened, so the lock is moving between transactions rather than held by one. A waiter polls
   * fast again then (see {@link announcedPollMs}). Never throws.
   */
  changed(): boolean {
    const seen = `${stamp(this.#database)}/${stamp(this.#wal)}`;
    if (seen === this.#seen) return false;
    this.#seen = seen;
    return true;
  }

  /**
   * Called by a waiter before each pause: marks that this thread is waiting for the lock and will
   * poll again in `nextPollMs` (the marker's atime), so a holder can step aside until then.
   */
  announce(nextPollMs: number): void {
    if (this.#disabled) return;
    // A short pause needs no new touch: the marker is fresh, and the shortest step-aside covers it.
    if (performance.now() - this.#touchedAt < RETOUCH_MS && nextPollMs + STEP_ASIDE_MARGIN_MS <= STEP_ASIDE_MS) return;
    this.#touchedAt = performance.now();
    const now = Date.now();
    const next = now + nextPollMs;
    // Off the event loop (libuv's thread pool): changing a file's times is a metadata write, and on
    // a disk busy with other programs' fsyncs the file system can hold it for hundreds of ms
    // (ext4 waits for its journal); done synchronously, that stalled the waiting thread's loop,
    // which a lock wait must never do. The mtime written is `now`, so this thread knows its own
    // touch without reading it back; a touch that lands a little later only delays the hint.
    this.#ownTouch = now;
    this.#touching++;
    const done = () => {
      if (--this.#touching === 0 && this.#discardPending) this.discard();
    };
    utimes(this.#marker, next / 1000, now / 1000, (error) => {
      if (error === null || !this.#create(error)) return done();
      utimes(this.#marker, next / 1000, now / 1000, done);
    });
  }

  /**
   * True when another process or thread announced a moment ago that it waits for the lock: the
   * caller should step aside (see {@link stepAside}) before it BEGINs.
   */
  othersWaiting(): boolean {
    if (this.#disabled) return false;
    let mtime: number;
    let nextPoll: number;
    try {
      ({ mtimeMs: mtime, atimeMs: nextPoll } = statSync(this.#marker));
    } catch {
      return false; // nobody has announced yet
    }
    if (Math.abs(mtime - this.#ownTouch) < 0.5) return false;
    const now = Date.now();
    if (now - mtime >= FRESH_MS) return false;
    this.#stepAsideMs = Math.min(MAX_STEP_ASIDE_MS, Math.max(STEP_ASIDE_MS, nextPoll + STEP_ASIDE_MARGIN_MS - now));
    return true;
  }

  /**
   * Removes the marker if this thread was the last to touch it (after a failed open, so the
   * claims folder can go too). Never throws.
   */
  discard(): void {
    // A touch still in flight would recreate or re-date the marker after it is gone: after it, then.
    this.#discardPending = this.#touching > 0;
    if (this.#discardPending) return;
    try {
      if (Math.abs(statSync(this.#marker).mtimeMs - this.#ownTouch) < 0.5) unlinkSync(this.#marker);
    } catch {
      /* no marker */
    }
  }

  /**
   * Pauses long enough for an announced waiter to find the lock free: until just after the next
   * poll it announced, as read by the last {@link othersWaiting} that returned true.
   */
  stepAside(): Promise<void> {
    return sleep(this.#stepAsideMs);
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

/** A file's modification time and size, or '-' when it is missing or cannot be read. */
function stamp(path: string): string {
  try {
    const st = statSync(path, { throwIfNoEntry: false });
    return st === undefined ? '-' : `${st.mtimeMs}:${st.size}`;
  } catch {
    return '-';
  }
}
