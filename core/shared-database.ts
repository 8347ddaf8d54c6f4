/**
 * One open database in this process: the driver's synchronous {@link Backend}, its cross-process
 * guard, the FIFO lock that hands the connection to one user at a time, and the asynchronous busy
 * wait around every statement. The registry shares one of these between every dialect and handle
 * that opens the same file.
 */
import { openBackend } from '../drivers/index.js';
import type { Backend, OpenBackendOptions, Row, StatementResult } from '../drivers/types.js';
import type { DsnConfig } from '../dsn/types.js';
import { createGuard, type LockGuard } from './guard/index.js';
import { isRetrySafe, retryOnBusy } from './busy-retry.js';
import { FifoLock, type Unlock } from './fifo-lock.js';
import { AcquireTimeoutError } from './errors.js';

/**
 * SQLite's own busy timeout while the library waits asynchronously on top: 0 makes a locked
 * statement return SQLITE_BUSY at once instead of blocking (native) or spinning (wasm).
 */
export const SQLITE_BUSY_TIMEOUT_MS = 0;

const NO_GUARD: LockGuard = { enter() {}, exit() {}, recoverStaleLock: () => false, release() {} };

export class SharedDatabase {
  readonly #backend: Backend;
  readonly #guard: LockGuard;
  readonly #lock = new FifoLock();
  /** Used in error messages: the real path, or a label for memory/temp databases. */
  readonly label: string;

  private constructor(backend: Backend, guard: LockGuard) {
    this.#backend = backend;
    this.#guard = guard;
    this.label = describeLocation(backend);
  }

  /**
   * Opens the backend and its guard; a guard that refuses (e.g. mixed locking) closes the backend
   * again. Opening reads the schema while applying settings, which meets another process's lock
   * like any statement (always on wasm, whose readers lock too): it is waited out the same way.
   */
  static async open(config: DsnConfig, options: Omit<OpenBackendOptions, 'sqliteBusyTimeout'>): Promise<SharedDatabase> {
    const open = () => openBackend(config, { ...options, sqliteBusyTimeout: SQLITE_BUSY_TIMEOUT_MS });
    const backend = await retryOnBusy(open, {
      timeoutMs: config.busyTimeout,
      retrySafe: true,
      sql: '(opening the database)',
    });
    try {
      return new SharedDatabase(backend, guardFor(backend));
    } catch (error) {
      backend.close();
      throw error;
    }
  }

  get backend(): Backend {
    return this.#backend;
  }

  get inTransaction(): boolean {
    return this.#backend.inTransaction;
  }

  get closed(): boolean {
    return this.#backend.closed;
  }

  /** Waits (FIFO) for the connection; rejects with {@link AcquireTimeoutError} after `timeoutMs`. */
  acquire(timeoutMs?: number): Promise<Unlock> {
    return this.#lock.acquire(timeoutMs, () => new AcquireTimeoutError(this.label, timeoutMs!));
  }

  /**
   * Runs one statement. On SQLITE_BUSY it waits on the event loop and retries until
   * `busyTimeoutMs` is spent, but only where a retry is safe (BEGIN, COMMIT, autocommit).
   */
  run(sql: string, params: readonly unknown[], busyTimeoutMs: number): Promise<StatementResult> {
    const retrySafe = isRetrySafe(sql, this.#backend.inTransaction);
    return retryOnBusy(() => this.#guarded(() => this.#backend.execute(sql, params)), {
      timeoutMs: busyTimeoutMs,
      retrySafe,
      sql,
      onWait: () => this.#recoverStaleLock(),
    });
  }

  /**
   * Streams rows in chunks. The busy wait covers the first step (where SQLite takes its lock);
   * stopping early returns the backend iterator, which resets the statement and frees the lock.
   */
  async *iterate(sql: string, params: readonly unknown[], busyTimeoutMs: number, chunkSize: number): AsyncGenerator<Row[]> {
    const retrySafe = isRetrySafe(sql, this.#backend.inTransaction);
    const start = await retryOnBusy(() => this.#firstStep(sql, params), {
      timeoutMs: busyTimeoutMs,
      retrySafe,
      sql,
      onWait: () => this.#recoverStaleLock(),
    });
    const { iterator } = start;
    try {
      let step = start.first;
      let chunk: Row[] = [];
      while (!step.done) {
        chunk.push(step.value);
        if (chunk.length >= chunkSize) {
          yield chunk;
          chunk = [];
        }
        step = iterator.next();
      }
      if (chunk.length > 0) yield chunk;
    } finally {
      closeIterator(iterator);
      if (!this.#backend.inTransaction) this.#guard.exit();
    }
  }

  /** Runs one statement now, without busy wait: for cleanup paths that must not yield. */
  runNow(sql: string, params: readonly unknown[] = []): StatementResult {
    return this.#guarded(() => this.#backend.execute(sql, params));
  }

  /** Closes the backend and withdraws the guard. Never throws: it runs on destroy paths. */
  close(): void {
    try {
      this.#backend.close();
    } finally {
      this.#guard.release();
    }
  }

  #firstStep(sql: string, params: readonly unknown[]) {
    if (!this.#backend.inTransaction) this.#guard.enter();
    let iterator: IterableIterator<Row> | undefined;
    try {
      iterator = this.#backend.iterate(sql, params);
      return { iterator, first: iterator.next() };
    } catch (error) {
      if (iterator) closeIterator(iterator);
      if (!this.#backend.inTransaction) this.#guard.exit();
      throw error;
    }
  }

  #guarded<T>(statement: () => T): T {
    if (!this.#backend.inTransaction) this.#guard.enter();
    try {
      return statement();
    } finally {
      if (!this.#backend.inTransaction) this.#guard.exit();
    }
  }

  #recoverStaleLock(): void {
    try {
      this.#guard.recoverStaleLock();
    } catch {
      // A failed recovery attempt must not end the wait; the next retry or the timeout decides.
    }
  }
}

function guardFor(backend: Backend): LockGuard {
  if (backend.filename === null) return NO_GUARD;
  return createGuard({
    filename: backend.filename,
    driver: backend.selection.driver,
    lockProtocol: backend.lockProtocol,
    readOnly: backend.config.mode === 'ro',
  });
}

function closeIterator(iterator: IterableIterator<Row>): void {
  try {
    iterator.return?.();
  } catch {
    // Resetting a statement that already failed can fail again; the statement is gone either way.
  }
}

function describeLocation(backend: Backend): string {
  const loc = backend.config.location;
  switch (loc.kind) {
    case 'file':
      return backend.filename ?? loc.path;
    case 'shared-memory':
      return `shared in-memory database "${loc.name}"`;
    case 'memory':
      return 'a private in-memory database';
    case 'temp':
      return 'a private temporary database';
  }
}
