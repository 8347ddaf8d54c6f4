/**
 * `openBackend`: from a {@link DsnConfig} to an open, verified {@link Backend} on any driver.
 */
import { existsSync } from 'node:fs';
import type { DsnConfig } from '../dsn/types.js';
import { DualBackend } from './backend.js';
import { detectCapabilities } from './capabilities.js';
import type { DriverConnection } from './connection.js';
import { OpenError, SqliteError } from './errors.js';
import { loadNative, loadNode, loadWasm } from './load.js';
import { NativeConnection, toSqliteError } from './native-connection.js';
import { nativeFilename, nodeFilename } from './native-uri.js';
import { NodeConnection, toSqliteError as nodeSqliteError } from './node-connection.js';
import { realDatabasePath } from './paths.js';
import { selectDriver } from './select.js';
import { applySettings } from './settings.js';
import type { Backend, DriverName, LockProtocol, OpenBackendOptions, Row } from './types.js';
import { checkWasmFile, checkWasmOptions, isWalFile } from './wasm-checks.js';
import { DsnError, formatDsn } from '../dsn/index.js';
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
  if (filename !== null) {
    checkExistence(config, filename);
    checkReadOnlyWal(config, filename);
    if (driver === 'wasm') checkWasmFile(config, filename);
  }
  const conn = OPENERS[driver](config, filename);
  try {
    const settings = applySettings(
      (sql) => runOnce(conn, sql),
      config,
      options.sqliteBusyTimeout ?? config.busyTimeout,
      driver,
    );
    const capabilities = detectCapabilities(conn);
    return new DualBackend(conn, { selection, config, filename, lockProtocol: lockProtocol(config, driver), settings, capabilities });
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

function checkExistence(config: DsnConfig, filename: string): void {
  if (config.mode !== 'rwc' && !existsSync(filename)) {
    throw new OpenError(
      'DATABASE_NOT_FOUND',
      filename,
      `database file "${filename}" does not exist and mode=${config.mode} does not create it; create it first or use mode=rwc`,
    );
  }
}

/**
 * `mode=ro&_journal_mode=wal` is how a reader opens a file that is already in WAL mode (the
 * setting is then verified like any other); on a file that is not, switching would need a write,
 * so it is refused here, where the file's header can be read (dsn/ does no I/O).
 */
function checkReadOnlyWal(config: DsnConfig, filename: string): void {
  if (config.mode !== 'ro' || config.pragmas.journal_mode !== 'wal' || isWalFile(filename)) return;
  let dsn: string;
  try {
    dsn = formatDsn(config);
  } catch {
    dsn = filename; // a hand-built config that does not render: the file still names the problem
  }
  throw new DsnError(
    'DSN_CONFLICT',
    `"_journal_mode=wal" needs to write "${filename}", which is not in WAL mode (its header says rollback journal), but "mode=ro" opens it read-only (DSN: ${JSON.stringify(dsn)}). ` +
      'Fix: switch the file to WAL once with a read-write connection (WAL is persistent), or drop _journal_mode=wal for this reader.',
    { option: 'mode', dsn },
  );
}

const OPENERS: Readonly<Record<DriverName, (config: DsnConfig, filename: string | null) => DriverConnection>> = {
  native: openNative,
  node: openNode,
  wasm: openWasm,
};

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

function openWasm(config: DsnConfig, filename: string | null): DriverConnection {
  const mod = loadWasm();
  const name = config.location.kind === 'temp' ? '' : filename ?? ':memory:';
  try {
    return new WasmConnection(mod, new mod.Database(name, { readOnly: config.mode === 'ro', fileMustExist: config.mode !== 'rwc' }));
  } catch (e) {
    throw new SqliteError('SQLITE_CANTOPEN', `cannot open "${filename ?? name}": ${(e as Error).message}`, 'wasm', undefined, e);
  }
}

function openNode(config: DsnConfig, filename: string | null): DriverConnection {
  const { module, allReadsStaleColumns } = loadNode();
  const name = nodeFilename(config, filename);
  try {
    // timeout 0: the busy timeout is applied and verified as a pragma with the others
    const db = new module.DatabaseSync(name, { readOnly: config.mode === 'ro', timeout: 0 });
    return new NodeConnection(db, { allReadsStaleColumns });
  } catch (e) {
    const err = nodeSqliteError(e, undefined);
    if (err instanceof SqliteError) throw new SqliteError(err.code, `cannot open "${filename ?? name}": ${err.message}`, 'node', undefined, e);
    throw err;
  }
}
