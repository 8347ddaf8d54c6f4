/**
 * The typed result of parsing a DSN. This file is the contract between `dsn/` and every layer
 * above it: `drivers/` opens a database from a {@link DsnConfig} and nothing else, so a setting
 * that is not represented here cannot be applied, and one that is represented must be applied
 * and verified.
 *
 * A config is plain data (no class instances, no functions), deeply frozen, with every default
 * filled in: reading it tells you everything that will be applied to the connection.
 */

/**
 * The SQLite bindings, in the order `auto` tries them: better-sqlite3 (`native`), Node's built-in
 * `node:sqlite` (`node`, Node 22.13 and later), node-sqlite3-wasm (`wasm`). The one list every
 * layer enumerates drivers from.
 */
export const DRIVER_NAMES = Object.freeze(['native', 'node', 'wasm'] as const);

/** Which SQLite binding runs the database, or `auto`: the first of {@link DRIVER_NAMES} that loads. */
export type DriverChoice = (typeof DRIVER_NAMES)[number] | 'auto';

/** Every value a driver choice may take ({@link DRIVER_NAMES} and `auto`). */
export const DRIVER_CHOICES: readonly DriverChoice[] = Object.freeze([...DRIVER_NAMES, 'auto'] as const);

/** Where the database lives. */
export type DsnLocation =
  /** A database file. `path` is absolute and normalized (`path.resolve`), not yet symlink-resolved. */
  | { readonly kind: 'file'; readonly path: string }
  /** A private in-memory database (`:memory:`, `file::memory:`): one per dialect instance. */
  | { readonly kind: 'memory' }
  /** A named in-memory database (`file:NAME?mode=memory`), shared by every user in this process. */
  | { readonly kind: 'shared-memory'; readonly name: string }
  /** A private temporary on-disk database (empty string or `file:`), deleted on close. */
  | { readonly kind: 'temp' };

/** SQLite's `mode=` URI parameter without `memory` (memory is a {@link DsnLocation}). */
export type AccessMode = 'ro' | 'rw' | 'rwc';

/** How `BEGIN` starts a read-write transaction. */
export type TxLock = 'deferred' | 'immediate' | 'exclusive';

/** `PRAGMA journal_mode` values. */
export type JournalMode = 'delete' | 'truncate' | 'persist' | 'memory' | 'wal' | 'off';
/** `PRAGMA synchronous` values (numeric spellings are normalized to these). */
export type Synchronous = 'off' | 'normal' | 'full' | 'extra';
/** `PRAGMA locking_mode` values. */
export type LockingMode = 'normal' | 'exclusive';
/** `PRAGMA auto_vacuum` values (numeric spellings are normalized to these). */
export type AutoVacuum = 'none' | 'full' | 'incremental';
/** `PRAGMA temp_store` values (numeric spellings are normalized to these). */
export type TempStore = 'default' | 'file' | 'memory';
/** `PRAGMA secure_delete` values. */
export type SecureDelete = boolean | 'fast';

/**
 * Connection pragmas. Required keys always carry a value (the library default when the DSN did
 * not set one) and are always applied; optional keys are applied only when the DSN sets them,
 * because applying them unasked would change the file (journal_mode, auto_vacuum, page_size are
 * persistent) or would override a deliberate choice made elsewhere.
 */
export interface PragmaSettings {
  /** Applied always. Library default `full` on both drivers (their builds differ in WAL mode). */
  readonly synchronous: Synchronous;
  /** Applied always. Library default `true` (both builds default to ON; stock SQLite is OFF). */
  readonly foreign_keys: boolean;
  /** Applied always. Library default `memory` (the wasm build's default). */
  readonly temp_store: TempStore;
  /** Applied always. Library default `-16000` (16 MiB, better-sqlite3's build default). */
  readonly cache_size: number;
  readonly journal_mode?: JournalMode;
  readonly locking_mode?: LockingMode;
  readonly auto_vacuum?: AutoVacuum;
  readonly query_only?: boolean;
  readonly recursive_triggers?: boolean;
  readonly defer_foreign_keys?: boolean;
  readonly ignore_check_constraints?: boolean;
  /** Write-only pragma in SQLite: verified by behaviour, not by reading it back. */
  readonly case_sensitive_like?: boolean;
  readonly secure_delete?: SecureDelete;
  readonly mmap_size?: number;
  readonly journal_size_limit?: number;
  readonly wal_autocheckpoint?: number;
  readonly page_size?: number;
  readonly automatic_index?: boolean;
  readonly cell_size_check?: boolean;
  readonly trusted_schema?: boolean;
  /** Persistent (file header); needs a writable connection. */
  readonly application_id?: number;
  /** Persistent (file header); needs a writable connection. */
  readonly user_version?: number;
  /** Only takes effect on a new, empty database; verified by behaviour (wasm cannot read it back). */
  readonly encoding?: TextEncoding;
  readonly analysis_limit?: number;
}

/** `PRAGMA encoding` values; `utf-16` means the machine's byte order. */
export type TextEncoding = 'utf-8' | 'utf-16' | 'utf-16le' | 'utf-16be';

/** Names of the pragmas a DSN can set. */
export type PragmaName = keyof PragmaSettings;

/** The canonical, fully resolved configuration of one database connection. */
export interface DsnConfig {
  readonly location: DsnLocation;
  /** `mode=`; default `rwc`. Memory and temp databases are always `rwc`. */
  readonly mode: AccessMode;
  /** `_driver=`; absent when the DSN did not choose, so the environment and `auto` decide. */
  readonly driver?: DriverChoice;
  /** `_txlock=`; default `immediate`. */
  readonly txlock: TxLock;
  /** `_busy_timeout=` in milliseconds; default 5000. The library waits asynchronously. */
  readonly busyTimeout: number;
  /** `_stmt_cache_size=`: prepared statements kept per connection; default 128, 0 = off. */
  readonly stmtCacheSize: number;
  /**
   * `_read_spans=`: autocommit SELECTs within one event-loop turn share one read transaction
   * (see docs/concurrency.md, "Read spans"); absent = off.
   */
  readonly readSpans?: boolean;
  /** `vfs=`: SQLite VFS name; absent = the platform default (`unix`, POSIX locks). */
  readonly vfs?: string;
  /** `immutable=1`: the file cannot change; SQLite skips locking. Default false. */
  readonly immutable: boolean;
  /** `nolock=1`: SQLite takes no locks at all. Default false. */
  readonly nolock: boolean;
  /** `psow=`: powersafe overwrite; absent = the build default. */
  readonly psow?: boolean;
  /** `modeof=`: absolute path whose permissions a newly created file copies. */
  readonly modeof?: string;
  readonly pragmas: PragmaSettings;
}
