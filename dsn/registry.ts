import { DRIVER_CHOICES, type PragmaName } from './types.js';
import {
  Rejection,
  absolutePath,
  boolean,
  busyTimeout,
  integer,
  oneOf,
  pageSize,
  secureDelete,
  textEncoding,
  type ValueType,
} from './values.js';

/**
 * The one allow-list of DSN options. Parsing, validation, defaults, the canonical form, the CLI
 * and docs/dsn.md are all driven by this table, so an option cannot be accepted in one place
 * and dropped in another.
 */

/** Where an option's value lands in `DsnConfig` (`pragmas.x` = `config.pragmas.x`). */
export type DsnTarget =
  | 'mode'
  | 'driver'
  | 'txlock'
  | 'busyTimeout'
  | 'stmtCacheSize'
  | 'readSpans'
  | 'vfs'
  | 'immutable'
  | 'nolock'
  | 'psow'
  | 'modeof'
  | `pragmas.${PragmaName}`;

/** How the same setting is written for other SQLite drivers (`-` = not available there). */
export interface DsnEquivalents {
  /** github.com/mattn/go-sqlite3 */
  readonly mattn: string;
  /** modernc.org/sqlite */
  readonly modernc: string;
  /** github.com/ncruces/go-sqlite3 */
  readonly ncruces: string;
  /** SQLite's own URI filename parameters. */
  readonly sqliteUri: string;
}

/** One accepted setting. */
export interface DsnOption {
  /** Canonical query key; `undefined` when the setting is only reachable as `_pragma=name(v)`. */
  readonly key: string | undefined;
  /** Other accepted keys (exact case). */
  readonly aliases: readonly string[];
  /** Name accepted inside `_pragma=` (lowercase), when the setting is a pragma. */
  readonly pragma: string | undefined;
  /** Field of `DsnConfig`; `undefined` for an option that only asserts the built-in behaviour. */
  readonly target: DsnTarget | undefined;
  // The value type is heterogeneous across the table; each entry pairs its own parse/format.
  readonly type: ValueType<any>;
  /** Value applied when the DSN does not set it; `undefined` = left unset (absent in the config). */
  readonly default: unknown;
  /** What the setting does, one or two sentences for docs and `--help`. */
  readonly description: string;
  readonly equivalents: DsnEquivalents;
}

const NONE = '-';
const pragmaEq = (name: string, v: string): Pick<DsnEquivalents, 'modernc' | 'ncruces'> => ({
  modernc: `_pragma=${name}(${v})`,
  ncruces: `_pragma=${name}(${v})`,
});
/** SQLite URI parameters, which the three Go drivers hand to SQLite unchanged. */
const uriEq = (key: string): DsnEquivalents => ({ mattn: key, modernc: key, ncruces: key, sqliteUri: key });

function option(o: Omit<DsnOption, 'aliases' | 'pragma'> & Partial<Pick<DsnOption, 'aliases' | 'pragma'>>): DsnOption {
  return Object.freeze({
    ...o,
    aliases: Object.freeze([...(o.aliases ?? [])]),
    pragma: o.pragma,
    type: Object.freeze(o.type),
    equivalents: Object.freeze({ ...o.equivalents }),
  });
}

/** A pragma setting reachable both by a `_key` (mattn style) and by `_pragma=` (modernc/ncruces). */
function pragmaOption(
  name: PragmaName,
  type: ValueType<unknown>,
  o: { key?: string; aliases?: string[]; default?: unknown; description: string; example: string; mattn?: string },
): DsnOption {
  const keyed = o.key !== undefined;
  return option({
    key: o.key,
    aliases: o.aliases ?? [],
    pragma: name,
    target: `pragmas.${name}`,
    type,
    default: o.default,
    description: o.description,
    equivalents: {
      mattn: o.mattn ?? (keyed ? [o.key, ...(o.aliases ?? [])].join(', ') : NONE),
      ...pragmaEq(name, o.example),
      sqliteUri: NONE,
    },
  });
}

const VFS_NAMES = ['unix', 'unix-dotfile', 'unix-excl', 'unix-none'] as const;

/** The registry, in documentation order. */
export const DSN_OPTIONS: readonly DsnOption[] = Object.freeze([
  option({
    key: 'mode',
    target: 'mode',
    type: oneOf(['ro', 'rw', 'rwc', 'memory']),
    default: 'rwc',
    description:
      'Access mode. ro = read-only, rw = read-write (the file must exist), rwc = read-write, created if missing. memory turns the path into the name of an in-memory database shared within the process. An immutable file defaults to ro.',
    equivalents: uriEq('mode'),
  }),
  option({
    key: 'vfs',
    target: 'vfs',
    type: oneOf(VFS_NAMES, {
      refused: {
        memdb: new Rejection(
          'DSN_UNSUPPORTED',
          'vfs=memdb turns the path into an in-memory database behind the registry\'s back',
          'use :memory: or file:NAME?mode=memory.',
        ),
      },
    }),
    default: undefined,
    description:
      'SQLite locking protocol (VFS). unix = POSIX advisory locks (the default), unix-dotfile = a <db>.lock directory (the protocol the wasm build uses), unix-excl = exclusive POSIX locks, unix-none = no locking.',
    equivalents: {
      ...uriEq('vfs'),
      ncruces: 'vfs — its VFSs have no unix-* names; dot-file locking is its sqlite3_dotlk build tag, not a DSN value',
    },
  }),
  option({
    key: 'immutable',
    target: 'immutable',
    type: boolean,
    default: false,
    description: 'The file is on read-only media and never changes: SQLite takes no locks and never checks for changes. Implies mode=ro.',
    equivalents: uriEq('immutable'),
  }),
  option({
    key: 'nolock',
    target: 'nolock',
    type: boolean,
    default: false,
    description: 'SQLite takes no file locks at all. Safe only when nothing else ever opens the file.',
    equivalents: uriEq('nolock'),
  }),
  option({
    key: 'psow',
    target: 'psow',
    type: boolean,
    default: undefined,
    description: 'Powersafe overwrite: whether a power loss can damage bytes next to the ones written. Unset = the build default.',
    equivalents: uriEq('psow'),
  }),
  option({
    key: 'modeof',
    target: 'modeof',
    type: absolutePath,
    default: undefined,
    description: 'A file whose permissions (and owner, when running as root) a newly created database copies. Relative paths are resolved against cwd.',
    equivalents: uriEq('modeof'),
  }),
  option({
    key: 'cache',
    target: undefined,
    type: oneOf(['private'], {
      refused: {
        shared: new Rejection(
          'DSN_UNSUPPORTED',
          'cache=shared needs SQLite\'s shared cache, which both the better-sqlite3 and the node-sqlite3-wasm builds omit (SQLITE_OMIT_SHARED_CACHE)',
          'remove cache=shared; for an in-memory database shared within the process write file:NAME?mode=memory.',
        ),
      },
    }),
    default: undefined,
    description: 'Only cache=private is accepted, and it is what every connection gets anyway; it does not appear in the canonical form.',
    equivalents: uriEq('cache'),
  }),
  option({
    key: '_driver',
    target: 'driver',
    type: oneOf(DRIVER_CHOICES),
    default: undefined,
    description: 'SQLite binding: native = better-sqlite3, node = Node\'s built-in node:sqlite (Node 22.13+), wasm = node-sqlite3-wasm, auto = the first of native, node, wasm that loads. Unset = decided by the environment.',
    equivalents: { mattn: NONE, modernc: NONE, ncruces: NONE, sqliteUri: NONE },
  }),
  option({
    key: '_txlock',
    target: 'txlock',
    type: oneOf(['deferred', 'immediate', 'exclusive'], {
      refused: {
        concurrent: new Rejection(
          'DSN_UNSUPPORTED',
          'BEGIN CONCURRENT (ncruces/go-sqlite3) exists only in SQLite\'s begin-concurrent branch, and neither the better-sqlite3 nor the node-sqlite3-wasm build is made from it',
          'write _txlock=immediate: writers then queue at BEGIN instead of conflicting at COMMIT.',
        ),
      },
    }),
    default: 'immediate',
    description: 'How BEGIN starts a read-write transaction. immediate takes the write lock at BEGIN, so concurrent writers queue instead of failing mid-transaction.',
    equivalents: { mattn: '_txlock', modernc: '_txlock', ncruces: '_txlock', sqliteUri: NONE },
  }),
  option({
    key: '_busy_timeout',
    aliases: ['_timeout'],
    pragma: 'busy_timeout',
    target: 'busyTimeout',
    type: busyTimeout,
    default: 5000,
    description: 'How long to wait for a lock held by another connection before failing with SQLITE_BUSY, in milliseconds. The library waits asynchronously.',
    equivalents: { mattn: '_busy_timeout, _timeout', ...pragmaEq('busy_timeout', '5000'), sqliteUri: NONE },
  }),
  option({
    key: '_stmt_cache_size',
    target: 'stmtCacheSize',
    type: integer(0, 1_000_000),
    default: 128,
    description: 'Prepared statements kept per connection (least recently used are finalized); 0 turns the cache off.',
    equivalents: { mattn: '_stmt_cache_size — default 0 (off)', modernc: NONE, ncruces: NONE, sqliteUri: NONE },
  }),
  option({
    key: '_read_spans',
    target: 'readSpans',
    type: boolean,
    default: undefined,
    description:
      'Read spans: autocommit SELECTs run within one event-loop turn share one read transaction (one file lock instead of one per query). Ended before any other statement and at the end of the turn. Unset = off.',
    equivalents: { mattn: NONE, modernc: NONE, ncruces: NONE, sqliteUri: NONE },
  }),
  pragmaOption('journal_mode', oneOf(['delete', 'truncate', 'persist', 'memory', 'wal', 'off']), {
    key: '_journal_mode',
    aliases: ['_journal'],
    example: 'wal',
    description: 'PRAGMA journal_mode. Persistent for wal. Unset = whatever the file already uses (delete for a new file).',
  }),
  pragmaOption('synchronous', oneOf(['off', 'normal', 'full', 'extra'], { numbered: true }), {
    key: '_synchronous',
    aliases: ['_sync'],
    default: 'full',
    example: 'normal',
    description: 'PRAGMA synchronous: how often SQLite waits for data to reach the disk. Default full on both drivers.',
  }),
  pragmaOption('foreign_keys', boolean, {
    key: '_foreign_keys',
    aliases: ['_fk'],
    default: true,
    example: '1',
    description: 'PRAGMA foreign_keys: enforce FOREIGN KEY constraints. Default on.',
  }),
  pragmaOption('locking_mode', oneOf(['normal', 'exclusive']), {
    key: '_locking_mode',
    aliases: ['_locking'],
    example: 'exclusive',
    description: 'PRAGMA locking_mode. exclusive keeps the file lock after the first write: no other process can use the file.',
  }),
  pragmaOption('auto_vacuum', oneOf(['none', 'full', 'incremental'], { numbered: true }), {
    key: '_auto_vacuum',
    aliases: ['_vacuum'],
    example: 'incremental',
    description: 'PRAGMA auto_vacuum. Persistent; takes effect on a new file (or after VACUUM).',
  }),
  pragmaOption('cache_size', integer(-2_147_483_648, 2_147_483_647, 'an integer: pages if positive, KiB if negative'), {
    key: '_cache_size',
    default: -16000,
    example: '-16000',
    description: 'PRAGMA cache_size: page cache per connection; negative = KiB. Default -16000 (16 MiB).',
  }),
  pragmaOption('query_only', boolean, {
    key: '_query_only',
    example: '1',
    description: 'PRAGMA query_only: refuse every write on this connection.',
  }),
  pragmaOption('recursive_triggers', boolean, {
    key: '_recursive_triggers',
    aliases: ['_rt'],
    example: '1',
    description: 'PRAGMA recursive_triggers: let triggers fire other triggers recursively.',
  }),
  pragmaOption('defer_foreign_keys', boolean, {
    key: '_defer_foreign_keys',
    aliases: ['_defer_fk'],
    example: '1',
    description: 'PRAGMA defer_foreign_keys: check foreign keys at COMMIT instead of per statement.',
  }),
  pragmaOption('ignore_check_constraints', boolean, {
    key: '_ignore_check_constraints',
    example: '1',
    description: 'PRAGMA ignore_check_constraints: skip CHECK constraints.',
  }),
  pragmaOption('case_sensitive_like', boolean, {
    key: '_case_sensitive_like',
    aliases: ['_cslike'],
    example: '1',
    description: 'PRAGMA case_sensitive_like: make LIKE case-sensitive for ASCII.',
  }),
  pragmaOption('secure_delete', secureDelete, {
    key: '_secure_delete',
    example: 'fast',
    description: 'PRAGMA secure_delete: overwrite deleted content with zeros (fast = only when it costs no extra I/O).',
  }),
  pragmaOption('temp_store', oneOf(['default', 'file', 'memory'], { numbered: true }), {
    default: 'memory',
    example: 'memory',
    description: 'PRAGMA temp_store: where temporary tables and indices live. Default memory on both drivers.',
  }),
  pragmaOption('mmap_size', integer(0, Number.MAX_SAFE_INTEGER, 'an integer number of bytes >= 0'), {
    example: '268435456',
    description: 'PRAGMA mmap_size: bytes of the file to memory-map; 0 = off.',
  }),
  pragmaOption('journal_size_limit', integer(-1, Number.MAX_SAFE_INTEGER, 'an integer number of bytes >= 0, or -1 for no limit'), {
    example: '67108864',
    description: 'PRAGMA journal_size_limit: truncate a kept journal or WAL file to this many bytes; -1 = no limit.',
  }),
  pragmaOption('wal_autocheckpoint', integer(0, 2_147_483_647, 'an integer number of pages >= 0 (0 = off)'), {
    example: '1000',
    description: 'PRAGMA wal_autocheckpoint: checkpoint when the WAL reaches this many pages; 0 = never automatically.',
  }),
  pragmaOption('page_size', pageSize, {
    example: '4096',
    description: 'PRAGMA page_size. Persistent; takes effect on a new file (or after VACUUM, not in WAL mode).',
  }),
  pragmaOption('automatic_index', boolean, {
    example: '0',
    description: 'PRAGMA automatic_index: let the planner build transient indices.',
  }),
  pragmaOption('cell_size_check', boolean, {
    example: '1',
    description: 'PRAGMA cell_size_check: extra checks that detect corrupt pages earlier.',
  }),
  pragmaOption('application_id', integer(-2_147_483_648, 2_147_483_647, 'a signed 32-bit integer'), {
    example: '1095979081',
    description: 'PRAGMA application_id: the number in the file header that names the application format. Persistent: written to the file (needs a writable connection).',
  }),
  pragmaOption('user_version', integer(-2_147_483_648, 2_147_483_647, 'a signed 32-bit integer'), {
    example: '3',
    description: 'PRAGMA user_version: a free number in the file header, often the schema version. Persistent: written to the file (needs a writable connection).',
  }),
  pragmaOption('encoding', textEncoding, {
    example: "'UTF-8'",
    description: 'PRAGMA encoding: the text encoding of a NEW database, fixed once the file has content; on an existing file anything else than its own encoding fails verification. utf-16 = native byte order.',
  }),
  pragmaOption('analysis_limit', integer(0, 2_147_483_647, 'an integer number of rows >= 0 (0 = no limit)'), {
    example: '400',
    description: 'PRAGMA analysis_limit: rows ANALYZE and PRAGMA optimize examine per index; 0 = no limit.',
  }),
  pragmaOption('trusted_schema', boolean, {
    example: '0',
    description: 'PRAGMA trusted_schema: whether SQL functions in the schema (views, triggers) may have side effects. 0 is safer for untrusted files.',
  }),
]);

/** Keys that other drivers accept and that are refused here, with the reason. */
export interface UnsupportedKey {
  /** Exact key, or a prefix when it ends with `*`. */
  readonly key: string;
  readonly reason: string;
  readonly fix: string;
}

const timeReason = (driver: string): string =>
  `it configures how ${driver} converts Go time.Time values, and JavaScript drivers return dates as the stored TEXT or INTEGER`;

/** Go-driver keys with no meaning here: refused with the reason, never ignored. */
export const DSN_UNSUPPORTED_KEYS: readonly UnsupportedKey[] = Object.freeze(
  [
    { key: '_loc', reason: timeReason('mattn/go-sqlite3'), fix: 'remove it and convert dates in your code.' },
    { key: '_time_format', reason: timeReason('modernc.org/sqlite'), fix: 'remove it and format dates in your code.' },
    { key: '_time_integer_format', reason: timeReason('modernc.org/sqlite'), fix: 'remove it and convert dates in your code.' },
    { key: '_inttotime', reason: timeReason('modernc.org/sqlite'), fix: 'remove it and convert dates in your code.' },
    { key: '_texttotime', reason: timeReason('modernc.org/sqlite'), fix: 'remove it and convert dates in your code.' },
    { key: '_timezone', reason: timeReason('modernc.org/sqlite'), fix: 'remove it and convert dates in your code.' },
    { key: '_timefmt', reason: timeReason('ncruces/go-sqlite3'), fix: 'remove it and format dates in your code.' },
    {
      key: '_mutex',
      reason: 'it picks the threading mode of mattn/go-sqlite3; here every connection is used by one thread and the library serializes access itself',
      fix: 'remove it.',
    },
    {
      key: '_auth*',
      reason: 'it configures SQLite\'s user-authentication extension (mattn/go-sqlite3), which is not compiled into either build and was removed from SQLite',
      fix: 'remove it and control access with file permissions.',
    },
    ...['key', 'hexkey', 'textkey'].map((key) => ({
      key,
      reason: 'it is the key of an encrypting VFS of ncruces/go-sqlite3 (adiantum, xts), which exists only in Go: neither SQLite build here can read such a file',
      fix: 'remove it; decrypt the file with the Go program first (e.g. VACUUM INTO a plain file).',
    })),
    {
      key: '_writable_schema',
      reason: 'PRAGMA writable_schema lets SQL edit sqlite_schema directly, which can corrupt the file',
      fix: 'remove it; run such maintenance by hand with the sqlite3 shell.',
    },
  ].map((u) => Object.freeze(u)),
);

/** A pragma understood but refused in `_pragma`, with the reason (its value is never quoted). */
export interface RefusedPragma {
  readonly pragma: string;
  readonly reason: string;
  readonly fix: string;
}

const encryption = (pragma: string): RefusedPragma => ({
  pragma,
  reason: 'it sets an encryption key (SQLCipher, SEE, or the encrypting VFSs of ncruces/go-sqlite3), and encryption exists in neither SQLite build here',
  fix: 'remove it; decrypt the file with the program that encrypted it first.',
});

/** Pragmas other drivers take in `_pragma` that are refused here for a stated reason. */
export const DSN_REFUSED_PRAGMAS: readonly RefusedPragma[] = Object.freeze(
  ['key', 'hexkey', 'textkey', 'rekey', 'hexrekey', 'textrekey'].map((p) => Object.freeze(encryption(p))),
);

/** The refused-pragma entry for `name` (case-insensitive). */
export function findRefusedPragma(name: string): RefusedPragma | undefined {
  return DSN_REFUSED_PRAGMAS.find((p) => p.pragma === name.toLowerCase());
}

/** The option whose key or alias is exactly `key`. */
export function findOptionByKey(key: string): DsnOption | undefined {
  return BY_KEY.get(key);
}

/** The option settable as `_pragma=name(...)`, `name` compared case-insensitively. */
export function findOptionByPragma(name: string): DsnOption | undefined {
  return BY_PRAGMA.get(name.toLowerCase());
}

/** The unsupported-key entry matching `key`, exact or by prefix. */
export function findUnsupportedKey(key: string): UnsupportedKey | undefined {
  return DSN_UNSUPPORTED_KEYS.find((u) => (u.key.endsWith('*') ? key.startsWith(u.key.slice(0, -1)) : key === u.key));
}

/** The option that writes `target`. */
export function findOptionByTarget(target: DsnTarget): DsnOption {
  const found = DSN_OPTIONS.find((o) => o.target === target);
  if (!found) throw new Error(`dsn registry: no option for ${target}`);
  return found;
}

/** Every key and alias accepted in a query, sorted, plus `_pragma`. */
export const DSN_ACCEPTED_KEYS: readonly string[] = Object.freeze(
  [...DSN_OPTIONS.flatMap((o) => (o.key === undefined ? [] : [o.key, ...o.aliases])), '_pragma'].sort(),
);

/** Every pragma name accepted in `_pragma=`, sorted. */
export const DSN_ACCEPTED_PRAGMAS: readonly string[] = Object.freeze(
  DSN_OPTIONS.flatMap((o) => (o.pragma === undefined ? [] : [o.pragma])).sort(),
);

const BY_KEY = new Map<string, DsnOption>(
  DSN_OPTIONS.flatMap((o) => (o.key === undefined ? [] : [o.key, ...o.aliases].map((k) => [k, o] as const))),
);
const BY_PRAGMA = new Map<string, DsnOption>(
  DSN_OPTIONS.flatMap((o) => (o.pragma === undefined ? [] : [[o.pragma, o] as const])),
);
