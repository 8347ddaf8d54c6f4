/**
 * File steps shared by backup and restore: durable writes (fsync of the file and its folder),
 * temporary names that say which process made them, and the sweep of those a killed process left.
 */
import { closeSync, constants, fsyncSync, lstatSync, openSync, readdirSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { BackupIoError } from './errors.js';

/** Runs one file-system step, wrapping a Node error in {@link BackupIoError} naming the step and path. */
export function step<T>(what: string, path: string, action: () => T): T {
  try {
    return action();
  } catch (error) {
    if ((error as NodeJS.ErrnoException)?.code === undefined) throw error;
    throw new BackupIoError(what, path, error);
  }
}

/** Flushes a file's data to the disk. */
export function fsyncFile(path: string): void {
  step('fsync', path, () => {
    const fd = openSync(path, constants.O_RDONLY);
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  });
}

/** Flushes a folder's entries (a rename or unlink is durable only after this). */
export function fsyncDir(dir: string): void {
  step('fsync of the folder', dir, () => {
    const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  });
}

/** The names in folder `dir`, or none when it cannot be listed (for sweeps that are housekeeping only). */
export function listFolder(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Best-effort removal of the library's own scratch files (a temporary copy, a marker's scratch
 * copy, a recovery mutex): never throws. A file that cannot be removed (EACCES, EPERM, a read-only
 * mount) is harmless where it is and is swept again later; failing the restore or recovery that
 * already succeeded over it, with a raw Node error, would not be.
 */
export function removeQuietly(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch {
    // see above: a leftover is swept later
  }
}

/** True when something (file, folder, dangling link) exists at `path`. */
export function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * A hidden name next to `target` for a temporary of `kind`, carrying this process's pid so a
 * later sweep can tell a dead process's leftovers from a live one's.
 */
export function tempNameFor(target: string, kind: 'backup' | 'restore' | 'restore-old'): string {
  return join(dirname(target), `.${basename(target)}.dual-sqlite-${kind}-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * Removes temporaries made by processes that are gone (a SIGKILLed backup leaves its half copy;
 * SQLite may have left `-journal` or `.lock` beside it). `backup` temporaries are swept from the
 * whole folder of `target` (nothing refers to them once their process is dead). `restore` ones only
 * for `target` itself, after its own interrupted restore was recovered (the marker of another
 * database's interrupted restore may still need its copy). A live process's temporaries are never
 * touched, nor a folder holding an old database aside (only recovery decides about that one).
 */
export function sweepDeadTemporaries(target: string, kind: 'backup' | 'restore'): void {
  sweep(target, kind === 'backup' ? '.' : `.${basename(target)}.dual-sqlite-restore-`, kind);
}

/**
 * Removes the temporaries of dead restores and backups of `target` itself (one folder listing),
 * when a file is opened or verified: besides a restore's copy, a backup into `target` killed
 * between linking its copy there and removing the temporary name leaves `target` with two hard
 * links, which dot-file locking refuses to open until that name is gone. Restore temporaries only
 * where no marker of `target` may still name them (`kinds`).
 */
export function sweepDeadTemporariesOf(target: string, kinds: 'backup' | 'backup and restore' = 'backup and restore'): void {
  sweep(target, `.${basename(target)}.dual-sqlite-`, kinds === 'backup' ? 'backup' : '(?:backup|restore)');
}

function sweep(target: string, prefix: string, kinds: string): void {
  const dir = dirname(target);
  const pattern = new RegExp(`^\\.[^]+\\.dual-sqlite-${kinds}-(\\d+)-[0-9a-f]{8}\\.tmp`);
  for (const name of listFolder(dir)) {
    if (!name.startsWith(prefix)) continue;
    const m = pattern.exec(name);
    if (!m || isAlive(Number(m[1]))) continue;
    removeQuietly(join(dir, name));
  }
}

/** True unless the pid is proven gone (a reused pid only keeps a leftover longer: safe). */
export function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
