/**
 * `openBackend`: from a {@link DsnConfig} to an open, verified {@link Backend} on any driver.
 */
import { closeSync, constants, openSync, statSync, type Stats } from 'node:fs';
import type { DsnConfig } from '../dsn/types.js';
import { DualBackend } from './backend.js';
import { detectCapabilities } from './capabilities.js';
import type { DriverConnection } from './connection.js';
import { OpenError, SqliteError } from './errors.js';
import { loadNative, loadNode, loadWasm, wasmFsErrors } from './load.js';
import { fromOsError } from './os-errors.js';
import { NativeConnection, toSqliteError } from './native-connection.js';
import { nativeFilename, nodeFilename } from './native-uri.js';
import { NodeConnection, toSqliteError as nodeSqliteError } from './node-connection.js';
import { realDatabasePath } from './paths.js';
import { selectDriver } from './select.js';
import { applySettings } from './settings.js';
import type { Backend, DriverName, DriverSelection, LockProtocol, OpenBackendOptions, Row } from './types.js';
import { checkDotfileWalFile, checkWasmFile, checkWasmOptions, isWalFile } from './wasm-checks.js';
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
  const filename = checkBeforeOpen(config, selection);
  const conn = OPENERS[driver](config, filename);
  try {
    const settings = applySettings(
      (sql) => runStep(conn, sql, filename, driver),
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

/**
 * Everything about the file that can be refused before anything is created beside it (the
 * guard's claims, SQLite's files): the real path, a missing file for `mode=rw`/`ro`, a path that
 * is not a regular file, a file with several hard links under dot-file locking, wasm's option and
 * WAL limits. Returns the real path (`null` for memory and temp databases). Throws `OpenError`
 * or `UnsupportedOptionError`.
 */
export function checkBeforeOpen(config: DsnConfig, selection: DriverSelection): string | null {
  const driver = selection.driver;
  if (driver === 'wasm') checkWasmOptions(config);
  if (config.location.kind !== 'file') return null;
  const filename = realDatabasePath(config.location.path);
  const st = statOrUndefined(filename);
  if (st === undefined) checkExistence(config, filename);
  else checkRegularFile(config, filename, st, driver);
  checkReadOnlyWal(config, filename);
  if (driver === 'wasm') checkWasmFile(config, filename);
  else checkDotfileWalFile(config, filename, driver);
  return filename;
}

function statOrUndefined(filename: string): Stats | undefined {
  try {
    return statSync(filename);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new OpenError('PATH_UNRESOLVABLE', filename, `cannot open database "${filename}": ${(e as Error).message}`, e);
  }
}

function checkRegularFile(config: DsnConfig, filename: string, st: Stats, driver: DriverName): void {
  if (!st.isFile()) {
    const what = st.isDirectory() ? 'a directory' : 'not a regular file (a device, socket or FIFO)';
    throw new OpenError('NOT_A_FILE', filename, `cannot open database "${filename}": the path is ${what}; give the path of a database file (a new one is created where nothing exists)`);
  }
  if (st.nlink > 1 && lockProtocol(config, driver) === 'dotfile') {
    throw new OpenError(
      'HARD_LINKED_FILE',
      filename,
      `refusing to open "${filename}" with dot-file locking (${driver === 'wasm' ? 'the wasm driver' : 'vfs=unix-dotfile'}): the file has ${st.nlink} hard links, ` +
        'and a dot-file lock (<path>.lock) only protects the one name it is made for, so a writer through another link would not see it and ' +
        'acknowledged commits could be lost. Open the file through one name only: remove the other links (find them with `find / -samefile <path>`), or give it its own copy',
    );
  }
}

/** How a connection on `driver` with `config` locks the file (see {@link LockProtocol}). */
export function lockProtocol(config: DsnConfig, driver: DriverName): LockProtocol {
  if (config.location.kind !== 'file' || config.nolock || config.immutable) return 'none';
  if (driver === 'wasm' || config.vfs === 'unix-dotfile') return 'dotfile';
  if (config.vfs === 'unix-none') return 'none';
  return 'posix';
}

/**
 * Runs one statement of the opening sequence. A failure names the file and the step instead of
 * citing the internal statement as if the user had written it; SQLite's code is kept (so a busy
 * open is still waited out), and errors that already name the file pass through.
 */
function runStep(conn: DriverConnection, sql: string, filename: string | null, driver: DriverName): Row[] {
  try {
    const stmt = conn.prepare(sql);
    try {
      if (stmt.reader) return stmt.all([]);
      stmt.run([]);
      return [];
    } finally {
      stmt.finalize();
    }
  } catch (e) {
    if (!(e instanceof SqliteError)) throw e;
    const where = filename === null ? 'the database' : `"${filename}"`;
    const message = e.message.replace(/ \(in: [^]*\)$/, '');
    throw new SqliteError(e.code, `cannot open ${where} on the ${driver} driver, at step "${describeStep(sql)}": ${message}`, driver, undefined, e);
  }
}

/** What one statement of the opening sequence is for, in the DSN's words. */
function describeStep(sql: string): string {
  const set = /^pragma (\w+) = (.+)$/i.exec(sql);
  if (set) return `apply setting ${set[1]}=${set[2]}`;
  const read = /^pragma (\w+)$/i.exec(sql);
  if (read) return `read back setting ${read[1]}`;
  return `verify settings (${sql})`;
}

function checkExistence(config: DsnConfig, filename: string): void {
  if (config.mode !== 'rwc') {
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
    return new NativeConnection(new Database(name, { readonly, fileMustExist: config.mode !== 'rwc', timeout: 0 }), filename);
  } catch (e) {
    const err = toSqliteError(e, undefined);
    if (err instanceof SqliteError) {
      throw new SqliteError(err.code, `cannot open "${filename ?? name}" on the native driver, at step "open the file": ${err.message}`, 'native', undefined, e);
    }
    throw err;
  }
}

function openWasm(config: DsnConfig, filename: string | null): DriverConnection {
  const mod = loadWasm();
  const name = config.location.kind === 'temp' ? '' : filename ?? ':memory:';
  const errors = wasmFsErrors(mod);
  errors.clear();
  try {
    const readOnly = config.mode === 'ro' || (filename !== null && cannotWrite(filename));
    return new WasmConnection(mod, new mod.Database(name, { readOnly, fileMustExist: config.mode !== 'rwc' }), filename);
  } catch (e) {
    const message = `cannot open "${filename ?? name}" on the wasm driver, at step "open the file": unable to open database file`;
    const os = fromOsError({ driver: 'wasm', filename, code: 'SQLITE_CANTOPEN', message, sql: undefined, osError: errors.first, driverError: e });
    throw os ?? new SqliteError('SQLITE_CANTOPEN', message, 'wasm', undefined, e);
  }
}

/**
 * True for an existing file this process may not write (mode 0444, another user's file, a
 * read-only mount). SQLite's unix VFS then opens it read-only by itself and writes fail with
 * SQLITE_READONLY; node-sqlite3-wasm would refuse to open it, so it is asked for read-only here.
 */
function cannotWrite(filename: string): boolean {
  // open(O_RDWR) rather than access(W_OK): access() checks the real uid, the kernel the effective
  // one. Without O_CREAT and O_TRUNC the open changes nothing.
  try {
    closeSync(openSync(filename, constants.O_RDWR));
    return false;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'EACCES' || code === 'EPERM' || code === 'EROFS';
  }
}

function openNode(config: DsnConfig, filename: string | null): DriverConnection {
  const { module, allReadsStaleColumns } = loadNode();
  const name = nodeFilename(config, filename);
  try {
    // timeout 0: the busy timeout is applied and verified as a pragma with the others
    const db = new module.DatabaseSync(name, { readOnly: config.mode === 'ro', timeout: 0 });
    return new NodeConnection(db, { allReadsStaleColumns, filename });
  } catch (e) {
    const err = nodeSqliteError(e, undefined);
    if (err instanceof SqliteError) throw new SqliteError(err.code, `cannot open "${filename ?? name}": ${err.message}`, 'node', undefined, e);
    throw err;
  }
}
