/**
 * One open database in this process: the driver's synchronous {@link Backend}, its cross-process
 * guard, the FIFO lock that hands the connection to one user at a time, and the asynchronous busy
 * wait around every statement. The registry shares one of these between every dialect and handle
 * that opens the same file.
 */
import { lockProtocol, openBackend, selectDriver } from '../drivers/index.js';
import { realDatabasePath } from '../drivers/paths.js';
import type { Backend, OpenBackendOptions, Row, StatementResult } from '../drivers/types.js';
import type { DsnConfig } from '../dsn/types.js';
import { createGuard, type LockGuard } from './guard/index.js';
import { isBusyError, isRetrySafe, retryLoop, retryOnBusy, type BusyRetryOptions } from './busy-retry.js';
import { FifoLock, type Unlock } from './fifo-lock.js';
import { AcquireTimeoutError } from './errors.js';
import { Turns } from './turns.js';

/**
 * SQLite's own busy timeout while the library waits asynchronously on top: 0 makes a locked
 * statement return SQLITE_BUSY at once instead of blocking (native) or spinning (wasm).
 */
export const SQLITE_BUSY_TIMEOUT_MS = 0;

const BEGIN = /^\s*begin\b/i;

const NO_GUARD: LockGuard = { enter() {}, exit() {}, recoverStaleLock: () => false, release() {} };

/** One open database shared by every user in this thread; created only through the registry. */
export class SharedDatabase {
  readonly #backend: Backend;
  readonly #guard: LockGuard;
  readonly #lock = new FifoLock();
  /** Cross-process turn-taking; absent for memory and temp databases (no other process). */
  readonly #turns: Turns | undefined;
  /** Used in error messages: the real path, or a label for memory/temp databases. */
  readonly label: string;

  private constructor(backend: Backend, guard: LockGuard, turns: Turns | undefined) {
    this.#backend = backend;
    this.#guard = guard;
    this.#turns = turns;
    this.label = describeLocation(backend);
  }

  /**
   * Creates the guard first, then opens the backend. The guard comes first because opening
   * already runs statements (the settings pragmas read the schema) that meet other processes'
   * locks like any statement (always on wasm, whose readers lock too), including a lock left by a
   * killed process that only the guard can prove stale and clear. Those waits use the same async
   * busy wait; a guard that refuses (e.g. mixed locking) means nothing is opened.
   */
  static async open(config: DsnConfig, options: Omit<OpenBackendOptions, 'sqliteBusyTimeout'>): Promise<SharedDatabase> {
    const guard = guardFor(config, options);
    // Opening takes the lock too (settings read the schema): a newcomer takes turns like a BEGIN.
    const turns = turnsFor(config);
    try {
      const backend = await retryOnBusy(() => openGuarded(config, options, guard), {
        timeoutMs: config.busyTimeout,
        retrySafe: true,
        sql: '(opening the database)',
        onWait: () => recoverQuietly(guard),
        turns,
      });
      return new SharedDatabase(backend, guard, turns);
    } catch (error) {
      guard.release();
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

  /** The connection at once when nobody holds or waits for it, else undefined. */
  tryAcquire(): Unlock | undefined {
    return this.#lock.tryAcquire();
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
    try {
      return Promise.resolve(this.runFirst(sql, params, busyTimeoutMs));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * {@link run} with the first attempt inline: the result itself when the statement did not
   * meet SQLITE_BUSY (the common case, which then allocates no promise, closure or options), a
   * promise of the result when it has to wait. Errors that are not waited out are thrown.
   */
  runFirst(sql: string, params: readonly unknown[], busyTimeoutMs: number): StatementResult | Promise<StatementResult> {
    // Before a BEGIN, step aside once if another process has announced a long wait (see turns.ts).
    if (this.#turns !== undefined && !this.#backend.inTransaction && BEGIN.test(sql) && this.#othersWaiting()) {
      return this.#turns.stepAside().then(() => this.#attempt(sql, params, busyTimeoutMs));
    }
    return this.#attempt(sql, params, busyTimeoutMs);
  }

  /** The first attempt inline; only a retry-safe SQLITE_BUSY turns into the async wait. */
  #attempt(sql: string, params: readonly unknown[], busyTimeoutMs: number): StatementResult | Promise<StatementResult> {
    const inTransaction = this.#backend.inTransaction;
    try {
      return this.#execute(sql, params, inTransaction);
    } catch (error) {
      if (!isBusyError(error) || !isRetrySafe(sql, inTransaction)) throw error;
      return retryLoop(() => this.#guarded(() => this.#backend.execute(sql, params)), this.#waitOptions(sql, busyTimeoutMs, true), error);
    }
  }

  /** How every statement of this database waits: stale-lock recovery and turn-taking included. */
  #waitOptions(sql: string, timeoutMs: number, retrySafe: boolean): BusyRetryOptions {
    return { timeoutMs, retrySafe, sql, onWait: () => this.#recoverStaleLock(), turns: this.#turns };
  }

  #othersWaiting(): boolean {
    try {
      return this.#turns!.othersWaiting();
    } catch {
      return false;
    }
  }

  /**
   * Streams rows in chunks. The busy wait covers the first step (where SQLite takes its lock);
   * stopping early returns the backend iterator, which resets the statement and frees the lock.
   */
  async *iterate(sql: string, params: readonly unknown[], busyTimeoutMs: number, chunkSize: number): AsyncGenerator<Row[]> {
    const retrySafe = isRetrySafe(sql, this.#backend.inTransaction);
    const start = await retryOnBusy(() => this.#firstStep(sql, params), this.#waitOptions(sql, busyTimeoutMs, retrySafe));
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

  /** {@link #guarded} for one statement, without allocating a closure (the hot path). */
  #execute(sql: string, params: readonly unknown[], inTransactionBefore: boolean): StatementResult {
    if (!inTransactionBefore) this.#guard.enter();
    try {
      return this.#backend.execute(sql, params);
    } finally {
      if (!this.#backend.inTransaction) this.#guard.exit();
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
    recoverQuietly(this.#guard);
  }
}

/** The guard of a file database, from what the drivers will decide (same functions, same inputs). */
function guardFor(config: DsnConfig, options: Omit<OpenBackendOptions, 'sqliteBusyTimeout'>): LockGuard {
  if (config.location.kind !== 'file') return NO_GUARD;
  const driver = selectDriver(config, options).driver;
  return createGuard({
    filename: realDatabasePath(config.location.path),
    driver,
    lockProtocol: lockProtocol(config, driver),
    readOnly: config.mode === 'ro',
    exclusiveLocking: config.pragmas.locking_mode === 'exclusive',
  });
}

/** Turn-taking for file databases that lock (memory, temp, nolock and immutable ones do not). */
function turnsFor(config: DsnConfig): Turns | undefined {
  if (config.location.kind !== 'file' || config.nolock || config.immutable) return undefined;
  return new Turns(realDatabasePath(config.location.path));
}

function openGuarded(config: DsnConfig, options: Omit<OpenBackendOptions, 'sqliteBusyTimeout'>, guard: LockGuard): Backend {
  guard.enter();
  try {
    return openBackend(config, { ...options, sqliteBusyTimeout: SQLITE_BUSY_TIMEOUT_MS });
  } finally {
    guard.exit();
  }
}

function recoverQuietly(guard: LockGuard): void {
  try {
    guard.recoverStaleLock();
  } catch {
    // A failed recovery attempt must not end the wait; the next retry or the timeout decides.
  }
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
