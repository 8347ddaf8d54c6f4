/**
 * Open names for the native and node drivers. better-sqlite3 gets a plain path unless an option can only travel in a
 * SQLite URI (`vfs`, `immutable`, `nolock`, `psow`, `modeof`); a URI is handed over only after
 * proving URI mode is on, because with it off better-sqlite3 silently creates a file named after
 * the whole URI.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import type { DsnConfig } from '../dsn/types.js';
import { OpenError } from './errors.js';
import { uriEnvWasSetByUs, type NativeModule } from './load.js';

/** What to pass to better-sqlite3's constructor for `config` (`filename` is the real path). */
export function nativeFilename(Database: NativeModule, config: DsnConfig, filename: string | null): string {
  if (config.location.kind === 'temp') return '';
  if (filename === null) return ':memory:';
  const params = uriParams(config);
  if (params.length === 0) return filename;
  requireUriMode(Database, filename);
  return `file:${encodePath(filename)}?${params.join('&')}`;
}

/**
 * What to pass to `node:sqlite`'s `DatabaseSync` for `config`. node:sqlite always opens with URI
 * filenames on, so a file database always goes as a `file:` URI: the path is percent-encoded
 * (a raw path with `?` or `#` would name another file) and `mode` rides along (`mode=rw` is how
 * "must exist" is said: DatabaseSync has no such option).
 */
export function nodeFilename(config: DsnConfig, filename: string | null): string {
  if (config.location.kind === 'temp') return '';
  if (filename === null) return ':memory:';
  return `file:${encodePath(filename)}?${[`mode=${config.mode}`, ...uriParams(config)].join('&')}`;
}

/** Open-time options only a URI can carry. `mode` goes through the open flags instead. */
function uriParams(config: DsnConfig): string[] {
  const p: string[] = [];
  if (config.vfs !== undefined) p.push(`vfs=${encodeURIComponent(config.vfs)}`);
  if (config.immutable) p.push('immutable=1');
  if (config.nolock) p.push('nolock=1');
  if (config.psow !== undefined) p.push(`psow=${config.psow ? 1 : 0}`);
  if (config.modeof !== undefined) p.push(`modeof=${encodePath(config.modeof)}`);
  return p;
}

/** Percent-encodes everything but unreserved characters and `/`: SQLite decodes `%HH` and stops at `?`/`#`. */
export function encodePath(path: string): string {
  return path.replace(/[^A-Za-z0-9/._~-]/g, (c) =>
    [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
}

let uriMode: boolean | undefined;

/**
 * Proves better-sqlite3 interprets `file:` URIs before handing it one: opens a fresh file through
 * `file:...?mode=ro` with fileMustExist. With URI mode off that names a file that does not exist
 * (nothing is created); with it on, the open succeeds and a write fails as read-only.
 */
function requireUriMode(Database: NativeModule, forPath: string): void {
  uriMode ??= probeUriMode(Database);
  if (uriMode) return;
  const why = !uriEnvWasSetByUs()
    ? `SQLITE_USE_URI is "${process.env.SQLITE_USE_URI}" in the environment`
    : isMainThread
      ? 'better-sqlite3\'s addon was already loaded in this process (by other code) before this library could set SQLITE_USE_URI=1'
      : 'this is a worker thread: its process.env is a private copy the addon never reads, so SQLITE_USE_URI=1 set here had no effect';
  throw new OpenError(
    'NATIVE_URI_MODE_OFF',
    forPath,
    `cannot open "${forPath}" with vfs/immutable/nolock/psow/modeof: better-sqlite3 is not in URI mode (${why}), ` +
      'and without it the URI would silently create a file named after it; start node with SQLITE_USE_URI=1 in the environment',
  );
}

function probeUriMode(Database: NativeModule): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'kds-uri-probe-'));
  try {
    const file = join(dir, 'probe.db');
    const seed = new Database(file);
    seed.prepare('create table t (x)').run();
    seed.close();
    let db;
    try {
      db = new Database(`file:${encodePath(file)}?mode=ro`, { fileMustExist: true, timeout: 0 });
    } catch {
      return false;
    }
    try {
      db.prepare('insert into t values (1)').run();
      return false;
    } catch (e) {
      return (e as { code?: string }).code?.startsWith('SQLITE_READONLY') === true;
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

