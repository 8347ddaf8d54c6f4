/**
 * Online backup through SQL: `VACUUM INTO` a temporary file next to the destination, inside the
 * library's asynchronous busy wait, then fsync, verify and rename into place.
 *
 * Why `VACUUM INTO` and not SQLite's backup API: it is one SQL statement every driver runs the
 * same way (node-sqlite3-wasm has no backup API; better-sqlite3's `.backup()` would be a
 * native-only path), it reads one consistent snapshot in one read transaction (the backup API
 * restarts from page 1 whenever another process commits, so under steady writers it may never
 * finish), and its output is compact (no free pages) and always in rollback-journal format, so it
 * opens on every driver. Its cost: it holds a read lock for the whole copy. In WAL mode that
 * blocks no writer; in rollback-journal mode and under dot-file locking writers wait for it (their
 * commit needs the lock the copy holds), which the result reports as `writersHeldMs` (see
 * docs/scaling.md for the limit this sets).
 */
import { filePathProblem } from '../../dsn/scheme.js';
import { accessSync, constants, closeSync, linkSync, openSync, readSync, realpathSync, renameSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { DriverName, LockProtocol } from '../../drivers/types.js';
import type { SharedDatabase } from '../shared-database.js';
import { BackupDestinationError, BackupIoError, BackupNotAFileError } from './errors.js';
import { exists, fsyncDir, fsyncFile, step, sweepDeadTemporaries, tempNameFor } from './files.js';
import { claimsDirOf, readClaims } from '../guard/claims.js';
import { liveness } from '../guard/identity.js';
import { verifyDatabaseFile } from './verify.js';
import { failpoint } from '../failpoint.js';

/** Options of a backup. */
export interface BackupOptions {
  /** Replace an existing `dest` (atomically, once the new copy is verified). Default false. */
  readonly force?: boolean;
  /**
   * Called at each phase. `VACUUM INTO` is one blocking statement that reports no progress, so
   * there is no event during the copy itself; `copying` carries the temporary file and the
   * expected size so a caller on another thread can watch the file grow (the CLI does).
   */
  readonly onProgress?: (event: BackupProgress) => void;
}

/** A phase of a backup. Sizes in bytes. */
export type BackupProgress =
  | { readonly phase: 'copying'; readonly tempFile: string; readonly expectedBytes: number }
  | { readonly phase: 'verifying'; readonly tempFile: string; readonly bytes: number }
  | { readonly phase: 'done'; readonly dest: string; readonly bytes: number };

/** What a verified backup holds and what it cost. Times in ms, sizes in bytes. */
export interface BackupResult {
  /** Real path of the source database. */
  readonly source: string;
  /** Absolute path of the verified copy. */
  readonly dest: string;
  readonly driver: DriverName;
  readonly lockProtocol: LockProtocol;
  /** The source's journal mode (`wal`, `delete`, ...). */
  readonly journalMode: string;
  readonly bytes: number;
  readonly pages: number;
  readonly pageSize: number;
  /** `PRAGMA integrity_check` on the copy said `ok` (a backup that does not is never put in place). */
  readonly integrity: 'ok';
  /** Waiting for the read lock (another process was committing). */
  readonly lockWaitMs: number;
  /** The copy itself (`VACUUM INTO`). */
  readonly copyMs: number;
  /**
   * How long writers in other processes were locked out: 0 in WAL mode (readers never block a
   * writer there), the whole copy in rollback-journal mode and with dot-file locking. A writer
   * whose busy timeout is shorter than this would have seen SQLITE_BUSY.
   */
  readonly writersHeldMs: number;
  /** fsync and checks of the copy. */
  readonly verifyMs: number;
  readonly totalMs: number;
}

/**
 * Backs up `database` into `dest`. The caller holds this process's connection (its FIFO lease)
 * and passes `release`, called as soon as the copy is taken, so other tasks of this process go on
 * while the copy is fsynced and verified. Throws {@link BackupDestinationError},
 * {@link BackupNotAFileError}, `BackupVerificationError`, `BackupIoError` or the `SqliteError` of
 * the copy; nothing is left at `dest` then.
 */
export async function backupShared(
  database: SharedDatabase,
  busyTimeoutMs: number,
  dest: string,
  options: BackupOptions,
  release: () => void,
): Promise<BackupResult> {
  const started = performance.now();
  let released = false;
  const releaseOnce = (): void => {
    if (!released) release();
    released = true;
  };
  try {
    const backend = database.backend;
    const source = backend.filename;
    if (source === null) throw new BackupNotAFileError(database.label, 'backup');
    const target = destinationOf(dest, source, options.force === true);
    sweepDeadTemporaries(target, 'backup');
    const pragma = async (name: string): Promise<string> =>
      String(Object.values((await database.run(`pragma ${name}`, [], busyTimeoutMs)).rows[0] ?? {})[0] ?? '');
    const journalMode = (await pragma('journal_mode')).toLowerCase();
    const pageSize = Number(await pragma('page_size'));
    const expectedBytes = (Number(await pragma('page_count')) - Number(await pragma('freelist_count'))) * pageSize;

    const temp = tempNameFor(target, 'backup');
    let copyMs: number;
    let lockWaitMs: number;
    try {
      options.onProgress?.({ phase: 'copying', tempFile: temp, expectedBytes });
      const copyStarted = performance.now();
      const { attemptMs } = await database.runMeasured('vacuum into ?', [temp], busyTimeoutMs);
      copyMs = attemptMs;
      lockWaitMs = Math.max(0, performance.now() - copyStarted - attemptMs);
      releaseOnce();
      fsyncFile(temp);
      failpoint('backup:copied');
      const verifyStarted = performance.now();
      options.onProgress?.({ phase: 'verifying', tempFile: temp, bytes: expectedBytes });
      const verified = await verifyDatabaseFile(temp, backend.selection.driver, busyTimeoutMs);
      // again: the copy took a while, and the destination may have been opened meanwhile
      assertDestinationIdle(target, dest, source);
      placeCopy(temp, target, options.force === true, source);
      const verifyMs = performance.now() - verifyStarted;
      options.onProgress?.({ phase: 'done', dest: target, bytes: verified.bytes });
      return Object.freeze({
        source,
        dest: target,
        driver: backend.selection.driver,
        lockProtocol: backend.lockProtocol,
        journalMode,
        bytes: verified.bytes,
        pages: verified.pages,
        pageSize: verified.pageSize,
        integrity: verified.integrity,
        lockWaitMs,
        copyMs,
        writersHeldMs: journalMode === 'wal' && backend.lockProtocol === 'posix' ? 0 : copyMs,
        verifyMs,
        totalMs: performance.now() - started,
      });
    } finally {
      removeTemporary(temp);
    }
  } finally {
    releaseOnce();
  }
}

/** True when `path` is a folder (following links). */
function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The absolute destination, refused when it exists (without `force`), is the source, a folder, or in a missing folder. */
function destinationOf(dest: string, source: string, force: boolean): string {
  const notAPath = filePathProblem(dest, 'the backup destination');
  if (notAPath) throw notAPath;
  const absolute = resolve(dest);
  if (!isDirectory(dirname(absolute))) throw new BackupDestinationError('BACKUP_DEST_FOLDER_NOT_FOUND', dest, source, dirname(absolute));
  const dir = step('resolving the destination folder', dirname(absolute), () => realpathSync(dirname(absolute)));
  const unwritable = whyNotWritable(dir);
  if (unwritable) throw new BackupDestinationError('BACKUP_DEST_FOLDER_NOT_WRITABLE', dest, source, `"${dir}" ${unwritable}`);
  const target = join(dir, basename(absolute));
  const real = exists(target) ? step('resolving the destination', target, () => realpathSync(target)) : target;
  if (isDirectory(real)) throw new BackupDestinationError('BACKUP_DEST_IS_DIRECTORY', dest, source, join(dest, basename(source)));
  if ([source, `${source}-journal`, `${source}-wal`, `${source}-shm`].includes(real)) {
    throw new BackupDestinationError('BACKUP_DEST_IS_SOURCE', dest, source);
  }
  if (!force && exists(target)) throw new BackupDestinationError('BACKUP_DEST_EXISTS', dest, source);
  assertDestinationIdle(target, dest, source);
  return target;
}

/**
 * Why the folder cannot take new files, or `undefined` when it can. The copy is written under a
 * temporary name in it first; checked up front, SQLite's SQLITE_CANTOPEN about that temporary
 * name ("in: vacuum into ?") was all a read-only folder got.
 */
function whyNotWritable(dir: string): string | undefined {
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EROFS') return 'is on a file system mounted read-only';
    if (code === 'EPERM') return 'refuses new files (operation not permitted: an immutable folder, chattr +i, or a security policy)';
    if (code === 'EACCES') return `is not writable by this user (uid ${process.getuid?.() ?? '?'})`;
    return `cannot be written (${code ?? String(error)})`;
  }
}

/**
 * Refuses a destination whose name a database is still using: a copy renamed over it would not
 * make the old database's journal go away. SQLite plays a hot `-journal` back into whatever file
 * has the database's name (measured: `--force` over a database whose writer was killed mid
 * transaction gave a "verified" backup holding the old database's rows), and a `-wal` is replayed
 * once the file is opened in WAL mode. A live process that has it open would write such a journal
 * next. Checked with and without `force`: a journal can outlive its database file.
 */
function assertDestinationIdle(target: string, dest: string, source: string): void {
  const holders = readClaims(claimsDirOf(target)).filter((c) => liveness(c.body.owner) !== 'dead');
  if (holders.length > 0) {
    const who = holders.map((c) => `pid ${c.body.owner.pid} (${c.body.driver} driver)`).join(', ');
    throw new BackupDestinationError('BACKUP_DEST_IN_USE', dest, source, `it is open in ${who}`);
  }
  if (hotJournal(`${target}-journal`)) {
    throw new BackupDestinationError('BACKUP_DEST_IN_USE', dest, source, `"${target}-journal" holds an unfinished transaction`);
  }
  if (sizeOf(`${target}-wal`) > 0) {
    throw new BackupDestinationError('BACKUP_DEST_IN_USE', dest, source, `"${target}-wal" holds transactions not yet written into the database`);
  }
}

/** SQLite's own test: a journal is hot when it is not empty and its first byte is not zero. */
function hotJournal(path: string): boolean {
  if (sizeOf(path) <= 0) return false;
  const first = Buffer.alloc(1);
  step('reading the destination\'s journal', path, () => {
    const fd = openSync(path, 'r');
    try {
      readSync(fd, first, 0, 1, 0);
    } finally {
      closeSync(fd);
    }
  });
  return first[0] !== 0;
}

/** Bytes in a file, -1 when there is none. */
function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return -1;
  }
}

/**
 * Puts the verified copy at `target`: with `force` an atomic rename over whatever is there;
 * without it a hard link, which fails if `target` appeared meanwhile (never overwrites), then
 * the temporary name is dropped. The folder is fsynced so the new name survives a power cut.
 */
function placeCopy(temp: string, target: string, force: boolean, source: string): void {
  if (force) {
    step('renaming the copy into place', target, () => renameSync(temp, target));
  } else {
    try {
      linkSync(temp, target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new BackupDestinationError('BACKUP_DEST_EXISTS', target, source);
      throw new BackupIoError('linking the copy into place', target, error);
    }
    // a kill here leaves the copy under both names: the temporary one is swept like any other
    failpoint('backup:linked');
    step('removing the temporary name', temp, () => unlinkSync(temp));
  }
  fsyncDir(dirname(target));
}

/** Removes a temporary copy and what SQLite may have made beside it. Never throws. */
function removeTemporary(temp: string): void {
  for (const path of [temp, `${temp}-journal`, `${temp}-wal`, `${temp}-shm`, `${temp}.lock`]) {
    try {
      rmSync(path, { recursive: true, force: true });
    } catch {
      // a leftover is swept by the next backup into this folder (its pid is then gone)
    }
  }
}
