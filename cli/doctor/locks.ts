/**
 * The lock checks of `doctor`: the wasm dot-file lock `<db>.lock` and the guard's claim records
 * (`<db>.dual-sqlite-claims/`). The judgement (live, stale, unproven) is the guard's own
 * (`core/guard/stale-lock.ts`), so `doctor --fix` removes exactly what a waiting process of this
 * library would remove itself, and never a lock a live process may hold.
 */
import { readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { claimsDirOf, readClaims, type Claim } from '../../core/guard/claims.js';
import { recoverStaleLockAt } from '../../core/guard/index.js';
import { liveness } from '../../core/guard/identity.js';
import { foreignLockAdvice, judgeLock, lockIdOf, STALE_GRACE_MS, sweepDead } from '../../core/guard/stale-lock.js';
import type { DriverName, LockProtocol } from '../../drivers/types.js';
import { check, type CheckResult } from './report.js';

/** A claim summarized for people and `--json`. */
interface ClaimSummary {
  readonly pid: number;
  readonly tid: number;
  readonly host: string;
  readonly driver: DriverName;
  readonly lockProtocol: LockProtocol;
  readonly state: string;
  readonly alive: 'alive' | 'dead' | 'unknown';
}

function summarize(c: Claim): ClaimSummary {
  const o = c.body.owner;
  return { pid: o.pid, tid: o.tid, host: o.host, driver: c.body.driver, lockProtocol: c.body.lockProtocol, state: c.state.kind, alive: liveness(o) };
}

function who(c: ClaimSummary): string {
  const thread = c.tid && c.tid !== c.pid ? ` thread ${c.tid}` : '';
  return `pid ${c.pid}${thread} (${c.driver}, ${c.lockProtocol} locks, ${c.state})`;
}

/** Checks the claims: live users of the file, mixed lock protocols, claims of dead processes. */
export function checkClaims(file: string, doctorProtocol: LockProtocol, fix: boolean): CheckResult[] {
  const dir = claimsDirOf(file);
  const unreadable = claimsFolderProblem(dir);
  if (unreadable) return [unreadable];
  const claims = readClaims(dir).map(summarize);
  const live = claims.filter((c) => c.alive !== 'dead');
  const dead = claims.filter((c) => c.alive === 'dead');
  const out: CheckResult[] = [];
  const protocols = new Set(live.map((c) => c.lockProtocol).filter((p) => p !== 'none'));
  if (protocols.size > 1) {
    out.push(check('mixed-locking', 'mixed lock protocols', 'fail',
      `live processes use both POSIX and dot-file locks on this file, which cannot see each other: ${live.map(who).join('; ')}`,
      { fix: 'stop one side, and open the file with vfs=unix-dotfile on the native or node driver wherever wasm also opens it', data: { live } }));
  } else if (live.length > 0 && doctorProtocol !== 'none' && !protocols.has(doctorProtocol) && protocols.size > 0) {
    out.push(check('mixed-locking', 'mixed lock protocols', 'fail',
      `the file is open in ${live.map(who).join('; ')}, and doctor would open it with ${doctorProtocol} locks, which that process cannot see`,
      { fix: `rerun with --driver ${[...protocols][0] === 'dotfile' ? 'wasm (or add vfs=unix-dotfile to the DSN)' : 'native or node'}`, data: { live } }));
  } else {
    out.push(check('mixed-locking', 'mixed lock protocols', 'ok',
      live.length === 0 ? 'no other process has the file open through this library' : `in use by ${live.map(who).join('; ')}, all with one lock protocol`,
      { data: { live } }));
  }
  if (dead.length > 0) {
    if (fix) {
      sweepDead(dir, `${file}.lock`);
      const left = readClaims(dir).map(summarize).filter((c) => c.alive === 'dead');
      const removed = dead.length - left.length;
      out.push(check('dead-claims', 'claims of dead processes', removed > 0 ? 'fixed' : 'warn',
        `${removed} of ${dead.length} claims left by dead processes removed${left.length ? `; ${left.length} kept as evidence for the stale-lock check` : ''}`,
        { data: { dead } }));
    } else {
      out.push(check('dead-claims', 'claims of dead processes', 'warn',
        `${dead.length} claim(s) left by processes that died: ${dead.map(who).join('; ')} (harmless; the next open sweeps them)`,
        { fix: 'dual-sqlite doctor --fix removes the ones that are no longer evidence of a stale lock', data: { dead } }));
    }
  }
  return out;
}

/**
 * A claims folder that exists but cannot be listed (a file where the folder belongs, no read
 * permission) hides every claim: reporting "no other process" then would be a guess.
 */
function claimsFolderProblem(dir: string): CheckResult | undefined {
  try {
    readdirSync(dir);
    return undefined;
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'unknown error';
    if (code === 'ENOENT') return undefined;
    return check('mixed-locking', 'mixed lock protocols', 'fail',
      `cannot list the claims folder "${dir}" (${code}), so which processes have the file open, and with which locks, is unknown; ` +
        'opening the database through this library fails the same way (SIDE_FILE_ERROR)',
      { fix: `make "${dir}" a folder every user of the database can read and write (remove what stands in its place once no program uses the database)`, data: { dir, code } });
  }
}

/** Checks `<db>.lock`: none, held by a live process, proven stale (fixable), or unproven. */
export async function checkDotLock(file: string, fix: boolean): Promise<CheckResult> {
  const lockPath = `${file}.lock`;
  const lock = lockIdOf(lockPath);
  const title = 'wasm dot-file lock';
  if (!lock) return check('stale-lock', title, 'ok', `no ${lockPath}`);
  if (!lock.directory) {
    return check('stale-lock', title, 'fail', foreignLockAdvice(lockPath), { fix: `once no program uses the database: rm '${lockPath}'`, data: { lockPath, verdict: 'not-a-lock' } });
  }
  const claimsDir = claimsDirOf(file);
  const verdict = judgeLock(lock, readClaims(claimsDir), null);
  const data = { lockPath, verdict };
  if (verdict === 'live') {
    return check('stale-lock', title, 'ok', `${lockPath} is held by a live process (normal while the database is in use)`, { data });
  }
  if (verdict === 'unproven') {
    return check('stale-lock', title, 'fail',
      `${lockPath} exists and no process of this library is on record as its owner (left by a killed program that does not use ` +
        'dual-sqlite, or held right now by one such as the sqlite3 shell); every wasm open waits on it and then fails with "database is locked"',
      { fix: `make sure no program has the database open, then remove it by hand: rmdir '${lockPath}' (doctor --fix never removes a lock it cannot prove stale)`, data });
  }
  if (!fix) {
    return check('stale-lock', title, 'fail',
      `${lockPath} was left by a process that died inside a transaction: every wasm open fails with "database is locked" until it is removed`,
      { fix: 'run doctor again with --fix (or just open the database through this library: it recovers the lock itself)', data });
  }
  // The guard refuses locks younger than its grace period (an opener may hold one before writing
  // its claim); wait that out instead of reporting a lock we could clear a moment later.
  const ageMs = Date.now() - Number(lock.ctimeNs / 1_000_000n);
  if (ageMs < STALE_GRACE_MS) await sleep(STALE_GRACE_MS - ageMs + 50);
  if (lockIdOf(lockPath)?.id === lock.id && recoverStaleLockAt(file)) {
    return check('stale-lock', title, 'fixed',
      `removed ${lockPath}, left by a dead process; SQLite rolls back its hot journal (if any) on the next open`, { data });
  }
  return check('stale-lock', title, 'fail', `${lockPath} could not be removed: it changed or a live process took it meanwhile`,
    { fix: 'run doctor again', data });
}
