/**
 * `dual-sqlite doctor <dsn>`: tells a user with a problem database what is wrong with it.
 *
 * Order matters: everything that can be learned without opening the file (its header, journals,
 * locks, other processes' claims) is checked first, because opening a damaged file can make it
 * worse (a wrong-protocol open next to a live writer) or hide the cause behind a vague SQLite
 * message. Only then is the database opened the way the application would open it, and the
 * settings, integrity and foreign keys are checked.
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { createGuard, type LockGuard } from '../../core/guard/index.js';
import { pendingRestoreOf } from '../../core/backup/pending.js';
import { lockProtocol, openBackend, selectDriver } from '../../drivers/index.js';
import type { DriverChoice } from '../../dsn/types.js';
import type { Backend, DriverSelection } from '../../drivers/types.js';
import { formatDsn, parseDsn } from '../../dsn/index.js';
import type { DsnConfig } from '../../dsn/types.js';
import { describeSelection, driverFlag, EXIT, parse, UsageError } from '../args.js';
import { println, type CliIo } from '../io.js';
import { readHeader, type HeaderState } from './header.js';
import { checkForeignKeys, checkIntegrity, queryOf } from './integrity.js';
import { checkClaims, checkDotLock } from './locks.js';
import { check, healthy, type CheckResult } from './report.js';
import { checkSettings } from './settings.js';

/** Help text of `dual-sqlite doctor`. */
export const HELP = `dual-sqlite doctor: diagnose a SQLite database file

Usage: dual-sqlite doctor <dsn> [--driver native|node|wasm|auto] [--fix] [--json] [--progress]

Checks, in order: the driver, the file header (not a database, truncated, WAL mode the wasm
driver cannot open), journals, other processes' claims (mixed lock protocols), the wasm
<db>.lock (live or stale), then opens the database with the DSN's settings and verifies each
one, runs integrity_check and foreign_key_check.

  --driver    open with this driver (default: the DSN's _driver, then SQLITE_DRIVER, then auto)
  --fix       clear what is safe to clear: a <db>.lock whose owner is proven dead, claims of dead
              processes. Never a live lock, never a journal, never data.
  --json      one JSON object on stdout instead of the report
  --progress  check table by table with a progress line (automatic from 64 MiB)

Exit code 0 when healthy (no check failed), 1 when a check failed, 2 for a bad DSN or argument.`;

/** The machine-readable result of `doctor --json`. */
export interface DoctorReport {
  readonly dsn: string;
  readonly canonical: string;
  readonly file: string;
  readonly driver: DriverSelection | null;
  readonly healthy: boolean;
  readonly checks: readonly CheckResult[];
}

/** `--json` is an option: main() prints this command's errors as JSON with it. */
export const JSON_FLAG = true;

/** Runs `doctor`; returns the exit code. */
export async function run(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('doctor', args, {
    driver: { type: 'string' },
    fix: { type: 'boolean' },
    json: { type: 'boolean' },
    progress: { type: 'boolean' },
  }, 1);
  const dsn = positionals[0];
  if (dsn === undefined) throw new UsageError('doctor: missing <dsn>, e.g. dual-sqlite doctor ./data/app.db');
  const config = parseDsn(dsn, { cwd: io.cwd });
  if (config.location.kind !== 'file') {
    throw new UsageError(`doctor: "${dsn}" is a ${config.location.kind} database; doctor examines database files.`);
  }
  const report = await diagnose(dsn, config, {
    driver: driverFlag('doctor', values.driver),
    fix: values.fix === true,
    progress: values.progress === true,
    io,
  });
  if (values.json) println(io.stdout, JSON.stringify(report, null, 2));
  else print(report, io);
  return report.healthy ? EXIT.OK : EXIT.PROBLEM;
}

interface DiagnoseOptions {
  readonly driver: DriverChoice | undefined;
  readonly fix: boolean;
  readonly progress: boolean;
  readonly io: CliIo;
}

/** Runs every check that applies and returns the report. */
export async function diagnose(dsn: string, config: DsnConfig, options: DiagnoseOptions): Promise<DoctorReport> {
  const path = (config.location as { path: string }).path;
  const file = existsSync(path) ? realpathSync(path) : path;
  const checks: CheckResult[] = [];
  const finish = (selection: DriverSelection | null): DoctorReport => ({
    dsn, canonical: formatDsn(config), file, driver: selection, healthy: healthy(checks), checks,
  });

  let selection: DriverSelection;
  try {
    selection = selectDriver(config, { ...(options.driver ? { driver: options.driver } : {}), env: options.io.env });
    checks.push(check('driver', 'driver', 'ok', describeSelection(selection, options.driver), { data: { ...selection } }));
  } catch (err) {
    checks.push(failed('driver', 'driver', err, 'install the driver, or choose the other one with --driver'));
    return finish(null);
  }

  // Before anything reads the file: while a restore is pending it may be half swapped, and every
  // open through the library is refused; doctor opens its own way, so it must ask too.
  const pending = pendingRestoreOf(file);
  if (pending) {
    checks.push(failed('restore', 'restore pending', pending, pending.running
      ? 'wait for that restore to finish, then run doctor again'
      : `run "dual-sqlite restore --recover ${dsn}" to finish it or roll it back, then run doctor again`));
    checks.push(check('open', 'open', 'skipped', 'not opened: the database may be half swapped until the restore is finished or rolled back'));
    return finish(selection);
  }

  const header = readHeader(file);
  const headerResult = headerCheck(header, selection, file, config);
  checks.push(headerResult);
  if (headerResult.verdict === 'fail') {
    checks.push(check('open', 'open', 'skipped', 'not opened: the file header check failed, and opening would not fix it'));
    return finish(selection);
  }
  checks.push(...journalChecks(file));

  const protocol = lockProtocol(config, selection.driver);
  const claims = checkClaims(file, protocol, options.fix);
  checks.push(...claims);
  const lock = await checkDotLock(file, options.fix);
  checks.push(lock);
  if (claims.some((c) => c.verdict === 'fail')) {
    checks.push(check('open', 'open', 'skipped', 'not opened: opening with the other lock protocol next to a live process can corrupt the file'));
    return finish(selection);
  }
  if (lock.verdict === 'fail' && protocol === 'dotfile') {
    checks.push(check('open', 'open', 'skipped', `not opened: the ${selection.driver} connection would wait on that lock and fail with "database is locked"`));
    return finish(selection);
  }

  await openAndCheck(config, selection, file, options, checks);
  return finish(selection);
}

/**
 * Opens like the dialect does (guard first, so a live process with the other lock protocol is
 * refused before any statement runs), then checks settings, integrity and foreign keys.
 */
async function openAndCheck(config: DsnConfig, selection: DriverSelection, file: string, options: DiagnoseOptions, checks: CheckResult[]): Promise<void> {
  const sqliteBusyTimeout = config.busyTimeout;
  let guard: LockGuard;
  try {
    guard = createGuard({
      filename: file,
      driver: selection.driver,
      lockProtocol: lockProtocol(config, selection.driver),
      readOnly: config.mode === 'ro',
      exclusiveLocking: config.pragmas.locking_mode === 'exclusive',
    });
  } catch (err) {
    checks.push(failed('open', 'open', err, 'see the mixed lock protocols check'));
    return;
  }
  // The guard marks our claim busy while statements run, like the dialect does.
  const guarded = <T>(fn: () => T): T => {
    guard.enter();
    try {
      return fn();
    } finally {
      guard.exit();
    }
  };
  let backend: Backend;
  try {
    backend = guarded(() => openBackend(config, { driver: selection.driver, env: options.io.env, sqliteBusyTimeout }));
  } catch (err) {
    guard.release();
    checks.push(failed('open', 'open', err, 'the message names the setting or cause; see docs/troubleshooting.md'));
    return;
  }
  try {
    checks.push(check('open', 'open', 'ok', `opened with the ${selection.driver} driver, every setting applied`));
    checks.push(...guarded(() => checkSettings(backend, config, sqliteBusyTimeout)));
    const query = queryOf(backend);
    checks.push(await checkIntegrity((sql) => guarded(() => query(sql)), { fileSize: statSync(file).size, progress: options.progress, stderr: options.io.stderr }));
    checks.push(guarded(() => checkForeignKeys((sql) => backend.execute(sql, []).rows)));
  } catch (err) {
    checks.push(failed('checks', 'checks on the open database', err, 'see docs/troubleshooting.md'));
  } finally {
    backend.close();
    guard.release();
  }
}

function failed(id: string, title: string, err: unknown, fix: string): CheckResult {
  const e = err as { name?: string; code?: string; message?: string };
  return check(id, title, 'fail', `${e.name ?? 'Error'}${e.code ? ` [${e.code}]` : ''}: ${e.message ?? String(err)}`, {
    fix, data: { code: e.code ?? null },
  });
}

const RECOVER = "restore it from a backup, or salvage what is left with the sqlite3 shell: sqlite3 '<file>' .recover | sqlite3 repaired.db";

function headerCheck(h: HeaderState, selection: DriverSelection, file: string, config: DsnConfig): CheckResult {
  const title = 'file header';
  const recover = RECOVER.replace('<file>', file);
  switch (h.kind) {
    case 'missing':
      return check('header', title, 'fail', `${file} does not exist`, { fix: 'check the path (doctor never creates a database); relative paths are resolved against the current directory' });
    case 'not-a-file':
      return check('header', title, 'fail', `${file} cannot be read as a file: ${h.detail}`);
    case 'empty':
      return check('header', title, 'warn', 'the file is empty (0 bytes): SQLite treats it as a new, empty database', { fix: 'if it should hold data, restore it from a backup' });
    case 'truncated-header':
      return check('header', title, 'fail', `truncated: the file is ${h.size} bytes, shorter than the 100-byte SQLite header ("file is not a database")`, { fix: recover });
    case 'not-a-database':
      return check('header', title, 'fail', `not a database: the file does not start with "SQLite format 3"; it looks like ${h.looksLike} ("file is not a database")`,
        { fix: `check the path points at the database file, not a journal, backup archive or text file; otherwise ${recover}`, data: { size: h.size, looksLike: h.looksLike } });
    case 'bad-header':
      return check('header', title, 'fail', `garbage header: the file starts with "SQLite format 3" but ${h.problem}`, { fix: recover, data: { size: h.size } });
    case 'truncated':
      return check('header', title, 'fail', `truncated: ${h.problem}`, { fix: `the end of the file is missing (an interrupted copy or a full disk); ${recover}`, data: { ...h.fields, size: h.size } });
    case 'ok': {
      const f = h.fields;
      const data = { ...f, size: h.size };
      const desc = `SQLite ${version(f.sqliteVersion)} file, ${f.pageSize}-byte pages, ${f.headerPages ?? '?'} pages, ${f.freelistPages} free`;
      // With _locking_mode=exclusive the wasm driver keeps the WAL index in its own memory.
      if (f.writeVersion === 2 && selection.driver === 'wasm' && config.pragmas.locking_mode !== 'exclusive') {
        return check('header', title, 'fail', `${desc}, in WAL mode: the wasm driver cannot open a WAL database (it has no shared memory; it fails with "unable to open database file")`,
          { fix: `convert it once with the native driver: open it with _driver=native&_journal_mode=delete (or run sqlite3 '${file}' 'PRAGMA journal_mode=delete'), then use wasm; or use --driver native; or, for one process only, add _locking_mode=exclusive`, data });
      }
      return check('header', title, 'ok', `${desc}${f.writeVersion === 2 ? ', WAL mode' : ', rollback journal'}`, { data });
    }
  }
}

function version(n: number): string {
  return n ? `${Math.floor(n / 1_000_000)}.${Math.floor(n / 1000) % 1000}.${n % 1000}` : '(unknown version)';
}

function journalChecks(file: string): CheckResult[] {
  const out: CheckResult[] = [];
  const size = (p: string): number | null => (existsSync(p) ? statSync(p).size : null);
  const journal = size(`${file}-journal`);
  if (journal !== null && journal > 0) {
    out.push(check('journal', 'rollback journal', 'warn',
      `${file}-journal (${journal} bytes) exists: a transaction was interrupted or is running; SQLite rolls it back on the next open`,
      { fix: 'never delete it: it holds the pages needed to undo a half-written transaction' }));
  }
  const wal = size(`${file}-wal`);
  if (wal !== null) {
    out.push(check('wal', 'WAL file', 'ok', `${file}-wal (${wal} bytes) exists: committed transactions not yet checkpointed into the database; never delete it`));
  }
  return out;
}

const MARK: Record<CheckResult['verdict'], string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL', fixed: 'FIXD', skipped: 'skip' };

function print(r: DoctorReport, io: CliIo): void {
  const out = (s = ''): void => println(io.stdout, s);
  out(`doctor ${r.file}`);
  for (const c of r.checks) {
    out(`  [${MARK[c.verdict]}] ${c.title}: ${c.detail}`);
    if (c.fix && (c.verdict === 'fail' || c.verdict === 'warn')) out(`         fix: ${c.fix}`);
  }
  out();
  out(r.healthy ? 'verdict: healthy' : `verdict: NOT healthy (${r.checks.filter((c) => c.verdict === 'fail').length} check(s) failed)`);
}
