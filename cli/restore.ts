/**
 * `dual-sqlite restore <backup> <dsn>` and `dual-sqlite restore --recover <dsn>` (see
 * core/backup/restore.ts for the swap and its crash recovery).
 */
import { recoverRestore, restoreDatabase, RestoreInterruptedError, type RecoveryOutcome, type RestoreResult } from '../core/index.js';
import { driverFlag, EXIT, parse, UsageError } from './args.js';
import { println, type CliIo } from './io.js';
import { failJson } from './json-error.js';
import { signalExitCode, withSignalsTrapped } from './restore-signals.js';

/** Help text of `restore`. */
export const HELP = `dual-sqlite restore: replace a database with a verified backup

Usage: dual-sqlite restore <backup> <dsn> [--driver native|node|wasm|auto] [--keep-old] [--json]
       dual-sqlite restore --recover <dsn> [--json]

It checks the backup first (header, page count, integrity_check) and refuses while any live
process has the database open, naming its pid: processes of this library by their claims, any
other program (the sqlite3 shell, another library) from /proc/<pid>/fd on Linux. The database and its -journal, -wal, -shm and
.lock are moved aside, the backup takes their place, and the old files are deleted only after the
restored database opened with <dsn> and passed integrity_check (else they are put back).
While a restore runs, opens of the database are refused (RESTORE_PENDING). If the restoring
process died, --recover finishes it (the new database passed its check) or rolls it back.
Ctrl-C (SIGINT) or SIGTERM stops the restore at its next safe point, before anything is moved or
by rolling back after the swap, and says so; a second one stops it at once and prints the
--recover command that finishes it. Exit code 130 (SIGINT) or 143 (SIGTERM) then.

  --keep-old   keep the replaced files in a folder next to the database (its path is printed)
  --recover    finish or roll back an interrupted restore of <dsn>
  --json       print the result (or the error) as JSON on stdout
Exit codes: 0 restored (or recovered), 1 refused or failed (the old database is in place), 2 bad arguments,
130/143 stopped by SIGINT/SIGTERM (the message says what state it left).`;

/** `--json` is an option: main() prints this command's errors as JSON with it. */
export const JSON_FLAG = true;

/** Runs `restore`. */
export async function run(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(
    'restore',
    args,
    { driver: { type: 'string' }, 'keep-old': { type: 'boolean' }, recover: { type: 'boolean' }, json: { type: 'boolean' } },
    2,
  );
  const driver = driverFlag('restore', values.driver);
  const json = values.json === true;
  if (values.recover) {
    if (positionals.length !== 1) throw new UsageError('restore --recover takes one argument, the DSN of the database.');
    const dsn = positionals[0]!;
    const outcome = await withSignalsTrapped({ io, dsn, driver, json, recovering: true }, () => recoverRestore(dsn, { driver, env: io.env }));
    println(io.stdout, json ? JSON.stringify({ ok: true, outcome }, null, 2) : recoveryText(outcome));
    return EXIT.OK;
  }
  const [backup, dsn] = positionals;
  if (backup === undefined || dsn === undefined) {
    throw new UsageError('restore: give the backup file and the database DSN, e.g. dual-sqlite restore backups/app.db app.db (see "dual-sqlite restore --help").');
  }
  try {
    const result = await withSignalsTrapped({ io, dsn, driver, json, recovering: false }, (signal) =>
      restoreDatabase(backup, dsn, { driver, env: io.env, keepOld: values['keep-old'] === true, signal }),
    );
    println(io.stdout, json ? JSON.stringify({ ok: true, ...result }, null, 2) : describe(result));
    return EXIT.OK;
  } catch (error) {
    // stopped at a safe point by SIGINT/SIGTERM: say what it left, exit as the signal would
    const code = error instanceof RestoreInterruptedError ? signalExitCode(error.cause) : undefined;
    if (code === undefined) throw error;
    if (json) failJson(error, io);
    else println(io.stderr, `dual-sqlite: ${error instanceof Error ? error.message : String(error)}`);
    return code;
  }
}

function describe(r: RestoreResult): string {
  const head = `restore: ${r.database} restored from ${r.backup} (${r.pages} pages, ${(r.bytes / 1048576).toFixed(2)} MB, integrity_check ok in place) in ${Math.round(r.totalMs)} ms`;
  if (r.replaced.length === 0) return `${head}\n  no database existed at this path: the backup was put there and nothing was replaced or deleted`;
  return [
    head,
    `  replaced: ${r.replaced.join(', ')}`,
    r.keptOld ? `  the replaced files are kept in ${r.keptOld}` : '  the replaced files were deleted',
  ].join('\n');
}

function recoveryText(outcome: RecoveryOutcome): string {
  if (outcome === 'none') return 'restore --recover: no interrupted restore; nothing to do';
  if (outcome === 'marker-removed') {
    return 'restore --recover: the restore marker could not be read, but no copy of the backup and no folder of replaced files was left, so the files at the database\'s place are one whole database (the old one if the restore had rolled back, the restored one if it had committed); the marker was removed. "dual-sqlite doctor <dsn>" shows what it holds';
  }
  if (outcome === 'completed') return 'restore --recover: the interrupted restore is complete (the restored database passed integrity_check)';
  return 'restore --recover: the interrupted restore was rolled back; the database is as it was before it';
}
