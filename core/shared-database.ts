/**
 * One open database in this process: the driver's synchronous {@link Backend}, its cross-process
 * guard, the FIFO lock that hands the connection to one user at a time, and the asynchronous busy
 * wait around every statement. The registry shares one of these between every dialect and handle
 * that opens the same file.
 */
import { checkBeforeOpen, lockProtocol, openBackend, selectDriver } from '../drivers/index.js';
import { realDatabasePath } from '../drivers/paths.js';
import type { Backend, OpenBackendOptions, Row, StatementResult } from '../drivers/types.js';
import type { DsnConfig } from '../dsn/types.js';
import { createGuard, type LockGuard } from './guard/index.js';
import { assertNoPendingRestore } from './backup/pending.js';
import { isBusyError, isRetrySafe, retryLoop, retryOnBusy, type BusyRetryOptions } from './busy-retry.js';
import { FifoLock, type Unlock } from './fifo-lock.js';
import { AcquireTimeoutError, StreamMisuseError, TransactionMisuseError } from './errors.js';
import type { DualSqliteLogger } from './dialect-config.js';
import { Lease } from './lease.js';
import { flowHolds, holdsHere } from './misuse.js';
import { Turns } from './turns.js';
import { MigrationWait, type MigrationWaitPolicy } from './migration-wait.js';
import { isSpanRead, ReadSpan } from './read-span.js';

/** {@link SharedDatabase.open}'s options: the driver's, plus how the opening waits. */
export type SharedOpenOptions = Omit<OpenBackendOptions, 'sqliteBusyTimeout'> & { readonly wait?: MigrationWaitPolicy };

/**
 * SQLite's own busy timeout while the library waits asynchronously on top: 0 makes a locked
 * statement return SQLITE_BUSY at once instead of blocking (native) or spinning (wasm).
 */
export const SQLITE_BUSY_TIMEOUT_MS = 0;

const BEGIN = /^\s*begin\b/i;

/** Default of `acquireWarning`: a wait for this process's connection this long (ms) is logged. */
export const DEFAULT_ACQUIRE_WARNING_MS = 10_000;

/** How one user waits for the connection (see {@link SharedDatabase.acquire}). */
export interface AcquireOptions {
  /** Who asks, named in messages: `Kysely instance #1`, `openDatabase handle #2`. */
  readonly owner: string;
  /** Longest wait in ms before `ACQUIRE_TIMEOUT`; undefined waits without limit. */
  readonly timeoutMs?: number | undefined;
  /** The waiter's `_busy_timeout`: how long it waits for a transaction its own flow holds on another handle. */
  readonly busyTimeoutMs?: number | undefined;
  /** A wait this long (ms) logs a `slow-acquire` warning naming the holder; default 10 s. */
  readonly warnAfterMs?: number | undefined;
  readonly log?: DualSqliteLogger | undefined;
}

const NO_GUARD: LockGuard = {
  enter() {},
  exit() {},
  recoverStaleLock: () => false,
  explainBusy: () => undefined,
  release() {},
  abandon() {},
};

/** One open database shared by every user in this thread; created only through the registry. */
export class SharedDatabase {
  readonly #backend: Backend;
  readonly #guard: LockGuard;
  readonly #lock = new FifoLock();
  /** Cross-process turn-taking; absent for memory and temp databases (no other process). */
  readonly #turns: Turns | undefined;
  /** The read span of this connection (see read-span.ts); absent where nothing locks. */
  readonly #span: ReadSpan | undefined;
  /** Used in error messages: the real path, or a label for memory/temp databases. */
  readonly label: string;
  /** The current grant of the FIFO lock; undefined while it is free. */
  #holder: Lease | undefined;
  /**
   * True once a wait on this database was long enough to warn about: from then on leases keep
   * the stack of where a transaction or stream began, so the next warning can name it.
   */
  #captureSites = false;

  private constructor(backend: Backend, guard: LockGuard, turns: Turns | undefined) {
    this.#backend = backend;
    this.#guard = guard;
    this.#turns = turns;
    // Spans save lock round trips; where there is no lock (memory, temp, nolock) they save nothing.
    this.#span = turns === undefined ? undefined : new ReadSpan(backend, guard);
    this.label = describeLocation(backend);
  }

  /**
   * Creates the guard first, then opens the backend. The guard comes first because opening
   * already runs statements (the settings pragmas read the schema) that meet other processes'
   * locks like any statement (always on wasm, whose readers lock too), including a lock left by a
   * killed process that only the guard can prove stale and clear. Those waits use the same async
   * busy wait; a guard that refuses (e.g. mixed locking) means nothing is opened.
   */
  static async open(config: DsnConfig, openOptions: SharedOpenOptions): Promise<SharedDatabase> {
    const { wait, ...options } = openOptions;
    // A restore half done (or running in another process) must not be seen: see core/backup/pending.ts.
    if (config.location.kind === 'file') assertNoPendingRestore(realDatabasePath(config.location.path));
    const guard = guardFor(config, options);
    // Opening takes the lock too (settings read the schema): a newcomer takes turns like a BEGIN.
    const turns = turnsFor(config);
    try {
      const backend = await retryOnBusy(() => openGuarded(config, options, guard), {
        timeoutMs: config.busyTimeout,
        retrySafe: true,
        sql: '(opening the database)',
        subject: `cannot open "${config.location.kind === 'file' ? realDatabasePath(config.location.path) : 'the database'}"`,
        onWait: () => recoverQuietly(guard),
        explain: () => guard.explainBusy(),
        turns,
        // Opening reads the schema, which waits behind another process's migration like any statement.
        extend: migrationWaitFor(config, wait, config.busyTimeout),
      });
      return new SharedDatabase(backend, guard, turns);
    } catch (error) {
      // A failed open leaves nothing behind: our wait marker, our claim, the folder we created.
      turns?.discard();
      guard.abandon();
      throw error;
    }
  }

  get backend(): Backend {
    return this.#backend;
  }

  /** True inside a transaction someone began (a read span's own transaction does not count). */
  get inTransaction(): boolean {
    return this.#backend.inTransaction && !this.#span?.open;
  }

  /**
   * Ends the open read span, if any: before anything that needs the connection for itself.
   * Throws the COMMIT's error in the (never observed) case that the span could not be ended.
   */
  endSpan(): void {
    this.#span?.end();
  }

  get closed(): boolean {
    return this.#backend.closed;
  }

  /** The lease of whoever holds the connection now. */
  get holder(): Lease | undefined {
    return this.#holder;
  }

  /** True when leases should record where a transaction or stream began (see {@link Lease.useFor}). */
  get captureSites(): boolean {
    return this.#captureSites;
  }

  /** The connection at once when nobody holds or waits for it, else undefined. */
  tryAcquire(owner: string): Unlock | undefined {
    const unlock = this.#lock.tryAcquire();
    return unlock && this.#grant(owner, unlock);
  }

  /**
   * Waits (FIFO) for the connection; rejects with {@link AcquireTimeoutError} after `timeoutMs`.
   * A wait that can never end because this async flow holds the connection itself is refused at
   * once: {@link StreamMisuseError} while the flow iterates a stream, {@link TransactionMisuseError}
   * while it has a transaction open on an `openDatabase` handle or runs a Kysely transaction callback.
   */
  async acquire(options: AcquireOptions): Promise<Unlock> {
    const ownTransaction = this.#refuseSelfDeadlock();
    const { owner } = options;
    // A wait for a transaction this flow holds on another handle is what two SQLite connections
    // would see as a lock held by the other: it ends after the waiter's busy timeout, as a misuse.
    const timeoutMs = ownTransaction ? Math.min(options.timeoutMs ?? Infinity, options.busyTimeoutMs ?? 0) : options.timeoutMs;
    const onTimeout = ownTransaction
      ? () => new TransactionMisuseError(this.label, ownTransaction.describe(), timeoutMs)
      : () => new AcquireTimeoutError(this.label, timeoutMs!);
    const warnAfterMs = options.warnAfterMs ?? DEFAULT_ACQUIRE_WARNING_MS;
    const started = performance.now();
    const unlock = await this.#lock.acquire(timeoutMs, onTimeout, {
      afterMs: warnAfterMs,
      onLongWait: () => this.#warnLongWait(options, started),
    });
    return this.#grant(owner, unlock);
  }

  /** For the registry's close: waits behind every queued user, without the checks. */
  acquireToClose(): Promise<Unlock> {
    return this.#lock.acquire().then((unlock) => this.#grant('closing', unlock));
  }

  #grant(owner: string, unlock: Unlock): Unlock {
    const lease = new Lease(owner);
    this.#holder = lease;
    return () => {
      if (lease.released) return;
      lease.released = true;
      if (this.#holder === lease) this.#holder = undefined;
      unlock();
    };
  }

  /**
   * Throws when this flow holds the connection in a way only it can end (a Kysely transaction
   * callback, a stream suspended in its loop); returns the holder's lease when this flow holds it
   * in a handle's open transaction (see {@link acquire}).
   */
  #refuseSelfDeadlock(): Lease | undefined {
    const holder = this.#holder;
    if (holder === undefined) return undefined;
    if (holdsHere(this)) throw new TransactionMisuseError(this.label);
    if (!flowHolds(holder)) return undefined;
    if (holder.use === 'stream' && holder.parked) throw new StreamMisuseError(this.label, holder.describe());
    return holder.use === 'transaction' && holder.handleTransaction ? holder : undefined;
  }

  #warnLongWait(options: AcquireOptions, started: number): void {
    this.#captureSites = true;
    const now = performance.now();
    const holder = this.#holder?.describe(now) ?? 'nobody (the lock is being handed on)';
    options.log?.({
      level: 'warn',
      event: 'slow-acquire',
      message:
        `${options.owner} has waited ${Math.round(now - started)} ms for the connection to ${this.label}, held by ${holder}; ` +
        'if that holder waits for this statement, the two wait forever: end that transaction or stream first ' +
        '(acquireTimeout bounds such waits, acquireWarning sets when this warning comes)',
    });
  }

  /**
   * Runs one statement. On SQLITE_BUSY it waits on the event loop and retries until
   * `busyTimeoutMs` is spent, but only where a retry is safe (BEGIN, COMMIT, autocommit).
   */
  run(sql: string, params: readonly unknown[], busyTimeoutMs: number, wait?: MigrationWaitPolicy, spans = false): Promise<StatementResult> {
    try {
      return Promise.resolve(this.runFirst(sql, params, busyTimeoutMs, wait, spans));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * {@link run} with the first attempt inline: the result itself when the statement did not
   * meet SQLITE_BUSY (the common case, which then allocates no promise, closure or options), a
   * promise of the result when it has to wait. Errors that are not waited out are thrown.
   */
  runFirst(sql: string, params: readonly unknown[], busyTimeoutMs: number, wait?: MigrationWaitPolicy, spans = false): StatementResult | Promise<StatementResult> {
    const span = this.#span;
    if (span !== undefined) {
      if (spans && isSpanRead(sql)) {
        if (span.fresh) return span.read(sql, params);
        span.end();
        if (!this.#backend.inTransaction) {
          // Another process announced that it waits for the lock: step aside first, as a BEGIN
          // does (turns.ts). Spans leave only short gaps between turns, which a polling waiter
          // would rarely hit, so without this a writer could wait out its busy timeout.
          if (this.#othersWaiting()) return this.#turns!.stepAside().then(() => this.#attempt(sql, params, busyTimeoutMs, wait));
          if (span.begin()) return this.#firstSpanRead(span, sql, params, busyTimeoutMs, wait);
        }
      } else {
        span.end();
      }
    }
    // Before a BEGIN, step aside once if another process has announced a long wait (see turns.ts).
    if (this.#turns !== undefined && !this.#backend.inTransaction && BEGIN.test(sql) && this.#othersWaiting()) {
      return this.#turns.stepAside().then(() => this.#attempt(sql, params, busyTimeoutMs, wait));
    }
    return this.#attempt(sql, params, busyTimeoutMs, wait);
  }

  /**
   * The SELECT that opens a span takes SQLite's lock. When it cannot (SQLITE_BUSY), the span is
   * given up and the statement takes the ordinary autocommit path with its asynchronous wait.
   */
  #firstSpanRead(span: ReadSpan, sql: string, params: readonly unknown[], busyTimeoutMs: number, wait: MigrationWaitPolicy | undefined): StatementResult | Promise<StatementResult> {
    try {
      return span.read(sql, params);
    } catch (error) {
      if (!isBusyError(error)) throw error;
      span.end();
      return this.#attempt(sql, params, busyTimeoutMs, wait);
    }
  }

  /** The first attempt inline; only a retry-safe SQLITE_BUSY turns into the async wait. */
  #attempt(sql: string, params: readonly unknown[], busyTimeoutMs: number, wait: MigrationWaitPolicy | undefined): StatementResult | Promise<StatementResult> {
    const inTransaction = this.#backend.inTransaction;
    try {
      return this.#execute(sql, params, inTransaction);
    } catch (error) {
      if (!isBusyError(error) || !isRetrySafe(sql, inTransaction)) throw error;
      return retryLoop(() => this.#guarded(() => this.#backend.execute(sql, params)), this.#waitOptions(sql, busyTimeoutMs, true, wait), error);
    }
  }

  /**
   * {@link run} that also says how long the attempt that succeeded ran: for a statement that holds
   * SQLite's lock from its first to its last step (`VACUUM INTO`), the time other processes' writers
   * were locked out. Time spent waiting for SQLITE_BUSY is not in `attemptMs`.
   */
  async runMeasured(sql: string, params: readonly unknown[], busyTimeoutMs: number): Promise<{ result: StatementResult; attemptMs: number }> {
    this.endSpan();
    let attemptMs = 0;
    const attempt = (): StatementResult => {
      const started = performance.now();
      try {
        return this.#guarded(() => this.#backend.execute(sql, params));
      } finally {
        attemptMs = performance.now() - started;
      }
    };
    const result = await retryOnBusy(attempt, this.#waitOptions(sql, busyTimeoutMs, isRetrySafe(sql, this.#backend.inTransaction), undefined));
    return { result, attemptMs };
  }

  /** How every statement of this database waits: stale-lock recovery and turn-taking included. */
  #waitOptions(sql: string, timeoutMs: number, retrySafe: boolean, wait: MigrationWaitPolicy | undefined): BusyRetryOptions {
    return { timeoutMs, retrySafe, sql, onWait: () => this.#recoverStaleLock(), explain: () => this.#guard.explainBusy(), turns: this.#turns, extend: migrationWaitFor(this.#backend.config, wait, timeoutMs, this.#backend.filename) };
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
  async *iterate(sql: string, params: readonly unknown[], busyTimeoutMs: number, chunkSize: number, wait?: MigrationWaitPolicy): AsyncGenerator<Row[]> {
    // A stream holds the connection across turns: never inside a span.
    this.endSpan();
    const retrySafe = isRetrySafe(sql, this.#backend.inTransaction);
    const start = await retryOnBusy(() => this.#firstStep(sql, params), this.#waitOptions(sql, busyTimeoutMs, retrySafe, wait));
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
    this.endSpan();
    return this.#guarded(() => this.#backend.execute(sql, params));
  }

  /** Closes the backend and withdraws the guard. Never throws: it runs on destroy paths. */
  close(): void {
    try {
      try {
        this.endSpan();
      } catch {
        /* closing the connection ends its transaction anyway */
      }
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
  const selection = selectDriver(config, options);
  const driver = selection.driver;
  // Refuse what can be refused before the guard creates anything beside the file.
  const filename = checkBeforeOpen(config, selection)!;
  return createGuard({
    filename,
    driver,
    lockProtocol: lockProtocol(config, driver),
    readOnly: config.mode === 'ro',
    exclusiveLocking: config.pragmas.locking_mode === 'exclusive',
  });
}

/** The migration wait of a statement on a file database that locks; none without a policy. */
function migrationWaitFor(config: DsnConfig, wait: MigrationWaitPolicy | undefined, busyTimeoutMs: number, realPath?: string | null): MigrationWait | undefined {
  if (wait === undefined || config.location.kind !== 'file' || config.nolock || config.immutable) return undefined;
  const filename = realPath ?? realDatabasePath(config.location.path);
  return new MigrationWait(filename, filename, wait, busyTimeoutMs);
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
