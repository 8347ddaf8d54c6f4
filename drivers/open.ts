/**
 * `openBackend`: from a {@link DsnConfig} to an open, verified {@link Backend} on either driver.
 */
import { closeSync, existsSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import type { DsnConfig } from '../dsn/types.js';
import { DualBackend } from './backend.js';
import type { DriverConnection } from './connection.js';
import { OpenError, SqliteError, UnsupportedOptionError } from './errors.js';
import { loadNative, loadWasm, uriEnvWasSetByUs, type NativeModule } from './load.js';
import { NativeConnection, toSqliteError } from './native-connection.js';
import { realDatabasePath } from './paths.js';
import { selectDriver } from './select.js';
import { applySettings } from './settings.js';
import type { Backend, DriverName, LockProtocol, OpenBackendOptions, Row } from './types.js';
import { WasmConnection } from './wasm-connection.js';

/**
 * Opens `config` on the driver {@link selectDriver} picks, applies and verifies its settings, and
 * returns the synchronous handle. Throws `DriverUnavailableError`, `OpenError`,
 * `UnsupportedOptionError`, `SettingNotAppliedError` or `SqliteError`.
 */
export function openBackend(config: DsnConfig, options: OpenBackendOptions = {}): Backend {
  const selection = selectDriver(config, options);
  const driver = selection.driver;
  if (driver === 'wasm') checkWasmOptions(config);
  const filename = config.location.kind === 'file' ? realDatabasePath(config.location.path) : null;
  if (filename !== null) checkExistence(config, filename, driver);
  const conn = driver === 'native' ? openNative(config, filename) : openWasm(config, filename);
  try {
    const settings = applySettings(
      (sql) => runOnce(conn, sql),
      config,
      options.sqliteBusyTimeout ?? config.busyTimeout,
      driver,
    );
    return new DualBackend(conn, { selection, config, filename, lockProtocol: lockProtocol(config, driver), settings });
  } catch (e) {
    conn.close();
    throw e;
  }
}

/** How a connection on `driver` with `config` locks the file (see {@link LockProtocol}). */
export function lockProtocol(config: DsnConfig, driver: DriverName): LockProtocol {
  if (config.location.kind !== 'file' || config.nolock || config.immutable) return 'none';
  if (driver === 'wasm' || config.vfs === 'unix-dotfile') return 'dotfile';
  if (config.vfs === 'unix-none') return 'none';
  return 'posix';
}

function runOnce(conn: DriverConnection, sql: string): Row[] {
  const stmt = conn.prepare(sql);
  try {
    if (stmt.reader) return stmt.all([]);
    stmt.run([]);
    return [];
  } finally {
    stmt.finalize();
  }
}

function checkWasmOptions(config: DsnConfig): void {
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
}

function checkExistence(config: DsnConfig, filename: string, driver: DriverName): void {
  if (config.mode !== 'rwc' && !existsSync(filename)) {
    throw new OpenError(
      'DATABASE_NOT_FOUND',
      filename,
      `database file "${filename}" does not exist and mode=${config.mode} does not create it; create it first or use mode=rwc`,
    );
  }
  if (driver === 'wasm' && isWalFile(filename) && config.pragmas.locking_mode !== 'exclusive') {
    throw new OpenError(
      'WASM_WAL_FILE',
      filename,
      `database file "${filename}" is in WAL mode, which the wasm driver cannot open (its VFS has no shared memory); ` +
        'convert it with the native driver (PRAGMA journal_mode=delete), or open it with _locking_mode=exclusive (one process only)',
    );
  }
}

/** True when the header's read/write format versions (bytes 18, 19) say WAL. */
function isWalFile(filename: string): boolean {
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

function openNative(config: DsnConfig, filename: string | null): DriverConnection {
  const Database = loadNative();
  const name = nativeFilename(Database, config, filename);
  const readonly = config.mode === 'ro';
  try {
    // the busy timeout is applied (and verified) as a pragma with the others; 0 here so opening
    // never blocks the thread for better-sqlite3's default 5 s
    return new NativeConnection(new Database(name, { readonly, fileMustExist: config.mode !== 'rwc', timeout: 0 }));
  } catch (e) {
    const err = toSqliteError(e, undefined);
    if (err instanceof SqliteError) throw new SqliteError(err.code, `cannot open "${filename ?? name}": ${err.message}`, 'native', undefined, e);
    throw err;
  }
}

function nativeFilename(Database: NativeModule, config: DsnConfig, filename: string | null): string {
  if (config.location.kind === 'temp') return '';
  if (filename === null) return ':memory:';
  const params = uriParams(config);
  if (params.length === 0) return filename;
  requireUriMode(Database, filename);
  return `file:${encodePath(filename)}?${params.join('&')}`;
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

function openWasm(config: DsnConfig, filename: string | null): DriverConnection {
  const mod = loadWasm();
  const name = config.location.kind === 'temp' ? '' : filename ?? ':memory:';
  try {
    return new WasmConnection(mod, new mod.Database(name, { readOnly: config.mode === 'ro', fileMustExist: config.mode !== 'rwc' }));
  } catch (e) {
    throw new SqliteError('SQLITE_CANTOPEN', `cannot open "${filename ?? name}": ${(e as Error).message}`, 'wasm', undefined, e);
  }
}
