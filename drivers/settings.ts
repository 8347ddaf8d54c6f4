/**
 * Applying and verifying connection settings. Order matters and is fixed:
 *
 * 1. `busy_timeout` first, so every later pragma that touches the file can wait for a lock;
 * 2. `encoding` before anything that could write page 1 (after that the encoding is fixed);
 * 3. `locking_mode` before `journal_mode` (wasm needs EXCLUSIVE before WAL: the WAL index then
 *    lives in heap memory instead of the shared memory it lacks);
 * 4. `page_size` and `auto_vacuum` before `journal_mode` (both are frozen once WAL is on);
 * 5. `journal_mode`;
 * 6. the always-applied four: `synchronous`, `foreign_keys`, `temp_store`, `cache_size`;
 * 7. the remaining optional pragmas in alphabetical order.
 *
 * After applying, every one is read back; a value SQLite did not take throws
 * {@link SettingNotAppliedError}. `case_sensitive_like` cannot be read, so it is verified by
 * behaviour (`'a' LIKE 'A'`); so is `encoding`, which the wasm build does not report: the bytes
 * of `CAST('a' AS BLOB)` are the text in the database's encoding.
 */
import type { DsnConfig, PragmaSettings } from '../dsn/types.js';
import { SettingNotAppliedError } from './errors.js';
import type { DriverName, Row } from './types.js';

/** Runs one statement and returns its rows (`[]` for non-readers). */
export type RunSql = (sql: string) => Row[];

type Pragma = keyof PragmaSettings;

const LEADING: readonly Pragma[] = ['encoding', 'locking_mode', 'page_size', 'auto_vacuum', 'journal_mode'];
const ALWAYS: readonly Pragma[] = ['synchronous', 'foreign_keys', 'temp_store', 'cache_size'];
/** The order in which pragmas are applied (after `busy_timeout`). */
export const PRAGMA_ORDER: readonly Pragma[] = [
  ...LEADING,
  ...ALWAYS,
  ...(
    [
      'analysis_limit', 'application_id', 'automatic_index', 'case_sensitive_like', 'cell_size_check', 'defer_foreign_keys',
      'ignore_check_constraints', 'journal_size_limit', 'mmap_size', 'query_only', 'recursive_triggers', 'secure_delete',
      'trusted_schema', 'user_version', 'wal_autocheckpoint',
    ] as const
  ),
];

const ENUMS: Partial<Record<Pragma, readonly string[]>> = {
  synchronous: ['off', 'normal', 'full', 'extra'],
  temp_store: ['default', 'file', 'memory'],
  auto_vacuum: ['none', 'full', 'incremental'],
};

/**
 * Applies `busy_timeout` and the config's pragmas in {@link PRAGMA_ORDER}, reads each back and
 * returns the read-back values in the config's vocabulary (enums as names, booleans as 0/1).
 */
export function applySettings(
  run: RunSql,
  config: DsnConfig,
  busyTimeout: number,
  driver: DriverName,
): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  run(`pragma busy_timeout = ${Math.trunc(busyTimeout)}`);
  out.busy_timeout = Number(scalar(run('pragma busy_timeout')));
  if (out.busy_timeout !== Math.trunc(busyTimeout)) {
    throw new SettingNotAppliedError('busy_timeout', busyTimeout, out.busy_timeout, driver, 'use a non-negative integer');
  }
  const pragmas = config.pragmas;
  for (const name of PRAGMA_ORDER) {
    const wanted = pragmas[name];
    if (wanted === undefined) continue;
    if (name === 'case_sensitive_like') {
      run(`pragma case_sensitive_like = ${wanted ? 1 : 0}`);
      const sensitive = Number(scalar(run("select 'a' like 'A' as v"))) === 0;
      out[name] = sensitive ? 1 : 0;
      if (sensitive !== wanted) throw mismatch(name, wanted, sensitive, driver);
      continue;
    }
    if (name === 'encoding') {
      run(`pragma encoding = '${ENCODING_NAMES[wanted as string]}'`);
      const actual = ENCODING_BYTES[String(scalar(run("select hex(cast('a' as blob)) as v")))] ?? 'unknown';
      out[name] = actual;
      if (actual !== wanted && !(wanted === 'utf-16' && actual.startsWith('utf-16'))) throw mismatch(name, wanted, actual, driver);
      continue;
    }
    run(`pragma ${name} = ${sqlValue(wanted)}`);
    const actual = readBack(name, scalar(run(`pragma ${name}`)));
    out[name] = actual;
    if (actual !== normalizeWanted(name, wanted)) throw mismatch(name, wanted, actual, driver);
  }
  return out;
}

/** SQLite's names of the config's encodings (the values come from the registry, never from text). */
const ENCODING_NAMES: Readonly<Record<string, string>> = { 'utf-8': 'UTF-8', 'utf-16': 'UTF-16', 'utf-16le': 'UTF-16le', 'utf-16be': 'UTF-16be' };
/** `hex(cast('a' as blob))` in each encoding. */
const ENCODING_BYTES: Readonly<Record<string, string>> = { '61': 'utf-8', '6100': 'utf-16le', '0061': 'utf-16be' };

function sqlValue(v: unknown): string {
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'number') return String(Math.trunc(v));
  return String(v);
}

function normalizeWanted(name: Pragma, v: unknown): string | number {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (name === 'secure_delete' && v === 'fast') return 'fast';
  return typeof v === 'string' ? v.toLowerCase() : (v as number);
}

function readBack(name: Pragma, raw: unknown): string | number {
  if (raw === undefined) return 'unavailable';
  const enums = ENUMS[name];
  if (enums) return enums[Number(raw)] ?? String(raw);
  if (name === 'secure_delete') return Number(raw) === 2 ? 'fast' : Number(raw);
  if (typeof raw === 'string') return raw.toLowerCase();
  return Number(raw);
}

function scalar(rows: Row[]): unknown {
  const row = rows[0];
  if (row === undefined) return undefined;
  for (const k in row) return row[k];
  return undefined;
}

function mismatch(name: Pragma, wanted: unknown, actual: unknown, driver: DriverName): SettingNotAppliedError {
  return new SettingNotAppliedError(`PRAGMA ${name}`, wanted, actual, driver, fixFor(name, driver));
}

function fixFor(name: Pragma, driver: DriverName): string {
  switch (name) {
    case 'journal_mode':
      return driver === 'wasm'
        ? 'wasm has no shared memory: WAL needs _locking_mode=exclusive (one process only); memory databases only take memory/off'
        : 'memory and temp databases only take memory/off, WAL needs a file with a VFS that has shared memory (not unix-dotfile), a read-only file keeps its mode';
    case 'page_size':
    case 'auto_vacuum':
      return 'these are fixed once the file has content: change them on an empty database, or VACUUM it with the new value';
    case 'mmap_size':
      return driver === 'wasm' ? 'the wasm build has no memory-mapped I/O: drop _mmap_size' : 'SQLite caps it at its compile-time maximum';
    case 'locking_mode':
      return 'memory and temp databases are always exclusive';
    case 'encoding':
      return driver === 'wasm'
        ? 'the encoding only applies to a new, empty database (an existing file keeps its own), and the wasm build stores text as UTF-8 only'
        : 'the encoding only applies to a new, empty database: an existing file keeps its own; drop _pragma=encoding or create a new file';
    case 'application_id':
    case 'user_version':
      return 'it is written to the file header: the connection must be able to write the file';
    default:
      return 'check that the value is valid for this pragma and that the connection is not read-only';
  }
}
