/**
 * SQLite result codes for node-sqlite3-wasm, whose errors carry only a message. The primary code
 * comes from `sqlite3_reset()` after a failed step (the only code function the wasm module
 * exports); where the build does not enable extended codes, the extended code is derived from
 * SQLite's fixed message texts, the same texts better-sqlite3 reports alongside its codes.
 */

import type { ErrorKind } from '../dsn/base-error.js';

/** SQLite's primary result codes by number. */
export const PRIMARY_CODES: Readonly<Record<number, string>> = Object.freeze({
  1: 'SQLITE_ERROR', 2: 'SQLITE_INTERNAL', 3: 'SQLITE_PERM', 4: 'SQLITE_ABORT', 5: 'SQLITE_BUSY',
  6: 'SQLITE_LOCKED', 7: 'SQLITE_NOMEM', 8: 'SQLITE_READONLY', 9: 'SQLITE_INTERRUPT', 10: 'SQLITE_IOERR',
  11: 'SQLITE_CORRUPT', 12: 'SQLITE_NOTFOUND', 13: 'SQLITE_FULL', 14: 'SQLITE_CANTOPEN', 15: 'SQLITE_PROTOCOL',
  16: 'SQLITE_EMPTY', 17: 'SQLITE_SCHEMA', 18: 'SQLITE_TOOBIG', 19: 'SQLITE_CONSTRAINT', 20: 'SQLITE_MISMATCH',
  21: 'SQLITE_MISUSE', 22: 'SQLITE_NOLFS', 23: 'SQLITE_AUTH', 24: 'SQLITE_FORMAT', 25: 'SQLITE_RANGE',
  26: 'SQLITE_NOTADB',
});

/** `sqlite3_errstr()` texts, for errors raised where no return code reaches JavaScript (prepare, open). */
const MESSAGE_CODES: ReadonlyArray<readonly [RegExp, string]> = [
  [/^database is locked/, 'SQLITE_BUSY'],
  [/^database table is locked/, 'SQLITE_LOCKED'],
  [/^attempt to write a readonly database/, 'SQLITE_READONLY'],
  [/^database disk image is malformed/, 'SQLITE_CORRUPT'],
  [/^file is not a database/, 'SQLITE_NOTADB'],
  [/^unable to open database file/, 'SQLITE_CANTOPEN'],
  [/^disk I\/O error/, 'SQLITE_IOERR'],
  [/^database or disk is full/, 'SQLITE_FULL'],
  [/^out of memory/, 'SQLITE_NOMEM'],
  [/^string or blob too big/, 'SQLITE_TOOBIG'],
  [/^interrupted/, 'SQLITE_INTERRUPT'],
  [/^database schema has changed/, 'SQLITE_SCHEMA'],
  [/^datatype mismatch/, 'SQLITE_MISMATCH'],
  [/^column index out of range/, 'SQLITE_RANGE'],
  [/^bad parameter or other API misuse/, 'SQLITE_MISUSE'],
  [/constraint failed/, 'SQLITE_CONSTRAINT'],
];

/** The primary code name for a message when no numeric code is available; `SQLITE_ERROR` otherwise. */
export function primaryFromMessage(message: string): string {
  for (const [re, code] of MESSAGE_CODES) if (re.test(message)) return code;
  return 'SQLITE_ERROR';
}

/** Columns named in a "UNIQUE constraint failed: t.a, t.b" message. */
export interface UniqueFailure {
  readonly table: string;
  readonly columns: readonly string[];
}

/**
 * Refines SQLITE_CONSTRAINT into the extended code better-sqlite3 reports. `isPrimaryKey`
 * answers whether a UNIQUE failure is on the table's primary key (SQLite words both the same).
 * An unrecognized constraint message is a trigger's `RAISE()` text, whose code is
 * SQLITE_CONSTRAINT_TRIGGER.
 */
export function constraintCode(message: string, isPrimaryKey: (f: UniqueFailure) => boolean): string {
  if (message.startsWith('NOT NULL constraint failed')) return 'SQLITE_CONSTRAINT_NOTNULL';
  if (message.startsWith('CHECK constraint failed')) return 'SQLITE_CONSTRAINT_CHECK';
  if (message.startsWith('FOREIGN KEY constraint failed')) return 'SQLITE_CONSTRAINT_FOREIGNKEY';
  if (/^cannot store .* value in .* column/.test(message)) return 'SQLITE_CONSTRAINT_DATATYPE';
  const m = /^UNIQUE constraint failed: (.+)$/s.exec(message);
  if (m) {
    const parts = m[1]!.split(', ');
    const table = parts[0]!.slice(0, parts[0]!.indexOf('.'));
    const columns = parts.map((p) => p.slice(p.indexOf('.') + 1));
    if (columns.length === 1 && columns[0] === 'rowid') return 'SQLITE_CONSTRAINT_ROWID';
    return isPrimaryKey({ table, columns }) ? 'SQLITE_CONSTRAINT_PRIMARYKEY' : 'SQLITE_CONSTRAINT_UNIQUE';
  }
  return 'SQLITE_CONSTRAINT_TRIGGER';
}

/** Extended result code suffixes per primary code, in numbering order (extended = primary | n << 8). */
// One space-separated string per primary code: these are suffixes, not codes of their own
const EXTENDED_SUFFIXES: Readonly<Record<number, string>> = {
  1: 'MISSING_COLLSEQ RETRY SNAPSHOT RESERVESIZE KEY UNABLE',
  4: 'ROLLBACK',
  5: 'RECOVERY SNAPSHOT TIMEOUT',
  6: 'SHAREDCACHE VTAB',
  8: 'RECOVERY CANTLOCK ROLLBACK DBMOVED CANTINIT DIRECTORY',
  10: 'READ SHORT_READ WRITE FSYNC DIR_FSYNC TRUNCATE FSTAT UNLOCK RDLOCK DELETE BLOCKED NOMEM ACCESS CHECKRESERVEDLOCK LOCK CLOSE DIR_CLOSE SHMOPEN SHMSIZE SHMLOCK SHMMAP SEEK DELETE_NOENT MMAP GETTEMPPATH CONVPATH VNODE AUTH BEGIN_ATOMIC COMMIT_ATOMIC ROLLBACK_ATOMIC DATA CORRUPTFS IN_PAGE',
  11: 'VTAB SEQUENCE INDEX',
  14: 'NOTEMPDIR ISDIR FULLPATH CONVPATH DIRTYWAL SYMLINK',
  19: 'CHECK COMMITHOOK FOREIGNKEY FUNCTION NOTNULL PRIMARYKEY TRIGGER UNIQUE VTAB ROWID PINNED DATATYPE',
  23: 'USER',
};

/**
 * The name of a numeric (extended) result code as better-sqlite3 spells it: `1555` ->
 * `SQLITE_CONSTRAINT_PRIMARYKEY`, `5` -> `SQLITE_BUSY`. An extended code this table does not know
 * falls back to its primary code's name.
 */
export function resultCodeName(code: number): string {
  const primary = code & 0xff;
  const base = PRIMARY_CODES[primary] ?? 'SQLITE_ERROR';
  const ext = code >> 8;
  if (ext === 0) return base;
  const suffix = EXTENDED_SUFFIXES[primary]?.split(' ')[ext - 1];
  return suffix === undefined ? base : `${base}_${suffix}`;
}

/**
 * The portable {@link ErrorKind} of a SQLite result code name, or `undefined`. The rowid is the
 * primary key of a rowid table, so `SQLITE_CONSTRAINT_ROWID` is `unique` too; a stale snapshot
 * (`SQLITE_BUSY_SNAPSHOT`) cannot be waited out, only retried, like PostgreSQL's serialization
 * failure.
 */
export function sqliteErrorKind(code: string): ErrorKind | undefined {
  switch (code) {
    case 'SQLITE_CONSTRAINT_UNIQUE':
    case 'SQLITE_CONSTRAINT_PRIMARYKEY':
    case 'SQLITE_CONSTRAINT_ROWID':
      return 'unique';
    case 'SQLITE_CONSTRAINT_FOREIGNKEY':
      return 'foreign_key';
    case 'SQLITE_CONSTRAINT_NOTNULL':
      return 'not_null';
    case 'SQLITE_CONSTRAINT_CHECK':
      return 'check';
    case 'SQLITE_BUSY_SNAPSHOT':
      return 'serialization';
  }
  return code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_') || code === 'SQLITE_LOCKED' || code.startsWith('SQLITE_LOCKED_') ? 'busy' : undefined;
}
