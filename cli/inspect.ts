/**
 * `dual-sqlite inspect <dsn>`: explains a DSN without opening the database: its canonical form,
 * every effective setting (defaults filled in), the driver that would be chosen and why, what
 * each driver does with each setting, and where the Go driver whose spelling the DSN uses would
 * read it differently.
 */
import { existsSync, statSync } from 'node:fs';
import { checkBeforeOpen, selectDriver } from '../drivers/index.js';
import type { DriverSelection } from '../drivers/types.js';
import { DSN_OPTIONS, formatDsn, goNotes, isPostgresDsn, lexDsn, parseDsn, type DsnOption, type DsnTarget, type GoNote } from '../dsn/index.js';
import { DRIVER_NAMES, type DriverChoice, type DsnConfig } from '../dsn/types.js';
import { driverFlag, EXIT, parse, UsageError } from './args.js';
import { inspectPostgres, printPostgresReport } from './inspect-postgres.js';
import { driverNote, lockNote, type DriverNote } from './driver-notes.js';
import { println, type CliIo } from './io.js';

/** Help text of `dual-sqlite inspect`. */
export const HELP = `dual-sqlite inspect: explain a DSN without opening the database

Usage: dual-sqlite inspect <dsn> [--driver native|node|wasm|auto] [--json]
       dual-sqlite inspect 'postgres://user:password@host:5432/db?...' [--json]

Prints the canonical DSN, every effective setting with its default filled in, the driver that
would be chosen (and whether the code option --driver, the DSN's _driver, SQLITE_DRIVER or auto
decided), what each driver does with each setting, and where mattn/go-sqlite3, modernc.org/sqlite
or ncruces/go-sqlite3 (whichever spells the DSN this way) would read it differently. Quote the
DSN in the shell. For a postgres:// URL: the canonical form (user information as ***), the
server, and every key of the PostgreSQL allow-list with its value or what happens when it is not set.
Exit code 0 for a valid DSN, 1 when the chosen driver would refuse to open it (a "refused" line
says why and how to fix it, e.g. _journal_mode=wal on wasm without _locking_mode=exclusive, or
mode=rw on a file that does not exist), 2 for an invalid one (the message says what to fix).`;

/** One effective setting as `inspect` reports it. */
export interface InspectedSetting {
  /** The canonical DSN spelling: `_key`, or `_pragma=name` for pragma-only settings. */
  readonly key: string;
  readonly value: string | null;
  readonly isDefault: boolean;
  readonly description: string;
  readonly drivers: DriverNote;
}

/** The machine-readable result of `inspect --json`. */
export interface InspectReport {
  readonly input: string;
  readonly canonical: string;
  readonly location: DsnConfig['location'] & { readonly exists?: boolean; readonly size?: number };
  readonly driver: DriverSelection | { readonly error: string; readonly code: string };
  /**
   * Set when the chosen driver would refuse to open this DSN here: the error `openDatabase`
   * would throw before touching the file (its `code` and message). Absent when it would open.
   */
  readonly refusal?: { readonly code: string; readonly message: string };
  readonly lockProtocol: DriverNote;
  readonly settings: readonly InspectedSetting[];
  /** Where the Go driver(s) whose spelling the DSN uses would read it differently (docs/dsn.md). */
  readonly goDrivers: readonly GoNote[];
}

/** `--json` is an option: main() prints this command's errors as JSON with it. */
export const JSON_FLAG = true;

/** Runs `inspect`; returns the exit code. */
export async function run(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('inspect', args, { driver: { type: 'string' }, json: { type: 'boolean' } }, 1);
  const input = positionals[0];
  if (input === undefined) throw new UsageError('inspect: missing <dsn>, e.g. dual-sqlite inspect "app.db?_txlock=immediate"');
  if (isPostgresDsn(input)) {
    // --driver names a SQLite binding: meaningless here, and refused rather than ignored.
    if (values.driver !== undefined) throw new UsageError(`inspect: --driver picks a SQLite binding, and this DSN names a PostgreSQL server; drop --driver.`);
    const report = inspectPostgres(input);
    if (values.json) println(io.stdout, JSON.stringify(report, null, 2));
    else printPostgresReport(report, io);
    return EXIT.OK;
  }
  const report = inspect(input, driverFlag('inspect', values.driver), io);
  if (values.json) println(io.stdout, JSON.stringify(report, null, 2));
  else printReport(report, io);
  return report.refusal === undefined ? EXIT.OK : EXIT.PROBLEM;
}

/** Builds the report for `input` (throws `DsnError` for an invalid DSN). */
export function inspect(input: string, driver: DriverChoice | undefined, io: CliIo): InspectReport {
  const config = parseDsn(input, { cwd: io.cwd });
  const defaults = parseDsn(bareLocation(config), { cwd: io.cwd });
  const settings = DSN_OPTIONS.filter((o): o is DsnOption & { target: DsnTarget } => o.target !== undefined).map((o) => {
    const value = read(config, o.target);
    return {
      key: o.key ?? `_pragma=${o.pragma}`,
      value: value === undefined ? null : o.type.format(value),
      isDefault: JSON.stringify(value) === JSON.stringify(read(defaults, o.target)),
      description: o.description,
      drivers: driverNote(o.target),
    };
  });
  const chosen = chooseDriver(config, driver, io.env);
  const refusal = 'error' in chosen ? undefined : refusalOf(config, chosen);
  return {
    input,
    canonical: formatDsn(config),
    location: withFileState(config.location),
    driver: chosen,
    ...(refusal ? { refusal } : {}),
    lockProtocol: lockNote(config),
    settings,
    goDrivers: goNotes(lexDsn(input), config),
  };
}

/** The same location with no query: parsing it gives the defaults for that kind of database. */
function bareLocation(config: DsnConfig): string {
  switch (config.location.kind) {
    case 'file':
      return formatDsn({ ...config, location: config.location }).split('?')[0]!;
    case 'memory':
      return ':memory:';
    case 'shared-memory':
      return `file:${encodeURIComponent(config.location.name)}?mode=memory`;
    case 'temp':
      return '';
  }
}

function read(config: DsnConfig, target: DsnTarget): unknown {
  if (target.startsWith('pragmas.')) return (config.pragmas as unknown as Record<string, unknown>)[target.slice(8)];
  return (config as unknown as Record<string, unknown>)[target];
}

function withFileState(location: DsnConfig['location']): InspectReport['location'] {
  if (location.kind !== 'file') return location;
  if (!existsSync(location.path)) return { ...location, exists: false };
  return { ...location, exists: true, size: statSync(location.path).size };
}

function chooseDriver(config: DsnConfig, driver: DriverChoice | undefined, env: NodeJS.ProcessEnv): InspectReport['driver'] {
  try {
    return selectDriver(config, { ...(driver ? { driver } : {}), env });
  } catch (err) {
    // A driver that cannot load is part of the answer, not a reason to hide the rest of it.
    const e = err as { code?: string; message?: string };
    return { error: e.message ?? String(err), code: e.code ?? 'UNKNOWN' };
  }
}

/** The error the chosen driver's pre-open checks raise for this DSN here, if any (no file is made). */
function refusalOf(config: DsnConfig, selection: DriverSelection): InspectReport['refusal'] {
  try {
    checkBeforeOpen(config, selection);
    return undefined;
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return { code: e.code ?? 'UNKNOWN', message: e.message ?? String(err) };
  }
}

function printReport(r: InspectReport, io: CliIo): void {
  const out = (s = ''): void => println(io.stdout, s);
  out(`input       ${r.input}`);
  out(`canonical   ${r.canonical}`);
  const loc = r.location;
  if (loc.kind === 'file') {
    out(`location    file ${loc.path} (${loc.exists ? `exists, ${loc.size} bytes` : 'does not exist yet'})`);
  } else if (loc.kind === 'shared-memory') {
    out(`location    in-memory database "${loc.name}", shared by every user in this process`);
  } else {
    out(`location    ${loc.kind === 'memory' ? 'private in-memory database' : 'private temporary on-disk database, deleted on close'}`);
  }
  if ('error' in r.driver) out(`driver      cannot load: [${r.driver.code}] ${r.driver.error}`);
  else out(`driver      ${r.driver.driver} (decided by ${sourceWords(r.driver.source)}: ${r.driver.reason})`);
  if (r.refusal) out(`refused     [${r.refusal.code}] ${r.refusal.message}`);
  DRIVER_NAMES.forEach((d, i) => out(`${i === 0 ? 'locking' : ''}`.padEnd(12) + `${`${d}:`.padEnd(8)}${r.lockProtocol[d]}`));
  out();
  out('effective settings (* = set by this DSN, the others are library defaults):');
  const shown = r.settings.filter((s) => s.value !== null);
  const w = Math.max(...shown.map((s) => s.key.length));
  const v = Math.max(...shown.map((s) => (s.value ?? '').length));
  const indent = ' '.repeat(w + v + 8);
  for (const s of shown) {
    const head = `  ${s.isDefault ? ' ' : '*'} ${s.key.padEnd(w)}  ${(s.value ?? '').padEnd(v)}  `;
    if (DRIVER_NAMES.every((d) => s.drivers[d] === s.drivers.native)) out(`${head}${'all:'.padEnd(8)}${s.drivers.native}`);
    else DRIVER_NAMES.forEach((d, i) => out(`${i === 0 ? head : indent}${`${d}:`.padEnd(8)}${s.drivers[d]}`));
  }
  const unset = r.settings.filter((s) => s.value === null).map((s) => s.key);
  if (unset.length > 0) out(`not set (SQLite's or the driver's own value stays): ${unset.join(', ')}`);
  if (r.goDrivers.length > 0) {
    out();
    out('Go drivers (where the driver whose spelling this DSN uses would read it differently):');
    for (const note of r.goDrivers) out(`  - ${note.text.replace(/`/g, '')}`);
  }
}

function sourceWords(source: DriverSelection['source']): string {
  return { code: 'the --driver option', dsn: "the DSN's _driver", env: 'SQLITE_DRIVER', auto: 'auto' }[source];
}
