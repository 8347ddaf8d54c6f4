/**
 * Errors of backup and restore. Each has a stable `code`; file-system failures of the library's
 * own steps are wrapped (the Node error is the `cause`) so they name the step and the file.
 */
import { DualSqliteError } from '../../dsn/base-error.js';

/**
 * The backup destination cannot be used: it exists (and `force` was not given), it is the source
 * database itself or one of its side files, or it is a database in use or left half way through a
 * transaction (a live process has it open, or a hot `-journal` or a `-wal` lies beside it, which
 * SQLite would play into the copy renamed over it), or its folder is missing or cannot be written.
 * Codes `BACKUP_DEST_EXISTS`, `BACKUP_DEST_IS_SOURCE`, `BACKUP_DEST_IN_USE`,
 * `BACKUP_DEST_FOLDER_NOT_FOUND`, `BACKUP_DEST_FOLDER_NOT_WRITABLE`, `BACKUP_DEST_IS_DIRECTORY`.
 */
export class BackupDestinationError extends DualSqliteError {
  /** The destination path as given. */
  readonly dest: string;

  /**
   * `detail`: for `BACKUP_DEST_IN_USE` who has it open or which side file lies beside it; for
   * `BACKUP_DEST_FOLDER_NOT_FOUND` the missing folder; for `BACKUP_DEST_FOLDER_NOT_WRITABLE` the
   * folder and why it cannot be written; for `BACKUP_DEST_IS_DIRECTORY` a file path to suggest.
   */
  constructor(
    code: 'BACKUP_DEST_EXISTS' | 'BACKUP_DEST_IS_SOURCE' | 'BACKUP_DEST_IN_USE' | 'BACKUP_DEST_FOLDER_NOT_FOUND' | 'BACKUP_DEST_FOLDER_NOT_WRITABLE' | 'BACKUP_DEST_IS_DIRECTORY',
    dest: string,
    source: string,
    detail = '',
  ) {
    super(code, destinationMessage(code, dest, source, detail));
    this.dest = dest;
  }
}

function destinationMessage(code: string, dest: string, source: string, detail: string): string {
  if (code === 'BACKUP_DEST_EXISTS') {
    return `backup destination "${dest}" already exists; choose a new file name, or pass force (--force) to replace it atomically once the new copy is verified.`;
  }
  if (code === 'BACKUP_DEST_FOLDER_NOT_FOUND') {
    return `backup destination "${dest}": its folder "${detail}" does not exist; create it first (mkdir -p '${detail}') or choose a path in an existing folder. Nothing was written.`;
  }
  if (code === 'BACKUP_DEST_FOLDER_NOT_WRITABLE') {
    return `backup destination "${dest}": its folder ${detail}; choose a folder you can write to, or make this one writable (remount it read-write, chattr -i, chmod). Nothing was written.`;
  }
  if (code === 'BACKUP_DEST_IS_DIRECTORY') {
    return `backup destination "${dest}" is a folder, not a file name (--force does not replace a folder); give a file path, e.g. "${detail}".`;
  }
  if (code === 'BACKUP_DEST_IS_SOURCE') {
    return `backup destination "${dest}" is the database being backed up (${source}) or one of its side files; write the backup to another file.`;
  }
  return (
    `backup destination "${dest}" is a database in use or left half way through a transaction: ${detail}. ` +
    'SQLite would play that into a copy put at this name, mixing the two databases. Write the backup to another file, ' +
    'or close the database there (a hot journal is rolled back by opening the database once; or delete the database together with its side files), then run the backup again.'
  );
}

/**
 * A copy failed its checks: the header, the page count against the file size, or
 * `PRAGMA integrity_check`. Nothing was put in place. Code `BACKUP_VERIFY_FAILED`.
 */
export class BackupVerificationError extends DualSqliteError {
  /** The file that was checked. */
  readonly file: string;
  /** What failed, one entry per problem (at most 20). */
  readonly problems: readonly string[];

  constructor(file: string, problems: readonly string[], cause?: unknown) {
    super(
      'BACKUP_VERIFY_FAILED',
      `"${file}" is not a sound SQLite database: ${problems.slice(0, 5).join('; ')}` +
        `${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''}; ` +
        'for a backup: take it again (the source was not changed); for a restore: pick another backup.',
      cause === undefined ? undefined : { cause },
    );
    this.file = file;
    this.problems = Object.freeze([...problems]);
  }
}

/**
 * The file given as a backup (to `restore` or `verifyBackup`) does not exist. Code
 * `BACKUP_NOT_FOUND`; nothing was changed. The OS error is the `cause`.
 */
export class BackupNotFoundError extends DualSqliteError {
  /** The path that was looked up (absolute). */
  readonly file: string;

  constructor(file: string, cause: unknown) {
    super('BACKUP_NOT_FOUND', `there is no file at "${file}": check the backup's path (a relative path is resolved from the current directory, ${process.cwd()}); nothing was changed.`, { cause });
    this.file = file;
  }
}

/**
 * The backup given to a restore is the database itself (or one of its side files): restoring it
 * over itself would change nothing but lose the backup's separate copy. Code
 * `RESTORE_BACKUP_IS_DATABASE`; nothing was changed.
 */
export class RestoreBackupIsDatabaseError extends DualSqliteError {
  readonly database: string;

  constructor(database: string) {
    super('RESTORE_BACKUP_IS_DATABASE', `the backup to restore is the database itself (${database}); give the path of a backup file (dual-sqlite backup writes one); nothing was changed.`);
    this.database = database;
  }
}

/** A file-system step of a backup or restore failed (no space, permissions, a missing folder). Code `BACKUP_IO`. */
export class BackupIoError extends DualSqliteError {
  /** The file or folder the step worked on. */
  readonly path: string;

  constructor(step: string, path: string, cause: unknown) {
    const e = cause as NodeJS.ErrnoException;
    super('BACKUP_IO', `${step} failed for "${path}": ${e?.code ? `${e.code} ` : ''}${e?.message ?? String(cause)}; check that the folder exists, is writable and has free space.`, {
      cause,
    });
    this.path = path;
  }
}

/** A backup of a database that has no file (`:memory:`, temp): nothing to restore it into either. Code `BACKUP_NOT_A_FILE`. */
export class BackupNotAFileError extends DualSqliteError {
  constructor(what: string, operation: 'backup' | 'restore') {
    super(
      'BACKUP_NOT_A_FILE',
      `${operation} needs a database file, but the DSN names ${what}; use a file path (an in-memory database can be copied with VACUUM INTO through execute()).`,
    );
  }
}

/** A live process has the database open: restoring under it would lose its writes or corrupt the file. Code `RESTORE_DATABASE_IN_USE`. */
export class RestoreInUseError extends DualSqliteError {
  /** The database file. */
  readonly database: string;
  /**
   * The processes that have it open (pid, thread id, driver), from their claims; a program that
   * opened it without this library (found in /proc) has thread id 0, driver `none` and its
   * program name.
   */
  readonly holders: readonly { pid: number; tid: number; driver: string; program?: string }[];

  constructor(database: string, holders: RestoreInUseError['holders']) {
    const list = holders
      .map((h) => `pid ${h.pid}${h.tid && h.tid !== h.pid ? ` (thread ${h.tid})` : ''} ${h.driver === 'none' ? `(${h.program ?? 'a program'}, opened without this library)` : `with the ${h.driver} driver`}`)
      .join(', ');
    super(
      'RESTORE_DATABASE_IN_USE',
      `cannot restore ${database}: it is open in ${list}; stop those processes (or close the database in them) and run the restore again.`,
    );
    this.database = database;
    this.holders = Object.freeze(holders.map((h) => Object.freeze({ ...h })));
  }
}

/**
 * A restore of this database was started and has not finished: it is running in another process,
 * or that process died half way. Opening is refused until it is finished or rolled back, so nobody
 * sees a half-restored database. Code `RESTORE_PENDING`.
 */
export class RestorePendingError extends DualSqliteError {
  readonly database: string;
  /** Process id of the restore. */
  readonly pid: number;
  /** True when that process is still running. */
  readonly running: boolean;

  /** `marker`: the path of a restore marker that cannot be read (then `pid` is 0: nobody is known). */
  constructor(database: string, pid: number, running: boolean, marker?: string) {
    super(
      'RESTORE_PENDING',
      marker !== undefined
        ? `a restore of ${database} was begun and its marker ${marker} cannot be read; run "dual-sqlite restore --recover <dsn>" ` +
            '(or recoverRestore()): it clears the marker when the files show a whole database, else says what is known and how to finish by hand.'
        : running
        ? `a restore of ${database} is running in pid ${pid}; wait for it to finish, then open the database.`
        : `a restore of ${database} was interrupted (pid ${pid} is gone); run "dual-sqlite restore --recover <dsn>" ` +
            '(or recoverRestore()) to finish it or roll it back, then open the database.',
    );
    this.database = database;
    this.pid = pid;
    this.running = running;
  }
}

/**
 * The restored database did not open or failed `integrity_check` in place; the previous database
 * and its side files were put back. Code `RESTORE_FAILED`.
 */
export class RestoreFailedError extends DualSqliteError {
  readonly database: string;

  constructor(database: string, cause: unknown) {
    const c = cause as { code?: string; message?: string };
    super(
      'RESTORE_FAILED',
      `the restored copy of ${database} did not pass its check after the swap (${c?.code ? `[${c.code}] ` : ''}${c?.message ?? String(cause)}); ` +
        'the previous database was put back unchanged. Examine the backup with "dual-sqlite doctor <backup>" or pick another one.',
      { cause },
    );
    this.database = database;
  }
}

/**
 * A restore stopped by its caller's `signal` (the CLI aborts it on SIGINT/SIGTERM) at one of its
 * safe points: before anything was moved (`state: 'unchanged'`), or after the swap and before the
 * commit, when it was rolled back (`state: 'rolled-back'`). Either way the database is the one from
 * before the restore and no restore is pending. Code `RESTORE_INTERRUPTED`; `cause` is the
 * signal's reason.
 */
export class RestoreInterruptedError extends DualSqliteError {
  readonly database: string;
  /** What the interrupted restore left: the database untouched, or put back as it was. */
  readonly state: 'unchanged' | 'rolled-back';

  constructor(database: string, state: 'unchanged' | 'rolled-back', reason: unknown) {
    const by = typeof reason === 'string' ? reason : reason instanceof Error ? reason.message : 'its caller';
    super(
      'RESTORE_INTERRUPTED',
      state === 'unchanged'
        ? `the restore of ${database} was interrupted (${by}) before anything was moved: nothing changed, the database is as it was; run the restore again to restore it.`
        : `the restore of ${database} was interrupted (${by}) after the swap, before it was committed: it was rolled back, the database is the one from before the restore; run the restore again to restore it.`,
      { cause: reason },
    );
    this.database = database;
    this.state = state;
  }
}

/**
 * `recoverRestore` found a restore marker it cannot read (unreadable file, not a marker, or one of
 * a newer version) while files of the restore are still there (a copy of the backup, a folder of
 * replaced files): how far the restore got is then unknown, and guessing from the files could
 * delete the only copy of one of the two databases. Nothing was changed. The message lists what
 * is known and the fix by hand. Code `RESTORE_MARKER_UNREADABLE`.
 */
export class RestoreMarkerUnreadableError extends DualSqliteError {
  readonly database: string;
  /** The marker's path. */
  readonly marker: string;
  /** The names of the database and its side files that exist at the database's place. */
  readonly present: readonly string[];
  /** The restore's files beside it: copies of the backup, folders of replaced files (with their content). */
  readonly leftovers: readonly string[];

  constructor(database: string, marker: string, problem: string, fix: string, present: readonly string[], leftovers: readonly string[]) {
    super(
      'RESTORE_MARKER_UNREADABLE',
      `the restore marker ${marker} ${problem}, so how far the interrupted restore of ${database} got is unknown; nothing was changed. ` +
        `Known: at the database's place: ${present.join(', ') || 'no file'}; left by the restore: ${leftovers.join('; ')}. ${fix}`,
    );
    this.database = database;
    this.marker = marker;
    this.present = Object.freeze([...present]);
    this.leftovers = Object.freeze([...leftovers]);
  }
}
