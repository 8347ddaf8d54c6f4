/**
 * `dual-sqlite backup <dsn> <dest>`: a consistent, verified copy of a live database (see
 * core/backup/backup.ts for how and docs/scaling.md for the limits).
 */
import { backupDatabase, type BackupResult } from '../core/index.js';
import { driverFlag, EXIT, parse, UsageError } from './args.js';
import { watchCopy, PROGRESS_FROM_BYTES, type CopyWatcher } from './backup-progress.js';
import { println, type CliIo } from './io.js';

/** Help text of `backup`. */
export const HELP = `dual-sqlite backup: copy a live database to a verified backup file

Usage: dual-sqlite backup <dsn> <dest> [--driver native|node|wasm|auto] [--force] [--progress] [--json]

Other processes may keep reading and writing while it runs. The copy (SQLite's VACUUM INTO) is
written to a hidden temporary file next to <dest>, fsynced, checked (header, page count,
integrity_check) and only then renamed to <dest>.

  --force      replace an existing <dest> (atomically, after the new copy is verified)
  --progress   show the progress line for any size (default: from 64 MB)
  --json       print the result (or the error) as JSON on stdout

It prints how long writers in other processes were held up: 0 in WAL mode; the whole copy in
rollback-journal mode and with dot-file locking (wasm, vfs=unix-dotfile), where a writer whose
busy timeout is shorter than that would see SQLITE_BUSY (see docs/scaling.md).
Exit codes: 0 the copy is verified and in place, 1 it failed (nothing at <dest>), 2 bad arguments.`;

/** `--json` is an option: main() prints this command's errors as JSON with it. */
export const JSON_FLAG = true;

/** Runs `backup`. */
export async function run(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(
    'backup',
    args,
    { driver: { type: 'string' }, force: { type: 'boolean' }, progress: { type: 'boolean' }, json: { type: 'boolean' } },
    2,
  );
  const [dsn, dest] = positionals;
  if (dsn === undefined || dest === undefined) {
    throw new UsageError('backup: give the database DSN and the destination file, e.g. dual-sqlite backup app.db backups/app-2026-01-01.db (see "dual-sqlite backup --help").');
  }
  const driver = driverFlag('backup', values.driver);
  let watcher: CopyWatcher | undefined;
  try {
    const result = await backupDatabase(dsn, dest, {
      driver,
      env: io.env,
      force: values.force === true,
      onProgress: (event) => {
        if (event.phase === 'copying' && (values.progress || event.expectedBytes >= PROGRESS_FROM_BYTES)) {
          watcher = watchCopy(event.tempFile, event.expectedBytes, io.stderr);
        }
      },
    });
    await watcher?.stop();
    println(io.stdout, values.json ? JSON.stringify({ ok: true, ...result }, null, 2) : describe(result));
    return EXIT.OK;
  } catch (error) {
    await watcher?.stop();
    throw error;
  }
}

function describe(r: BackupResult): string {
  const mb = (r.bytes / 1048576).toFixed(2);
  const held =
    r.writersHeldMs === 0
      ? 'writers in other processes held up: 0 ms (WAL: readers do not block writers)'
      : `writers in other processes held up to ${Math.round(r.writersHeldMs)} ms (${r.lockProtocol === 'dotfile' ? 'dot-file lock' : `${r.journalMode} journal`}: commits wait for the copy)`;
  return [
    `backup: ${r.dest} verified (${r.pages} pages of ${r.pageSize} bytes, ${mb} MB, integrity_check ok)`,
    `  copy ${Math.round(r.copyMs)} ms (waited ${Math.round(r.lockWaitMs)} ms for the lock), verify ${Math.round(r.verifyMs)} ms, total ${Math.round(r.totalMs)} ms`,
    `  ${held}`,
  ].join('\n');
}
