/**
 * Recovery of a dot-file lock (`<db>.lock`, an empty directory) whose owner is dead.
 *
 * A lock is judged stale only when all of these hold:
 * 1. no live claimant may hold it: every live claim is idle, or waiting behind this very lock
 *    (a process blocked by lock X cannot own X); a claim we cannot judge (other host or
 *    container) counts as live;
 * 2. there is positive evidence that a library process died holding it: a dead claim that was
 *    busy (or waiting behind an OTHER lock) and whose last state change is not newer than the
 *    lock's creation (the busy mark is written before SQLite's mkdir);
 * 3. the lock is older than {@link STALE_GRACE_MS}: defence in depth against a holder that has
 *    no claim yet (core creates the guard before opening, so a library process is claimed and
 *    marked busy even while applying its settings; this covers anything that is not).
 * A lock nobody claims (a foreign program such as the sqlite3 shell) is never removed.
 *
 * Removal is serialized among waiters by a mutex specific to the lock instance
 * (`recover-<lock id>-<generation>.mutex`, created atomically with link()); if its holder died,
 * the next waiter takes the next generation instead of breaking the old mutex, so there is no
 * break-in race. Under the mutex the judgement is redone and the lock's identity re-checked, then
 * the directory is renamed away (atomic: a concurrent mkdir by a live process either happened
 * before, and the identity check fails, or creates a fresh directory that we do not touch) and
 * removed. The dead owner's hot journal is played back first, under the lock (hot-journal.ts):
 * wasm's VFS would never roll it back.
 */
import {
  linkSync, lstatSync, readFileSync, readdirSync, renameSync, rmSync, unlinkSync, writeFileSync,
  existsSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { liveness, parseOwner, type Owner } from './identity.js';
import { readClaims, type Claim } from './claims.js';
import { playBackHotJournal } from './hot-journal.js';

/** Minimum age of a lock directory before it can be judged stale (see the file comment). */
export const STALE_GRACE_MS = 500;

/** Identity of one lock directory instance. */
export interface LockId {
  /** `<inode>:<ctime ns>`: a new mkdir after a removal gets a new ctime even if the inode is reused. */
  readonly id: string;
  readonly ino: bigint;
  readonly ctimeNs: bigint;
  /**
   * False when the path is not a directory (a regular file, a symlink): SQLite's dot-file locks
   * are directories, so some other program made it. It still shuts out every dot-file opener
   * (their mkdir fails), but it is never judged stale nor removed by the library.
   */
  readonly directory: boolean;
}

/** Identity of the lock at `path`, or null when there is none. */
export function lockIdOf(path: string): LockId | null {
  try {
    const st = lstatSync(path, { bigint: true });
    return { id: `${st.ino}:${st.ctimeNs}`, ino: st.ino, ctimeNs: st.ctimeNs, directory: st.isDirectory() };
  } catch {
    return null;
  }
}

/**
 * The sentence for a `<db>.lock` that is not a directory: what it is, why it blocks, the fix.
 * Shared by the busy-timeout error and `dual-sqlite doctor`.
 */
export function foreignLockAdvice(lockPath: string): string {
  return (
    `"${lockPath}" is a file, not a SQLite dot-file lock (those are directories): some other program created it, ` +
    'and every dot-file (wasm) opener of the database waits on it and then fails with "database is locked". ' +
    `Find out which program wrote it; once no program uses the database, remove it with \`rm '${lockPath}'\``
  );
}

/** The verdict on one lock instance. */
export type Verdict = 'live' | 'stale' | 'unproven';

/** Judges lock `lock` from the claims on the file, ignoring the claim named `ownName`. */
export function judgeLock(lock: LockId, claims: readonly Claim[], ownName: string | null): Verdict {
  let evidence = false;
  for (const c of claims) {
    if (c.name === ownName || c.body.lockProtocol !== 'dotfile') continue;
    const mayHold = c.state.kind === 'busy' || (c.state.kind === 'waiting' && c.state.lockId !== lock.id);
    if (!mayHold) continue;
    if (liveness(c.body.owner) !== 'dead') return 'live';
    if (c.mtimeNs <= lock.ctimeNs) evidence = true;
  }
  return evidence ? 'stale' : 'unproven';
}

function oldEnough(lock: LockId): boolean {
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  return nowNs - lock.ctimeNs >= BigInt(STALE_GRACE_MS) * 1_000_000n;
}

function mutexBase(lock: LockId): string {
  return `recover-${lock.id.replace(':', '-')}-`;
}

function readMutexOwner(path: string): Owner | null {
  try {
    return parseOwner(JSON.parse(readFileSync(path, 'utf8')).owner);
  } catch {
    return null;
  }
}

/** Takes the recovery mutex of `lock`; returns its path, or null if a live waiter has it. */
function acquireMutex(dir: string, lock: LockId, self: Owner): string | null {
  const tmp = join(dir, `.mutex-${randomBytes(4).toString('hex')}.tmp`);
  writeFileSync(tmp, JSON.stringify({ owner: self }));
  try {
    for (let gen = 1; gen <= 64; gen++) {
      const path = join(dir, `${mutexBase(lock)}${gen}.mutex`);
      try {
        linkSync(tmp, path); // atomic, and the content is complete before the name appears
        return path;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return null;
      }
      const owner = readMutexOwner(path);
      // Gone meanwhile (its holder finished): the lock is being or has been dealt with.
      if (!owner || liveness(owner) !== 'dead') return null;
    }
    return null;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Removes every generation of the mutex of `lock` (once the lock instance is gone). */
function removeMutexes(dir: string, lock: LockId): void {
  const base = mutexBase(lock);
  for (const name of safeReaddir(dir)) {
    if (name.startsWith(base)) rmSync(join(dir, name), { force: true });
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Everything recovery needs about one guarded file. */
export interface RecoveryContext {
  readonly lockPath: string;
  readonly claimsDir: string;
  readonly self: Owner;
  /** Name of our own claim (ignored when judging), null if we could not write one. */
  readonly ownName: string | null;
}

/**
 * Removes the lock at `ctx.lockPath` if it is proven stale. Returns true when it removed one.
 * `seen` is the lock the caller observed (so that a lock replaced meanwhile is never touched).
 */
export function recoverIfStale(ctx: RecoveryContext, seen: LockId): boolean {
  if (!seen.directory || !oldEnough(seen)) return false;
  if (judgeLock(seen, readClaims(ctx.claimsDir), ctx.ownName) !== 'stale') return false;
  const mutex = acquireMutex(ctx.claimsDir, seen, ctx.self);
  if (!mutex) return false;
  let removed = false;
  try {
    removed = removeUnderMutex(ctx, seen);
  } finally {
    if (removed) removeMutexes(ctx.claimsDir, seen);
    else rmSync(mutex, { force: true });
  }
  return removed;
}

function removeUnderMutex(ctx: RecoveryContext, seen: LockId): boolean {
  // Redo the whole judgement under the mutex: an earlier holder of it may have removed the lock
  // already, and a live process may have become busy since our first look.
  if (lockIdOf(ctx.lockPath)?.id !== seen.id) return false;
  const claims = readClaims(ctx.claimsDir);
  if (judgeLock(seen, claims, ctx.ownName) !== 'stale') return false;
  if (lockIdOf(ctx.lockPath)?.id !== seen.id) return false;
  // While the dead owner's lock still shuts everyone out, undo its unfinished transaction:
  // node-sqlite3-wasm never finds a journal hot (see hot-journal.ts). A failure here leaves the
  // lock in place; the next attempt tries again.
  try {
    playBackHotJournal(ctx.lockPath.slice(0, -'.lock'.length));
  } catch {
    return false;
  }
  const grave = join(ctx.claimsDir, `stale-${randomBytes(6).toString('hex')}.lock`);
  try {
    renameSync(ctx.lockPath, grave);
  } catch {
    return false;
  }
  // rename() updates ctime, so compare the inode only.
  if (lockIdOf(grave)?.ino !== seen.ino) {
    // Cannot happen while every remover holds the mutex; if it ever does, hand the lock back.
    if (!existsSync(ctx.lockPath)) renameSync(grave, ctx.lockPath);
    return false;
  }
  rmSync(grave, { recursive: true, force: true });
  // The dead claims were the evidence for this lock instance: they are used up.
  for (const c of claims) {
    if (c.name !== ctx.ownName && liveness(c.body.owner) === 'dead') {
      try {
        unlinkSync(c.path);
      } catch {
        /* another sweeper got it */
      }
    }
  }
  return true;
}

/**
 * Housekeeping when a file is opened: removes claims of dead owners that are idle, or that were
 * busy while there is no lock left for them to be evidence of, and mutexes of lock instances that
 * no longer exist and whose holders are dead.
 */
export function sweepDead(claimsDir: string, lockPath: string): void {
  const current = lockIdOf(lockPath);
  for (const c of readClaims(claimsDir)) {
    if (liveness(c.body.owner) !== 'dead') continue;
    if (c.state.kind === 'idle' || current === null) {
      try {
        unlinkSync(c.path);
      } catch {
        /* raced with another sweeper */
      }
    }
  }
  for (const name of safeReaddir(claimsDir)) {
    if (!name.startsWith('recover-') || !name.endsWith('.mutex')) continue;
    if (current && name.startsWith(mutexBase(current))) continue;
    const path = join(claimsDir, name);
    const owner = readMutexOwner(path);
    try {
      if (owner && liveness(owner) === 'dead') rmSync(path, { force: true });
    } catch {
      /* housekeeping only: another user's folder, or raced with another sweeper */
    }
  }
}
