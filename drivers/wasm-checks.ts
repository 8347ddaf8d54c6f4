/**
 * What the wasm driver cannot do, found before opening so the error names the cause and the fix
 * (node-sqlite3-wasm itself only says "unable to open database file" or ignores the option).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { DsnConfig } from '../dsn/types.js';
import type { DriverName } from './types.js';
import { OpenError, UnsupportedOptionError } from './errors.js';

/** Refuses options only a SQLite URI can carry (wasm has none) and VFSs other than dot-file locking. */
export function checkWasmOptions(config: DsnConfig): void {
  const fix = 'node-sqlite3-wasm takes no URI options; use the native driver (_driver=native) for this';
  if (config.vfs !== undefined && config.vfs !== 'unix-dotfile') {
    throw new UnsupportedOptionError(
      'vfs',
      config.vfs,
      'wasm',
      'its only VFS locks with dot-files like unix-dotfile (use vfs=unix-dotfile or drop vfs), or use the native driver',
    );
  }
  if (config.immutable) throw new UnsupportedOptionError('immutable', 1, 'wasm', fix);
  if (config.nolock) throw new UnsupportedOptionError('nolock', 1, 'wasm', fix);
  if (config.psow !== undefined) throw new UnsupportedOptionError('psow', config.psow ? 1 : 0, 'wasm', fix);
  if (config.modeof !== undefined) throw new UnsupportedOptionError('modeof', config.modeof, 'wasm', fix);
  // Refused before opening, not after reading the setting back: node-sqlite3-wasm creates the
  // file when it opens, and a refused open must leave nothing behind (mode=ro creates nothing,
  // and open decides it from the file's header).
  if (config.location.kind === 'file') {
    refuseWalWithoutSharedMemory(config, 'wasm', 'wasm has no shared memory: WAL needs _locking_mode=exclusive (one process only); or use the native or node driver');
  }
}

/**
 * Refuses asking for WAL (`_journal_mode=wal`, writable, not exclusive) where the VFS has no shared
 * memory, before the driver opens: SQLite would only report it after the file was created.
 */
function refuseWalWithoutSharedMemory(config: DsnConfig, driver: DriverName, fix: string): void {
  if (config.mode !== 'ro' && config.pragmas.journal_mode === 'wal' && config.pragmas.locking_mode !== 'exclusive') {
    throw new UnsupportedOptionError('_journal_mode', 'wal', driver, fix);
  }
}

/**
 * Refuses a file already in WAL mode unless `_locking_mode=exclusive` is set (then SQLite keeps
 * the WAL index in heap memory and needs no shared memory).
 */
export function checkWasmFile(config: DsnConfig, filename: string): void {
  if (isWalFile(filename) && config.pragmas.locking_mode !== 'exclusive') {
    throw new OpenError(
      'WASM_WAL_FILE',
      filename,
      `database file "${filename}" is in WAL mode, which the wasm driver cannot open (its VFS has no shared memory); ` +
        'convert it with the native driver (PRAGMA journal_mode=delete), or open it with _locking_mode=exclusive (one process only)',
    );
  }
}

/**
 * The same refusal for native and node with `vfs=unix-dotfile`: SQLite's dot-file VFS has no
 * shared memory either, so a WAL file fails with a bare SQLITE_CANTOPEN ("unable to open database
 * file") at the first setting applied, naming neither WAL nor the VFS.
 */
export function checkDotfileWalFile(config: DsnConfig, filename: string, driver: DriverName): void {
  if (config.vfs === 'unix-dotfile') {
    refuseWalWithoutSharedMemory(config, driver, 'vfs=unix-dotfile has no shared memory: WAL needs _locking_mode=exclusive (one process only); or drop vfs=unix-dotfile where no wasm process shares the file');
  }
  if (config.vfs === 'unix-dotfile' && config.pragmas.locking_mode !== 'exclusive' && isWalFile(filename)) {
    throw new OpenError(
      'DOTFILE_WAL_FILE',
      filename,
      `database file "${filename}" is in WAL mode, which the ${driver} driver cannot open with vfs=unix-dotfile (that VFS has no shared memory); ` +
        'convert it without vfs=unix-dotfile (PRAGMA journal_mode=delete) while no other process has it open, drop vfs=unix-dotfile if no wasm process shares the file, or open it with _locking_mode=exclusive (one process only)',
    );
  }
}

/** True when the header's read/write format versions (bytes 18, 19) say WAL. */
export function isWalFile(filename: string): boolean {
  let fd: number;
  try {
    fd = openSync(filename, 'r');
  } catch {
    return false;
  }
  try {
    const header = Buffer.alloc(20);
    return readSync(fd, header, 0, 20, 0) === 20 && header.toString('latin1', 0, 15) === 'SQLite format 3' && (header[18] === 2 || header[19] === 2);
  } catch {
    return false; // a directory or unreadable file: SQLite reports it when opening
  } finally {
    closeSync(fd);
  }
}

