/**
 * Read spans: the autocommit SELECTs that one event-loop turn runs on a connection share one read
 * transaction, so they pay one file lock round trip between them instead of one each (on
 * dot-file locking a `mkdir`, a header read and an `rmdir`, 100-250 us; on POSIX locks a few
 * `fcntl` calls and the change-counter read).
 *
 * Why the application cannot tell: the span is opened by the first SELECT (BEGIN DEFERRED, then
 * the SELECT takes SQLite's shared lock) and ends
 * - before any statement that is not an autocommit SELECT of a user that asked for spans (a
 *   write, a BEGIN, a PRAGMA...), before a stream, a backup and close;
 * - when the current macrotask ends: a `process.nextTick` queued at the first read runs once the
 *   microtask queue has drained, before Node returns to its event loop, so no timer, I/O,
 *   message or immediate callback (nothing from outside the process) runs while a span is open;
 * - at the first SELECT after {@link SPAN_MAX_MS}, which opens a new span: a loop of reads that
 *   never yields gives other processes a turn that often. Synchronous work between two reads
 *   keeps the span as long as it runs, as it would keep any transaction.
 * While a span holds the lock in rollback-journal mode no other process can commit; in WAL mode
 * another process may commit during the span, but nothing in this process can learn of that
 * commit before the macrotask ends (see docs/concurrency.md for the one exception: a
 * synchronous wait for another process inside the macrotask).
 *
 * A span is opened only where it saves a lock (file databases that lock) and not while another
 * process has announced that it waits for the lock (turn-taking, see turns.ts): a span would
 * then only lengthen its wait.
 */
import type { Backend, StatementResult } from '../drivers/types.js';
import type { LockGuard } from './guard/index.js';

/** Longest life of one span (ms): the extra wait it may cost another process's writer. */
export const SPAN_MAX_MS = 5;

/** A statement a span may run: a plain SELECT (a `WITH` may hide a write, so it is left out). */
const SPAN_READ = /^\s*select\b/i;

/** True for SQL a span may run. */
export function isSpanRead(sql: string): boolean {
  return SPAN_READ.test(sql);
}

/** The span state of one shared connection. */
export class ReadSpan {
  readonly #backend: Backend;
  readonly #guard: LockGuard;
  #open = false;
  #openedAt = 0;
  /** Bound once: the end-of-macrotask callback queued with process.nextTick. */
  readonly #endOfTurn = (): void => {
    this.#tickQueued = false;
    try {
      this.end();
    } catch {
      // Nothing to report to here; the span stays marked open and the next statement ends it (or fails with the cause).
    }
  };
  #tickQueued = false;

  constructor(backend: Backend, guard: LockGuard) {
    this.#backend = backend;
    this.#guard = guard;
  }

  /** True while a span's read transaction is open. */
  get open(): boolean {
    return this.#open;
  }

  /** True when the open span may run one more SELECT (it is younger than {@link SPAN_MAX_MS}). */
  get fresh(): boolean {
    return this.#open && performance.now() - this.#openedAt <= SPAN_MAX_MS;
  }

  /**
   * Opens a span (the caller has checked there is no transaction). The guard's enter() comes
   * first: from the first read on, this thread may hold the file lock and its claim must say so.
   * Returns false when BEGIN failed (the caller then runs the SELECT in autocommit).
   */
  begin(): boolean {
    this.#guard.enter();
    try {
      this.#backend.execute('begin deferred', []);
    } catch {
      if (!this.#backend.inTransaction) this.#guard.exit();
      return false;
    }
    this.#open = true;
    this.#openedAt = performance.now();
    if (!this.#tickQueued) {
      this.#tickQueued = true;
      process.nextTick(this.#endOfTurn);
    }
    return true;
  }

  /**
   * Runs one SELECT inside the open span. Errors propagate; one that made SQLite roll back by
   * itself (SQLITE_FULL, SQLITE_IOERR...) also ends the span.
   */
  read(sql: string, params: readonly unknown[]): StatementResult {
    try {
      return this.#backend.execute(sql, params);
    } catch (error) {
      if (!this.#backend.inTransaction) this.#closed();
      throw error;
    }
  }

  /**
   * Ends the span, if one is open: COMMIT (a read transaction's commit only drops the shared
   * lock), ROLLBACK if that failed. Throws only when neither ended the transaction; the span then
   * stays open, so the claim keeps saying this thread may hold the lock (the safe direction).
   */
  end(): void {
    if (!this.#open) return;
    if (!this.#backend.inTransaction) return this.#closed();
    try {
      this.#backend.execute('commit', []);
    } catch (error) {
      try {
        this.#backend.execute('rollback', []);
      } catch {
        /* reported below through the commit's error */
      }
      if (this.#backend.inTransaction) throw error;
    }
    this.#closed();
  }

  #closed(): void {
    this.#open = false;
    this.#guard.exit();
  }
}
