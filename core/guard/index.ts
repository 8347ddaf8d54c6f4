/**
 * Cross-process guard factory (issue 5). One guard per file database per thread:
 * - refuses to mix POSIX-locking and dot-file-locking users of one file (they cannot see each
 *   other's locks), in both opening orders, via claim records next to the database;
 * - refuses two drivers (two copies of SQLite) on one file in one process when either takes
 *   POSIX locks, since closing one copy's descriptor drops the other's locks;
 * - for dot-file locking, marks in its claim when it may hold `<db>.lock` and clears a lock
 *   whose owner is proven dead, so a killed process cannot lock the database forever.
 * The design and its limits are explained in docs/concurrency.md.
 */
import { closeSync, constants, existsSync, openSync, realpathSync, rmdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { GuardTarget, LockGuard } from './types.js';
import { claimsDirOf, ensureClaimsDir, OwnClaim, readClaims, sweepTemporaries, type Claim } from './claims.js';
import { liveness, selfOwner } from './identity.js';
import { lockIdOf, recoverIfStale, sweepDead } from './stale-lock.js';
import { ClaimGuard, DotfileGuard, InertGuard } from './guard.js';
import { MixedLockingError, MixedSqliteCopiesError, SideFileError, type ConflictingClaim } from './errors.js';
import { DualSqliteError } from '../../dsn/base-error.js';

export type { GuardTarget, LockGuard } from './types.js';
export { MixedLockingError, MixedSqliteCopiesError, SideFileError, type ConflictingClaim } from './errors.js';
export { claimsDirOf } from './claims.js';

/** Temporary files and renamed-away locks older than this were left by a killed process. */
const TEMP_MAX_AGE_MS = 60_000;

/**
 * The canonical name of the file: claims must key on the real path, or two paths to one file
 * (symlinks) would get separate claim folders and never see each other. Drivers already pass a
 * real path; resolving again costs one syscall at open time and protects against a caller that
 * did not.
 */
function canonical(filename: string): string {
  if (existsSync(filename)) return realpathSync(filename);
  try {
    return join(realpathSync(dirname(filename)), basename(filename));
  } catch {
    return filename;
  }
}

/** The first live claim that uses the other lock protocol, if any. */
function findConflict(claims: readonly Claim[], ownName: string | null, target: GuardTarget): Claim | null {
  for (const c of claims) {
    if (c.name === ownName) continue;
    const other = c.body.lockProtocol;
    if (other === target.lockProtocol || other === 'none') continue;
    if (liveness(c.body.owner) !== 'dead') return c;
  }
  return null;
}

/**
 * A live claim of another thread of this process on another driver, when either side takes POSIX
 * locks: two copies of SQLite in one process lose each other's POSIX locks on close. (Dot-file
 * locks are directories, which no close drops.)
 */
function findSecondCopy(claims: readonly Claim[], ownName: string | null, target: GuardTarget): Claim | null {
  const me = selfOwner();
  for (const c of claims) {
    if (c.name === ownName || c.body.owner.pid !== me.pid || c.body.owner.host !== me.host) continue;
    if (c.body.driver === target.driver) continue;
    if (c.body.lockProtocol !== 'posix' && target.lockProtocol !== 'posix') continue;
    if (liveness(c.body.owner) !== 'dead') return c;
  }
  return null;
}

function describeClaim(c: Claim): ConflictingClaim {
  const o = c.body.owner;
  return {
    pid: o.pid,
    tid: o.tid || o.pid,
    driver: c.body.driver,
    lockProtocol: c.body.lockProtocol,
    host: o.host === selfOwner().host ? '' : o.host,
  };
}

/** Our claim (null where the folder cannot be written, with the OS error) and whether we created the folder. */
interface Written {
  readonly claim: OwnClaim | null;
  readonly createdDir: boolean;
  readonly refused?: NodeJS.ErrnoException;
}

/** Attempts at writing a claim whose folder another process removed in between (see abandon()). */
const CLAIM_ATTEMPTS = 4;

const NOT_WRITABLE = new Set(['EACCES', 'EROFS', 'EPERM']);

function writeClaim(dir: string, target: GuardTarget, filename: string): Written {
  for (let attempt = 1; ; attempt++) {
    const made = ensureClaimsDir(dir, filename);
    if (typeof made !== 'string') return { claim: null, createdDir: false, refused: made.notWritable };
    try {
      const claim = new OwnClaim(dir, {
        v: 1,
        owner: selfOwner(),
        driver: target.driver,
        lockProtocol: target.lockProtocol,
        readOnly: target.readOnly,
        file: filename,
        createdAt: new Date().toISOString(),
      });
      return { claim, createdDir: made === 'created' };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (NOT_WRITABLE.has(code)) return { claim: null, createdDir: false, refused: err as NodeJS.ErrnoException };
      // A process whose open failed removed the (then empty) folder between our mkdir and write.
      if (code === 'ENOENT' && attempt < CLAIM_ATTEMPTS) continue;
      throw new SideFileError(dir, "write this process's claim record in", err);
    }
  }
}

/**
 * Without a claim this process is invisible to a later opener using the other lock protocol, and
 * the two would mix protocols: the corruption the guard exists to prevent. That is only accepted
 * when this process cannot write the database file (read-only media, another user's 0644 file):
 * it then cannot roll back a journal or write a page, so it cannot corrupt the file (a writer on
 * the other protocol may still hand it a torn read; docs/concurrency.md, limits). A process that
 * may write the database must be able to announce itself, or it fails here.
 */
function checkClaimless(dir: string, filename: string, refused: NodeJS.ErrnoException): void {
  if (cannotWriteFile(filename)) return;
  throw new SideFileError(dir, "write this process's claim record in", refused, unwritableFix(dir, refused));
}

/** True for an existing file this process may not open for writing (the kernel's check, effective uid). */
function cannotWriteFile(filename: string): boolean {
  try {
    closeSync(openSync(filename, constants.O_RDWR));
    return false;
  } catch (e) {
    return NOT_WRITABLE.has((e as NodeJS.ErrnoException).code ?? '');
  }
}

function unwritableFix(dir: string, refused: NodeJS.ErrnoException): string {
  if (refused.code === 'EROFS') return 'the file system is mounted read-only, yet the database can be written: remount it read-write';
  let owner = 'another user';
  try {
    const st = statSync(dir);
    owner = `uid ${st.uid} (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')})`;
  } catch {
    /* unreadable: name no owner */
  }
  const me = typeof process.getuid === 'function' ? `uid ${process.getuid()}` : 'this user';
  return (
    `the folder belongs to ${owner} and this process runs as ${me}, which may write the database but not announce itself ` +
    'there, so a process using the other lock protocol could not see it and the two could corrupt the file: ' +
    `make the folder writable by every user that writes the database, like the database's directory ` +
    `(e.g. chmod 1777 "${dir}", or chgrp <group> and chmod 2775 for a shared group), or run every process as the same user`
  );
}

/**
 * Creates the guard for one file database opened by this thread. Throws
 * {@link MixedLockingError} when a live process or thread has the file open with the other
 * lock protocol.
 */
export function createGuard(target: GuardTarget): LockGuard {
  if (target.lockProtocol === 'none') return new InertGuard();
  const dir = claimsDirOf(target.filename);
  try {
    return guardOn(target);
  } catch (err) {
    // The library's own bookkeeping never surfaces a raw Node error.
    if (err instanceof DualSqliteError || typeof (err as NodeJS.ErrnoException)?.code !== 'string') throw err;
    throw new SideFileError(dir, 'prepare the claims folder', err);
  }
}

function guardOn(target: GuardTarget): LockGuard {
  const filename = canonical(target.filename);
  const dir = claimsDirOf(filename);
  const lockPath = `${filename}.lock`;
  sweepTemporaries(dir, TEMP_MAX_AGE_MS);
  sweepDead(dir, lockPath);
  // Write first, read second: of two processes opening at the same moment, at least one sees
  // the other's claim (possibly both, and both refuse: safe).
  const { claim, createdDir, refused } = writeClaim(dir, target, filename);
  if (refused) checkClaimless(dir, filename, refused);
  const claims = readClaims(dir);
  const conflict = findConflict(claims, claim?.name ?? null, target);
  if (conflict) {
    claim?.remove();
    if (createdDir) removeIfEmpty(dir);
    throw new MixedLockingError(filename, target, describeClaim(conflict));
  }
  const secondCopy = findSecondCopy(claims, claim?.name ?? null, target);
  if (secondCopy) {
    claim?.remove();
    if (createdDir) removeIfEmpty(dir);
    throw new MixedSqliteCopiesError(filename, target.driver, describeClaim(secondCopy));
  }
  const createdBy = createdDir ? dir : null;
  if (target.lockProtocol === 'posix') return new ClaimGuard(claim, createdBy);
  const ctx = { lockPath, claimsDir: dir, self: selfOwner(), ownName: claim?.name ?? null };
  return new DotfileGuard(claim, ctx, target.exclusiveLocking, createdBy, target.driver);
}

/** Removes `dir` if nothing is in it (rmdir is atomic: it never removes another's claim). */
export function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    /* not empty (others' claims), or already gone */
  }
}

/**
 * Clears `<file>.lock` if it is proven stale, for a process that has not opened the file yet
 * (so it has no guard). Opening runs SQL that takes SQLite's lock (pragmas that read the schema),
 * so a dead process's dot-file lock would otherwise make every later open fail with SQLITE_BUSY:
 * call this between attempts when `openBackend` throws SQLITE_BUSY. `path` may be any path to
 * the database (it is resolved to the real path). Returns true when it removed a lock.
 * Never throws.
 */
export function recoverStaleLockAt(path: string): boolean {
  try {
    const filename = canonical(path);
    const lockPath = `${filename}.lock`;
    const lock = lockIdOf(lockPath);
    if (!lock) return false;
    return recoverIfStale({ lockPath, claimsDir: claimsDirOf(filename), self: selfOwner(), ownName: null }, lock);
  } catch {
    return false;
  }
}
export { MigrationMarker, otherMigrators, type Migrator, type MigratorState } from './migrating.js';
