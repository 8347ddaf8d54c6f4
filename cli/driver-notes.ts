/**
 * What each driver does with each setting, for `dual-sqlite inspect`. These sentences describe
 * the behaviour of `drivers/` (see docs/drivers.md); tests/cli/inspect.test.ts checks that every
 * registry target has a note, so a new option cannot appear in `inspect` unexplained.
 */
import { lockProtocol } from '../drivers/index.js';
import type { DriverName, LockProtocol } from '../drivers/types.js';
import { DRIVER_NAMES, type DsnConfig } from '../dsn/types.js';
import type { DsnTarget } from '../dsn/index.js';

/** How each driver (native, node, wasm) carries out one setting. */
export type DriverNote = Readonly<Record<DriverName, string>>;

/** The same sentence for every driver. */
function all(text: string): DriverNote {
  return { native: text, node: text, wasm: text };
}

const PRAGMA: DriverNote = all('PRAGMA after open, read back and verified');
const URI_WASM_REFUSES = 'refused when set (DRIVER_UNSUPPORTED_OPTION): no URI parameters';

const NOTES: Record<string, DriverNote> = {
  mode: {
    native: 'open flags (readonly / fileMustExist)',
    node: 'mode= in the file: URI node:sqlite is always opened with (it has no must-exist option)',
    wasm: 'open flags (readOnly / fileMustExist)',
  },
  driver: { native: 'selects better-sqlite3', node: 'selects Node\'s built-in node:sqlite (Node 22.13+)', wasm: 'selects node-sqlite3-wasm' },
  txlock: all('the dialect sends BEGIN <mode> (plain BEGIN would be DEFERRED)'),
  busyTimeout: {
    native: 'waited for asynchronously with backoff (better-sqlite3 would block the thread)',
    node: 'waited for asynchronously with backoff (node:sqlite\'s own timeout, default 0, would block the thread)',
    wasm: 'waited for asynchronously with backoff (its own busy wait spins a core)',
  },
  stmtCacheSize: {
    native: 'LRU of prepared statements',
    node: 'LRU of prepared statements',
    wasm: 'LRU of prepared statements, reset after each use, finalized on eviction',
  },
  readSpans: all('the dialect shares one read transaction between the autocommit SELECTs of one event-loop turn (core, the same on every driver)'),
  vfs: {
    native: 'URI parameter at open (URI mode is switched on before the addon loads)',
    node: 'URI parameter at open (node:sqlite always takes file: URIs)',
    wasm: 'its only VFS is dot-file locking: unix-dotfile is accepted, any other value is refused (DRIVER_UNSUPPORTED_OPTION)',
  },
  immutable: { native: 'URI parameter at open', node: 'URI parameter at open', wasm: URI_WASM_REFUSES },
  nolock: { native: 'URI parameter at open', node: 'URI parameter at open', wasm: URI_WASM_REFUSES },
  psow: { native: 'URI parameter at open', node: 'URI parameter at open', wasm: URI_WASM_REFUSES },
  modeof: { native: 'URI parameter at open', node: 'URI parameter at open', wasm: URI_WASM_REFUSES },
  'pragmas.journal_mode': {
    ...PRAGMA,
    wasm: 'PRAGMA; wal is refused unless _locking_mode=exclusive (no shared memory), then one process only',
  },
  'pragmas.mmap_size': { ...PRAGMA, wasm: 'PRAGMA; the wasm build has no memory-mapped I/O, so a non-zero value fails verification' },
  'pragmas.encoding': {
    native: 'PRAGMA before anything writes the file, verified by the bytes of CAST(\'a\' AS BLOB); only a new, empty database takes it',
    node: 'PRAGMA before anything writes the file, verified by the bytes of CAST(\'a\' AS BLOB); only a new, empty database takes it',
    wasm: 'PRAGMA before anything writes the file, verified by behaviour; this build stores UTF-8 only, so utf-16* is SETTING_NOT_APPLIED',
  },
  'pragmas.application_id': all('PRAGMA after open, written to the file header, read back'),
  'pragmas.user_version': all('PRAGMA after open, written to the file header, read back'),
  'pragmas.case_sensitive_like': all('PRAGMA after open (write-only: verified by behaviour)'),
};

/** The note for `target` (pragmas default to "applied and verified"). */
export function driverNote(target: DsnTarget): DriverNote {
  return NOTES[target] ?? (target.startsWith('pragmas.') ? PRAGMA : all('?'));
}

/** True when a specific note exists for `target` (tests use it to catch unexplained options). */
export function hasDriverNote(target: DsnTarget): boolean {
  return target in NOTES || target.startsWith('pragmas.');
}

const PROTOCOL: Record<LockProtocol, string> = {
  posix: 'POSIX fcntl locks: shared with native and node processes; refused while a wasm process has the file open',
  dotfile: '<db>.lock directory: compatible with wasm and native/node vfs=unix-dotfile processes',
  none: 'none',
};

/** The lock protocol each driver would use for `config`, with the consequence for mixing. */
export function lockNote(config: DsnConfig): DriverNote {
  const note = (driver: DriverName): string => {
    const refused = driver === 'wasm' ? wasmRefuses(config) : undefined;
    if (refused) return `cannot open this DSN: ${refused} (DRIVER_UNSUPPORTED_OPTION)`;
    const p = lockProtocol(config, driver);
    if (p !== 'none') return PROTOCOL[p];
    return config.location.kind === 'file' ? 'none (nolock, immutable or vfs=unix-none: nothing protects concurrent writers)' : 'none (not a shared file)';
  };
  return Object.fromEntries(DRIVER_NAMES.map((d) => [d, note(d)])) as Record<DriverName, string>;
}

/** The first setting the wasm driver refuses (it has no URI parameters and one VFS), if any. */
function wasmRefuses(config: DsnConfig): string | undefined {
  if (config.vfs !== undefined && config.vfs !== 'unix-dotfile') return `vfs=${config.vfs}`;
  if (config.immutable) return 'immutable=1';
  if (config.nolock) return 'nolock=1';
  if (config.psow !== undefined) return 'psow';
  if (config.modeof !== undefined) return 'modeof';
  return undefined;
}
