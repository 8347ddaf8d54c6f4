/**
 * node-sqlite3-wasm's file system, as the library hands it over. The package's VFS makes every
 * file system call from JavaScript through the `fs` module it `require`s, and it answers each
 * failure with a bare SQLite code: the OS error (ENOSPC, EACCES, EROFS, ...) is caught and dropped,
 * so a full disk reads as "disk I/O error" and a directory it may not write as the same. It also
 * creates every file 0600, where SQLite's own unix VFS creates a database 0644 (less the umask)
 * and its journals with the database's own mode.
 *
 * The package is therefore loaded with its own `fs`: an object that inherits everything from
 * Node's `fs` and wraps the calls the VFS makes, to remember the first OS error of the current
 * statement (read by the connection when SQLite reports a failure) and to create files with the
 * modes SQLite's unix VFS uses. Nothing else in the process sees this object. A statfs after the
 * failure was the alternative; it was rejected because it cannot tell which call failed nor why
 * (a 1 MiB tmpfs showed 12 KiB free right after the failed commit had rolled back).
 */
import * as nodeFs from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { compileFunction } from 'node:vm';

/** SQLite's default mode for a new database file (SQLITE_DEFAULT_FILE_PERMISSIONS), less the umask. */
const DATABASE_MODE = 0o644;
const SIDE_SUFFIXES = ['-journal', '-wal', '-shm'];

/** The OS errors of one wasm module's file system calls. */
export class WasmFsErrors {
  #first: NodeJS.ErrnoException | undefined;

  /** Forgets earlier errors: called before each call into SQLite. */
  clear(): void {
    this.#first = undefined;
  }

  /** The first OS error since {@link clear} (the cause; later ones are consequences), if any. */
  get first(): NodeJS.ErrnoException | undefined {
    return this.#first;
  }

  record(error: unknown): void {
    this.#first ??= error as NodeJS.ErrnoException;
  }
}

type AnyFn = (...args: never[]) => unknown;

/**
 * An `fs` for node-sqlite3-wasm: Node's own, with the VFS's calls observed. Failures the VFS
 * expects as part of normal work are not recorded: `access` (does a journal exist), ENOENT from
 * `unlink`/`rmdir` (already gone) and EEXIST from `mkdir` (the `<db>.lock` is taken: SQLITE_BUSY).
 */
export function observedFs(errors: WasmFsErrors): typeof nodeFs {
  const fs = Object.create(nodeFs) as typeof nodeFs;
  const paths = new Map<number, string>();
  const wrap = <F extends AnyFn>(fn: F, path: (args: Parameters<F>) => string | undefined, expected?: string): F =>
    ((...args: Parameters<F>) => {
      try {
        return fn(...args);
      } catch (error) {
        const e = error as NodeJS.ErrnoException;
        if (e.code !== expected) {
          if (e.path === undefined) e.path = path(args);
          errors.record(e);
        }
        throw error;
      }
    }) as F;
  const byFd = (args: readonly unknown[]) => paths.get(args[0] as number);
  const byPath = (args: readonly unknown[]) => String(args[0]);
  fs.openSync = ((path: string, flags: number, mode?: number) => {
    let fd: number;
    try {
      fd = nodeFs.openSync(path, flags, flags & nodeFs.constants.O_CREAT ? creationMode(path) : mode);
    } catch (error) {
      errors.record(error);
      throw error;
    }
    paths.set(fd, path);
    if (flags & nodeFs.constants.O_CREAT) matchDatabaseOwner(fd, path);
    return fd;
  }) as typeof nodeFs.openSync;
  fs.closeSync = (fd: number) => {
    paths.delete(fd);
    wrap(nodeFs.closeSync, byFd)(fd);
  };
  fs.writeSync = wrap(nodeFs.writeSync as AnyFn, byFd) as typeof nodeFs.writeSync;
  fs.readSync = wrap(nodeFs.readSync as AnyFn, byFd) as typeof nodeFs.readSync;
  fs.fsyncSync = wrap(nodeFs.fsyncSync, byFd);
  fs.ftruncateSync = wrap(nodeFs.ftruncateSync, byFd);
  fs.fstatSync = wrap(nodeFs.fstatSync as AnyFn, byFd) as typeof nodeFs.fstatSync;
  fs.mkdirSync = wrap(nodeFs.mkdirSync as AnyFn, byPath, 'EEXIST') as typeof nodeFs.mkdirSync;
  fs.rmdirSync = wrap(nodeFs.rmdirSync, byPath, 'ENOENT');
  fs.unlinkSync = wrap(nodeFs.unlinkSync, byPath, 'ENOENT');
  return fs;
}

/** The database file a journal/WAL path belongs to, or undefined for a database path. */
function databaseOf(path: string): string | undefined {
  const suffix = SIDE_SUFFIXES.find((s) => path.endsWith(s));
  return suffix === undefined ? undefined : path.slice(0, -suffix.length);
}

/** SQLite's unix VFS: a journal takes its database's mode, a new database 0644 (less the umask). */
function creationMode(path: string): number {
  const db = databaseOf(path);
  if (db !== undefined) {
    try {
      return nodeFs.statSync(db).mode & 0o777;
    } catch {
      /* no database beside it: fall through */
    }
  }
  return DATABASE_MODE;
}

/**
 * A journal just created gets exactly its database's mode (the umask does not apply, as in SQLite,
 * so every user who may write the database may roll the journal back) and, when running as root,
 * its database's owner.
 */
function matchDatabaseOwner(fd: number, path: string): void {
  const db = databaseOf(path);
  if (db === undefined) return;
  try {
    const want = nodeFs.statSync(db);
    const have = nodeFs.fstatSync(fd);
    if (have.size !== 0) return;
    if ((have.mode & 0o777) !== (want.mode & 0o777)) nodeFs.fchmodSync(fd, want.mode & 0o777);
    if (process.getuid?.() === 0 && (have.uid !== want.uid || have.gid !== want.gid)) nodeFs.fchownSync(fd, want.uid, want.gid);
  } catch {
    /* best effort, as in SQLite: the journal works either way */
  }
}

/**
 * Loads node-sqlite3-wasm's CommonJS entry with `fs` as its file system module. Throws when the
 * package cannot be found or does not ask for `fs` (then the OS errors could not be observed).
 */
export function loadWithFs(requireFrom: NodeJS.Require, fs: typeof nodeFs): unknown {
  const filename = requireFrom.resolve('node-sqlite3-wasm');
  const source = nodeFs.readFileSync(filename, 'utf8');
  const ownRequire = createRequire(filename);
  let gaveFs = false;
  const requireWithFs = Object.assign((id: string) => {
    if (id === 'fs' || id === 'node:fs') {
      gaveFs = true;
      return fs;
    }
    return ownRequire(id);
  }, ownRequire);
  const module = { exports: {} as unknown };
  const body = compileFunction(source, ['exports', 'require', 'module', '__filename', '__dirname'], { filename });
  body.call(module.exports, module.exports, requireWithFs, module, filename, dirname(filename));
  if (!gaveFs) throw new Error(`node-sqlite3-wasm (${filename}) did not require "fs" as version 0.8 does`);
  return module.exports;
}
