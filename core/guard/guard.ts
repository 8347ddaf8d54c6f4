/**
 * The per-file, per-thread guard objects handed to `core/`.
 */
import type { LockGuard } from './types.js';
import type { OwnClaim } from './claims.js';
import { foreignLockAdvice, judgeLock, lockIdOf, recoverIfStale, type LockId, type RecoveryContext } from './stale-lock.js';
import { readClaims } from './claims.js';
import { encodePath } from '../../dsn/format.js';
import type { DriverName } from '../../drivers/types.js';
import { forgetAtExit, rememberAtExit } from './exit-hook.js';
import { rmdirSync } from 'node:fs';

/** File timestamps come from a coarse kernel clock (a few ms behind `Date.now()`). */
const CTIME_MARGIN_NS = 20_000_000n;

/**
 * How often (ms) a waiter re-judges the same lock instance, at least. Judging reads every claim
 * and each claimant's /proc entry (about 0.8 ms on wasm); done on every 2 ms poll it was most of a
 * waiting wasm process's CPU (docs/performance.md). A lock is never stale before STALE_GRACE_MS
 * (500 ms) anyway, so this adds at most 50 ms to the recovery of a young lock's dead owner.
 */
export const REJUDGE_MS = 50;
/**
 * An older lock is re-judged every tenth of its age, at most this often (ms): a lock held for
 * seconds is a long transaction, and judging it 20 times a second was the largest part of a long
 * wasm wait's remaining CPU. A dead owner's lock is then recovered at most 10 % of its age (and
 * never more than this) after its owner died.
 */
export const MAX_REJUDGE_MS = 250;

/** Guard for connections that take no file locks (memory, temp, `nolock`, `immutable`). */
export class InertGuard implements LockGuard {
  enter(): void {}
  exit(): void {}
  recoverStaleLock(): boolean {
    return false;
  }
  explainBusy(): string | undefined {
    return undefined;
  }
  release(): void {}
  abandon(): void {}
}

/**
 * Guard for POSIX-locking connections. The kernel drops fcntl locks of a dead process, so there
 * is never a stale lock to clear; the claim exists only so dot-file users can see us (and we them).
 */
export class ClaimGuard implements LockGuard {
  protected readonly claim: OwnClaim | null;
  /** The claims folder, when this guard created it (so a failed open can take it away again). */
  readonly #createdDir: string | null;
  #released = false;

  constructor(claim: OwnClaim | null, createdDir: string | null = null) {
    this.claim = claim;
    this.#createdDir = createdDir;
    rememberAtExit(this);
  }

  enter(): void {}
  exit(): void {}
  recoverStaleLock(): boolean {
    return false;
  }
  explainBusy(): string | undefined {
    return undefined;
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    forgetAtExit(this);
    this.claim?.remove();
  }

  abandon(): void {
    this.release();
    if (this.#createdDir === null) return;
    try {
      rmdirSync(this.#createdDir);
    } catch {
      /* not empty: another process's claim is in it, or it is gone already */
    }
  }

  /**
   * Process exit without `release()`. A claim that says "may hold the lock" is left on disk on
   * purpose: it is the evidence that lets the next process clear the lock we may leave behind.
   */
  onProcessExit(): void {
    // Idle or waiting ('0', 'W'): holds no lock, so the claim is no evidence of anything.
    if (this.claim && this.claim.state !== '1') this.claim.remove();
  }

  protected get released(): boolean {
    return this.#released;
  }
}

/**
 * Guard for dot-file-locking connections (wasm, native `vfs=unix-dotfile`): marks in the claim
 * when this thread may hold `<db>.lock`, and clears a lock whose owner is proven dead.
 */
export class DotfileGuard extends ClaimGuard {
  readonly #ctx: RecoveryContext;
  readonly #exclusive: boolean | undefined;
  /** When the current statement began (wall clock, ns), to recognise a lock it created. */
  #enteredNs = 0n;
  /** Identity of a lock this thread may be keeping between statements (exclusive mode). */
  #keptId: string | undefined;
  /** The lock instance last judged live or unproven, and when (performance.now() ms). */
  #judgedId: string | undefined;
  #judgedAt = 0;

  readonly #driver: DriverName;

  constructor(claim: OwnClaim | null, ctx: RecoveryContext, exclusive?: boolean, createdDir: string | null = null, driver: DriverName = 'wasm') {
    super(claim, createdDir);
    this.#driver = driver;
    this.#ctx = ctx;
    this.#exclusive = exclusive;
  }

  override enter(): void {
    if (this.released) return;
    this.#enteredNs = BigInt(Date.now()) * 1_000_000n;
    try {
      this.claim?.setBusy();
    } catch {
      // Bookkeeping must not fail the user's statement. Without the busy mark a lock we leave
      // behind cannot be proven stale: it stays (the safe direction), reported by doctor.
    }
  }

  override exit(): void {
    try {
      if (this.released || this.#exclusive) return;
      if (this.#exclusive === undefined && this.#mayStillHold()) return;
      this.claim?.setIdle();
    } catch {
      // exit() runs on the release path of core's queue, which must never throw.
    }
  }

  /**
   * With `locking_mode=exclusive` SQLite keeps the lock after the statement. When the caller did
   * not say which mode is in force, a lock directory created since this statement began, or the
   * one kept after the previous statement, may be ours: stay "busy" (conservative; a busy wait,
   * which proves we hold nothing, corrects it). The margin covers the file system's coarse
   * timestamps.
   */
  #mayStillHold(): boolean {
    const lock = lockIdOf(this.#ctx.lockPath);
    const mine = lock !== null && (lock.id === this.#keptId || lock.ctimeNs + CTIME_MARGIN_NS >= this.#enteredNs);
    this.#keptId = mine ? lock.id : undefined;
    return mine;
  }

  override explainBusy(): string | undefined {
    const lockPath = this.#ctx.lockPath;
    const lock = lockIdOf(lockPath);
    if (lock && !lock.directory) return foreignLockAdvice(lockPath);
    if (!lock || judgeLock(lock, readClaims(this.#ctx.claimsDir), this.#ctx.ownName) !== 'unproven') return undefined;
    const file = lockPath.slice(0, -'.lock'.length);
    return (
      `the lock directory "${lockPath}" exists and no process using this library claims it. It was left by a program ` +
      'that does not use this library and was killed while holding it, or such a program (e.g. the sqlite3 shell with ' +
      `the unix-dotfile VFS) holds it right now. Run \`dual-sqlite doctor '${doctorDsn(file, this.#driver)}' --driver ${this.#driver}\` ` +
      `to see who holds it; when no program has the database open, remove it with \`rmdir '${lockPath}'\``
    );
  }

  override recoverStaleLock(): boolean {
    if (this.released) return false;
    try {
      const lock = lockIdOf(this.#ctx.lockPath);
      if (!lock) return false;
      this.#keptId = undefined;
      // We got SQLITE_BUSY, so we hold no lock on this file: say so, naming the lock that blocks
      // us, so that other waiters may clear it if it is stale (a "busy" mark would stop them).
      this.claim?.setWaiting(lock.id);
      const now = performance.now();
      if (lock.id === this.#judgedId && now - this.#judgedAt < rejudgeAfterMs(lock)) return false;
      this.#judgedId = lock.id;
      this.#judgedAt = now;
      return recoverIfStale(this.#ctx, lock);
    } catch {
      return false; // a failed recovery attempt is just another busy retry
    }
  }
}

/** How long a judgement of `lock` stands (ms): see {@link REJUDGE_MS} and {@link MAX_REJUDGE_MS}. */
function rejudgeAfterMs(lock: LockId): number {
  const ageMs = Number(BigInt(Date.now()) * 1_000_000n - lock.ctimeNs) / 1e6;
  return Math.min(MAX_REJUDGE_MS, Math.max(REJUDGE_MS, ageMs / 10));
}

/** The DSN `doctor` takes for a dot-file locked file (native needs the VFS spelled out). */
function doctorDsn(file: string, driver: DriverName): string {
  return `file:${encodePath(file)}${driver === 'wasm' ? '' : '?vfs=unix-dotfile'}`;
}
