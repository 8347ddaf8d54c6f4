/**
 * Real paths. Native SQLite resolves symlinks, node-sqlite3-wasm does not, so a symlinked path
 * would make them name different `-journal` and `.lock` files for the same database. Both drivers
 * are handed the fully resolved path instead.
 */
import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { OpenError } from './errors.js';

/**
 * The real path of `path`. For a file that does not exist yet, the directory is resolved and the
 * name kept (following a dangling symlink to where the file will be created). `depth` bounds
 * symlink loops.
 */
export function realDatabasePath(path: string, depth = 0): string {
  try {
    return realpathSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw openError(path, e);
  }
  const link = symlinkTarget(path);
  if (link !== undefined && depth < 32) return realDatabasePath(resolve(dirname(path), link), depth + 1);
  let dir: string;
  try {
    dir = realpathSync(dirname(path));
  } catch (e) {
    throw new OpenError(
      'DIRECTORY_NOT_FOUND',
      path,
      `cannot open database "${path}": its directory "${dirname(path)}" does not exist; create it first`,
      e,
    );
  }
  return join(dir, basename(path));
}

function symlinkTarget(path: string): string | undefined {
  try {
    return lstatSync(path).isSymbolicLink() ? readlinkSync(path) : undefined;
  } catch {
    return undefined;
  }
}

function openError(path: string, e: unknown): OpenError {
  return new OpenError('PATH_UNRESOLVABLE', path, `cannot resolve database path "${path}": ${(e as Error).message}`, e);
}
