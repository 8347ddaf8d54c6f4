/**
 * Restore: put a verified backup in place of a database that nobody has open, swapping the file
 * and its side files so that no open ever sees half of it.
 *
 * Order (the marker's phase, see pending.ts, is what makes every crash point recoverable):
 * 1. verify the backup; refuse while a live process has the database open (its claim says so);
 * 2. copy the backup next to the database under a temporary name and fsync it (crash: a stray
 *    temporary, swept later; the database untouched);
 * 3. write the marker, phase `moving` (from here on opens are refused);
 * 4. move the database, `-journal`, `-wal`, `-shm` and `.lock` into a folder aside;
 * 5. rename the copy to the database's name, fsync the folder; phase `swapped`;
 * 6. open it through the library with the target DSN and run `integrity_check`; on failure
 *    phase `rolling-back`: the new files go, the old ones come back;
 * 7. phase `committed`; drop the folder aside (or keep it, `keepOld`), remove the marker durably.
 * `recoverRestore` after a crash anywhere in 3-7 resumes from the recorded phase: `moving` and
 * `rolling-back` end with the old database, `committed` with the new one, and `swapped` with the
 * new one when it passes its check, else the old one. Each step is safe to repeat, so a crash of
 * the recovery itself is recovered the same way. Recovery runs under a mutex (recovery-lock.ts):
 * two recoveries acting on one marker at once could each be right alone and wrong together (one
 * putting the old files back while the other, still in `rolling-back`, deletes them). Only the
 * restoring thread's own running restore may open the database while the marker exists; a marker
 * it left by failing half way, or one whose pid the kernel has handed to another process, is
 * recovered like a dead process's (pending.ts compares the full identity, not the pid).
 * `DUAL_SQLITE_FAILPOINT` names (core/failpoint.ts) let the tests SIGKILL a real restore at each of
 * these points, and a recovery right after it took the mutex (`restore:recovering`).
 */
import { copyFileSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { failpoint, failpointAsync } from '../failpoint.js';
import { processesWithOpen } from './open-files.js';
import { basename, dirname, join, resolve } from 'node:path';
import { realDatabasePath } from '../../drivers/paths.js';
import { selectDriver } from '../../drivers/index.js';
import type { DriverName } from '../../drivers/types.js';
import { filePathProblem } from '../../dsn/scheme.js';
import type { DsnConfig } from '../../dsn/types.js';
import { openDatabase } from '../database.js';
import type { DualSqliteOpenOptions } from '../dialect-config.js';
import { claimsDirOf, readClaims } from '../guard/claims.js';
import { liveness } from '../guard/identity.js';
import { resolveOptions } from '../options.js';
import {
  BackupNotAFileError, BackupNotFoundError, RestoreFailedError, RestoreInUseError, RestoreInterruptedError, RestoreMarkerUnreadableError, RestorePendingError, RestoreBackupIsDatabaseError,
} from './errors.js';
import { exists, fsyncDir, fsyncFile, listFolder, removeQuietly, step, sweepDeadTemporaries, sweepDeadTemporariesOf, tempNameFor } from './files.js';
import {
  advanceMarker, beginRestore, endRestore, markerPathOf, markerProblem, markerWritten, readMarker, removeMarker, writeMarker, writerRunning,
  type RestoreMarker,
  type RestorePhase,
} from './pending.js';
import { takeRecoveryLock } from './recovery-lock.js';
import { verifyDatabaseFile } from './verify.js';

/** Options of {@link restoreDatabase}: the open options of the target, and what to keep. */
export interface RestoreOptions extends Pick<DualSqliteOpenOptions, 'driver' | 'env'> {
  /** Keep the replaced database and its side files in the folder aside (its path is returned). Default false. */
  readonly keepOld?: boolean;
  /**
   * Stops the restore at its next safe point when aborted: before anything is moved (nothing
   * changes), or after the swap and before the commit (it is rolled back). Either way it throws
   * {@link RestoreInterruptedError} and leaves no restore pending. Steps already begun finish
   * first (a copy, an integrity_check): the database is never left half swapped by an abort.
   */
  readonly signal?: AbortSignal;
}

/** What a restore did. Sizes in bytes, times in ms. */
export interface RestoreResult {
  /** Real path of the restored database. */
  readonly database: string;
  /** The backup it was restored from (absolute). */
  readonly backup: string;
  readonly driver: DriverName;
  readonly bytes: number;
  readonly pages: number;
  /** `PRAGMA integrity_check` of the restored database, opened in place with the target DSN. */
  readonly integrity: 'ok';
  /** Names of the files that were replaced (the database and the side files that existed). */
  readonly replaced: readonly string[];
  /**
   * The folder holding the replaced files when `keepOld` was set and something was replaced, else
   * `null` (they were deleted, or there were none: see `replaced`).
   */
  readonly keptOld: string | null;
  readonly totalMs: number;
}

/**
 * What {@link recoverRestore} found and did. `marker-removed`: the marker could not be read, but no
 * file of the restore was left beside the database (no copy of the backup, no folder of replaced
 * files), which happens only once a restore has wholly rolled back or wholly committed: the files
 * at the database's names are one whole database (which one, the marker no longer says), and only
 * the marker's removal was left to do.
 */
export type RecoveryOutcome = 'none' | 'rolled-back' | 'completed' | 'marker-removed';

/** The files a restore swaps, as suffixes of the database path. */
const SIDE_FILES = ['', '-journal', '-wal', '-shm', '.lock'] as const;

/**
 * Restores `backup` into the database `target` names (a DSN or a config). Verifies the backup
 * first, refuses while any live process has the database open, swaps the file and its side files
 * and proves the result opens and passes `integrity_check` before dropping the old files.
 * Throws `BackupVerificationError` (bad backup, nothing changed), {@link RestoreInUseError},
 * {@link RestorePendingError} (another restore runs), {@link RestoreFailedError} (the old
 * database was put back), {@link RestoreInterruptedError} (`options.signal` aborted it),
 * `BackupIoError`, or a DSN error.
 */
export async function restoreDatabase(backup: string, target: string | DsnConfig, options: RestoreOptions = {}): Promise<RestoreResult> {
  const started = performance.now();
  const config = resolveOptions(target, options);
  if (config.location.kind !== 'file') throw new BackupNotAFileError(describeLocation(config), 'restore');
  const filename = realDatabasePath(config.location.path);
  const driver = selectDriver(config, options).driver;
  const notAPath = filePathProblem(backup, 'the backup to restore');
  if (notAPath) throw notAPath;
  const source = resolve(backup);
  // before realDatabasePath, which calls a missing folder the database's ("create it first")
  try {
    lstatSync(source);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new BackupNotFoundError(source, error);
  }
  if (SIDE_FILES.some((suffix) => realDatabasePath(source) === `${filename}${suffix}`)) throw new RestoreBackupIsDatabaseError(filename);
  beginRestore(filename);
  try {
    return await restoreFile(filename, source, driver, config, options, started);
  } finally {
    endRestore(filename);
  }
}

async function restoreFile(filename: string, source: string, driver: DriverName, config: DsnConfig, options: RestoreOptions, started: number): Promise<RestoreResult> {
  await recoverFile(filename, config, options);
  const verified = await verifyDatabaseFile(source, driver, config.busyTimeout);
  failpoint('restore:verified');
  const interrupted = (state: 'unchanged' | 'rolled-back') => new RestoreInterruptedError(filename, state, options.signal?.reason);
  if (await abortRequested(options.signal)) throw interrupted('unchanged');
  assertNotInUse(filename);
  sweepDeadTemporaries(filename, 'restore');

  const temp = tempNameFor(filename, 'restore');
  const aside = tempNameFor(filename, 'restore-old');
  const keep = options.keepOld ? `${filename}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}` : null;
  try {
    step('copying the backup next to the database', temp, () => copyFileSync(source, temp));
    fsyncFile(temp);
    // safe point: the copy is beside the database, nothing moved yet (the finally removes the copy)
    await failpointAsync('restore:copied');
    if (await abortRequested(options.signal)) throw interrupted('unchanged');
    let marker = writeMarker(filename, { temp, aside, existed: exists(filename), keep });
    markerWritten(filename, marker);
    failpoint('restore:marked');
    let replaced: string[];
    try {
      // A process that opened the database between the check above and the marker would now
      // hold it open: check once more, with opens refused from here on.
      assertNotInUse(filename);
      replaced = moveAside(filename, aside);
      failpoint('restore:moved');
      step('renaming the copy into place', filename, () => renameSync(temp, filename));
      fsyncDir(dirname(filename));
      failpoint('restore:renamed');
      marker = advanceMarker(filename, marker, 'swapped');
    } catch (error) {
      // still `moving` when the phase could not be advanced: put back is right either way
      if (marker.phase === 'moving') putBack(filename, marker);
      else discardNew(filename, marker);
      throw error;
    }
    // safe point: swapped, not committed; an abort here or during the check rolls back
    await failpointAsync('restore:swapped');
    try {
      if (!(await abortRequested(options.signal))) await checkInPlace(config, options);
    } catch (error) {
      discardNew(filename, marker);
      throw new RestoreFailedError(filename, error);
    }
    if (await abortRequested(options.signal)) {
      discardNew(filename, marker);
      throw interrupted('rolled-back');
    }
    failpoint('restore:checked');
    commit(filename, marker);
    return Object.freeze({
      database: filename,
      backup: source,
      driver,
      bytes: verified.bytes,
      pages: verified.pages,
      integrity: 'ok',
      replaced: Object.freeze(replaced),
      // nothing was replaced (no database at that path before): no folder of old files to keep
      keptOld: replaced.length > 0 ? keep : null,
      totalMs: performance.now() - started,
    });
  } finally {
    // gone after the rename; else swept with the dead process's temporaries when it cannot be removed now
    removeQuietly(temp);
  }
}

/**
 * Finishes or rolls back a restore of `target` whose process died (see the module comment).
 * Returns what it did: `none` (no restore pending), `rolled-back` (the database from before the
 * restore is back) or `completed` (the restored database passed its check and stays). Throws
 * {@link RestorePendingError} while the restoring process, or another recovery, is still running.
 */
export async function recoverRestore(target: string | DsnConfig, options: Pick<DualSqliteOpenOptions, 'driver' | 'env'> = {}): Promise<RecoveryOutcome> {
  const config = resolveOptions(target, options);
  if (config.location.kind !== 'file') return 'none';
  return recoverFile(realDatabasePath(config.location.path), config, options);
}

/** Whether a restore of a database is pending, and where it stands: see {@link restoreStatus}. */
export interface RestoreStatus {
  /** Real path of the database. */
  readonly database: string;
  /** The phase its marker records, `unreadable` for a marker that cannot be read, `null` when no restore is pending. */
  readonly phase: RestorePhase | 'unreadable' | null;
}

/**
 * Where a restore of `target` stands, from its marker; reads only (the CLI says it when a restore
 * is stopped by a second Ctrl-C). `null` for a database that is not a file.
 */
export function restoreStatus(target: string | DsnConfig, options: Pick<DualSqliteOpenOptions, 'env'> = {}): RestoreStatus | null {
  const config = resolveOptions(target, options);
  if (config.location.kind !== 'file') return null;
  const database = realDatabasePath(config.location.path);
  const marker = readMarker(database);
  return Object.freeze({ database, phase: marker === null || marker === 'unreadable' ? marker : marker.phase });
}

/**
 * {@link recoverRestore} of a real path. Runs under the recovery mutex (recovery-lock.ts), so two
 * recoveries never act on one marker at once; the marker is read again once the mutex is held.
 */
async function recoverFile(filename: string, config: DsnConfig, options: Pick<DualSqliteOpenOptions, 'driver' | 'env'>): Promise<RecoveryOutcome> {
  const first = readMarker(filename);
  if (first === null) {
    // a restore stopped at once (a second Ctrl-C) before writing its marker left its copy of the
    // backup: the command its message points to removes it, as an open does
    sweepDeadTemporariesOf(filename);
    return 'none';
  }
  if (first !== 'unreadable' && writerRunning(first, filename)) throw new RestorePendingError(filename, first.owner.pid, true);
  const lock = takeRecoveryLock(markerPathOf(filename));
  if (!lock.held) throw new RestorePendingError(filename, lock.holder.pid, true);
  try {
    failpoint('restore:recovering');
    // Another recovery may have finished (or advanced) it between our first look and the mutex.
    const marker = readMarker(filename);
    if (marker === null) return 'none';
    if (marker === 'unreadable') return clearUnreadableMarker(filename);
    if (writerRunning(marker, filename)) throw new RestorePendingError(filename, marker.owner.pid, true);
    return await resume(filename, marker, config, options);
  } finally {
    lock.release();
  }
}

/**
 * A marker that cannot be read (written by rename, so never half: damaged on disk, edited, or of a
 * newer version). Its phase is unknown, so the files must decide, and they decide only one case:
 * with no copy of the backup and no folder of replaced files beside the database, the restore had
 * wholly rolled back or wholly committed (every phase before keeps one of them until its last
 * step, pending.ts), so the marker is removed. Anything else is refused with what is known and the
 * fix by hand ({@link RestoreMarkerUnreadableError}): putting back or deleting on a guess could
 * delete the only copy of one of the two databases. A marker that cannot be read for its
 * permissions, or of a newer version, is always refused: the fix is to read it, not to drop it.
 */
function clearUnreadableMarker(filename: string): RecoveryOutcome {
  const marker = markerPathOf(filename);
  const problem = markerProblem(filename);
  const dir = dirname(filename);
  const ownPrefix = `.${basename(filename)}.dual-sqlite-restore-`;
  const leftovers = listFolder(dir).filter((n) => n.startsWith(ownPrefix)).sort();
  if ((problem.kind === 'damaged' || problem.kind === 'foreign') && leftovers.length === 0) {
    removeMarker(filename);
    return 'marker-removed';
  }
  const present = SIDE_FILES.map((s) => `${basename(filename)}${s}`).filter((n) => exists(join(dir, n)));
  const described = leftovers.map((n) =>
    n.startsWith(`${ownPrefix}old-`)
      ? `folder of replaced files ${join(dir, n)} (${listFolder(join(dir, n)).sort().join(', ') || 'empty'})`
      : `copy of the backup ${join(dir, n)}`,
  );
  const fix =
    problem.kind === 'unreadable'
      ? 'Fix: make the marker readable (its permissions, or run as its owner) and run "dual-sqlite restore --recover" again.'
      : problem.kind === 'newer'
        ? 'Fix: run "dual-sqlite restore --recover" of that newer version.'
        : `Fix by hand, keeping ONE database: the old one is the "${basename(filename)}" in the folder of replaced files when there is one, else the one at the database's place; ` +
          `the restored one is at the database's place when the folder holds the old one, else the copy of the backup (check a candidate with "dual-sqlite doctor <file>"). ` +
          'To keep the old: delete the files at the database\'s place that came from the restore, move every file of the folder back beside it, then delete the folder and the copy. ' +
          'To keep the restored: delete the folder and the copy. Then delete the marker; until then every open is refused (RESTORE_PENDING).';
  if (described.length === 0) described.push('nothing');
  throw new RestoreMarkerUnreadableError(filename, marker, problem.detail, fix, present, described);
}

/** Finishes or rolls back from the phase the marker records (see the module comment). */
async function resume(filename: string, marker: RestoreMarker, config: DsnConfig, options: Pick<DualSqliteOpenOptions, 'driver' | 'env'>): Promise<RecoveryOutcome> {
  switch (marker.phase) {
    case 'moving':
      putBack(filename, marker);
      return 'rolled-back';
    case 'rolling-back':
      discardNew(filename, marker);
      return 'rolled-back';
    case 'committed':
      commit(filename, marker);
      return 'completed';
    case 'swapped':
      try {
        await verifyDatabaseFile(filename, selectDriver(config, options).driver, config.busyTimeout);
      } catch {
        discardNew(filename, marker);
        return 'rolled-back';
      }
      commit(filename, marker);
      return 'completed';
  }
}

/** Refuses when a live process (this one included) has a claim on the database. */
function assertNotInUse(filename: string): void {
  const holders: { pid: number; tid: number; driver: string; program?: string }[] = readClaims(claimsDirOf(filename))
    .filter((c) => liveness(c.body.owner) !== 'dead')
    .map((c) => ({ pid: c.body.owner.pid, tid: c.body.owner.tid, driver: c.body.driver }));
  // Programs outside the library leave no claim; the kernel's table of open files shows them.
  for (const h of processesWithOpen(SIDE_FILES.filter((s) => s !== '.lock').map((s) => `${filename}${s}`))) {
    if (!holders.some((c) => c.pid === h.pid)) holders.push({ pid: h.pid, tid: 0, driver: 'none', program: h.program });
  }
  if (holders.length === 0) return;
  throw new RestoreInUseError(filename, holders);
}

/** Moves the database and every side file that exists into `aside`; returns the names moved. */
function moveAside(filename: string, aside: string): string[] {
  step('creating the folder for the replaced files', aside, () => mkdirSync(aside));
  const moved: string[] = [];
  for (const suffix of SIDE_FILES) {
    const path = `${filename}${suffix}`;
    if (!exists(path)) continue;
    step('moving the old file aside', path, () => renameSync(path, join(aside, basename(path))));
    moved.push(basename(path));
    failpoint('restore:moved-one');
  }
  fsyncDir(dirname(filename));
  return moved;
}

/**
 * Phase `moving`: every old file goes back to its name (over the copy, if it was renamed already),
 * the database file last, so that a crash part way leaves it aside and the next recovery sees the
 * same phase with less to do. When there was no database before, the copy is removed instead.
 */
function putBack(filename: string, marker: RestoreMarker): void {
  if (!marker.existed) step('removing the copy', filename, () => rmSync(filename, { force: true }));
  const dbName = basename(filename);
  const names = exists(marker.aside) ? step('listing the replaced files', marker.aside, () => readdirSync(marker.aside)) : [];
  names.sort((a, b) => Number(a === dbName) - Number(b === dbName));
  for (const name of names) {
    step('putting the old file back', join(dirname(filename), name), () => renameSync(join(marker.aside, name), join(dirname(filename), name)));
    failpoint('restore:put-back-one');
  }
  fsyncDir(dirname(filename));
  step('removing the folder for the replaced files', marker.aside, () => rmSync(marker.aside, { recursive: true, force: true }));
  step('removing the copy', marker.temp, () => rmSync(marker.temp, { force: true }));
  removeMarker(filename);
}

/**
 * The copy (and any side file its check made) leaves the database's names, then the old files
 * come back. Every file at those names is new while the phase is `rolling-back`: the old ones
 * are all aside until the phase is back to `moving`.
 */
function discardNew(filename: string, marker: RestoreMarker): void {
  marker = advanceMarker(filename, marker, 'rolling-back');
  failpoint('restore:rolling-back');
  for (const suffix of SIDE_FILES) {
    const path = `${filename}${suffix}`;
    step('removing a file of the restore', path, () => rmSync(path, { recursive: true, force: true }));
  }
  fsyncDir(dirname(filename));
  failpoint('restore:new-removed');
  putBack(filename, advanceMarker(filename, marker, 'moving'));
}

/** The restored database stays: the old files are deleted, or kept where `marker.keep` says. */
function commit(filename: string, marker: RestoreMarker): void {
  advanceMarker(filename, marker, 'committed');
  failpoint('restore:committed');
  if (marker.keep !== null && listFolder(marker.aside).length > 0) {
    step('keeping the replaced files', marker.keep, () => renameSync(marker.aside, marker.keep!));
  } else {
    step('removing the replaced files', marker.aside, () => rmSync(marker.aside, { recursive: true, force: true }));
  }
  failpoint('restore:aside-removed');
  removeMarker(filename);
}

/**
 * Whether `signal` was aborted, after one turn of the event loop. The steps before each safe point
 * (verify, copy, integrity_check) are synchronous on every driver, so a SIGINT or SIGTERM that
 * arrives during them is only queued by libuv: without a turn, the process's signal handlers (the
 * CLI's abort) ran after the whole restore had committed, and the signal was dropped.
 */
async function abortRequested(signal: AbortSignal | undefined): Promise<boolean> {
  if (signal === undefined) return false;
  if (!signal.aborted) await new Promise<void>((done) => setImmediate(done));
  return signal.aborted;
}

/** Opens the restored file in place through the library (target DSN, guard, settings) and checks it. */
async function checkInPlace(config: DsnConfig, options: RestoreOptions): Promise<void> {
  const db = await openDatabase(config, { driver: options.driver, env: options.env });
  try {
    const rows = (await db.execute('pragma integrity_check')).rows.map((r) => String(Object.values(r)[0]));
    if (!(rows.length === 1 && rows[0] === 'ok')) throw new Error(`integrity_check: ${rows.slice(0, 5).join('; ')}`);
  } finally {
    await db.close();
  }
}

function describeLocation(config: DsnConfig): string {
  return config.location.kind === 'shared-memory' ? `the in-memory database "${config.location.name}"` : `a ${config.location.kind} database`;
}
