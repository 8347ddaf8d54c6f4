/**
 * The process-wide registry: one {@link SharedDatabase} per database file (keyed by its real path,
 * and found by device and inode when the same file is opened through another path, e.g. a second
 * hard link) or per named shared-memory database, refcounted. Private memory and temp databases
 * are never shared: each owner gets its own.
 *
 * Settings split in two:
 * - connection-level (must match between users of one file, else {@link RegistryConflictError}):
 *   the driver, `mode`, `vfs`, `immutable`, `nolock`, `psow`, `modeof`, `_stmt_cache_size` and
 *   every pragma;
 * - per user: `_txlock`, `_busy_timeout` (the async wait runs per statement), `_read_spans` and
 *   `acquireTimeout`.
 */
import { statSync } from 'node:fs';
import { realDatabasePath } from '../drivers/paths.js';
import type { OpenBackendOptions } from '../drivers/types.js';
import type { DsnConfig } from '../dsn/types.js';
import { RegistryConflictError } from './errors.js';
import { SharedDatabase, type SharedOpenOptions } from './shared-database.js';

type OpenOptions = SharedOpenOptions;

interface Entry {
  readonly key: string;
  readonly config: DsnConfig;
  readonly opening: Promise<SharedDatabase>;
  refs: number;
}

const entries = new Map<string, Entry>();
/**
 * `<dev>:<ino>` of each open file to its entry's key: a file reached through another path (a
 * second hard link, a bind mount) is the same database and must share the one connection.
 */
const inodes = new Map<string, string>();
/** Databases whose last user left and that are closing (after their queue drains). */
const closing = new Map<string, Promise<void>>();

/** A counted reference to a shared database; `release()` drops it (idempotent). */
export interface SharedRef {
  readonly database: SharedDatabase;
  release(): Promise<void>;
}

/**
 * Returns a reference to the database `config` names, opening it if this process has not yet.
 * `owner` scopes private memory/temp databases: users passing the same owner share one, users
 * passing none get their own.
 * Rejects with {@link RegistryConflictError} when it is open with other connection settings.
 */
export async function retainDatabase(config: DsnConfig, options: OpenOptions = {}, owner?: object): Promise<SharedRef> {
  const key = sameFileKey(registryKey(config)) ?? privateKey(owner);
  if (key === undefined) return privateRef(await SharedDatabase.open(config, options));
  // Never two connections (and two guards) on one file in this thread: a newcomer waits until
  // the previous connection, whose last user just left, has finished closing.
  while (!entries.has(key) && closing.has(key)) await closing.get(key)!.catch(() => undefined);
  let entry = entries.get(key);
  if (entry) {
    const conflicts = configConflicts(entry.config, config);
    if (conflicts.length > 0) throw new RegistryConflictError(key, conflicts);
  } else {
    entry = { key, config, opening: SharedDatabase.open(config, options), refs: 0 };
    const created = entry;
    entries.set(key, created);
    created.opening.then(
      () => rememberInode(key),
      () => {
        if (entries.get(key) === created) entries.delete(key);
      },
    );
  }
  entry.refs++;
  let database: SharedDatabase;
  try {
    database = await entry.opening;
  } catch (error) {
    entry.refs--;
    throw error;
  }
  const driverConflict = checkDriver(database, config, options);
  if (driverConflict) {
    await sharedRef(entry, database).release();
    throw new RegistryConflictError(key, [driverConflict]);
  }
  return sharedRef(entry, database);
}

/** Number of users of the shared database on `key` (a real path or `memory:NAME`); 0 when not open. */
export function registeredUsers(key: string): number {
  return entries.get(key)?.refs ?? 0;
}

/**
 * The registry key: the canonical real path for files (the file may not exist yet, so its folder
 * is resolved, dangling symlinks followed), `memory:NAME` for named shared memory, `undefined` for private databases.
 */
export function registryKey(config: DsnConfig): string | undefined {
  const loc = config.location;
  // The drivers' own resolution, so the key is exactly the path the backend opens.
  if (loc.kind === 'file') return realDatabasePath(loc.path);
  if (loc.kind === 'shared-memory') return `memory:${loc.name}`;
  return undefined;
}

/** `key` itself, or the key of the open entry that is the same file under another path. */
function sameFileKey(key: string | undefined): string | undefined {
  if (key === undefined || entries.has(key) || key.startsWith('memory:')) return key;
  const inode = inodeOf(key);
  const other = inode === undefined ? undefined : inodes.get(inode);
  return other !== undefined && entries.has(other) ? other : key;
}

function rememberInode(key: string): void {
  const inode = inodeOf(key);
  if (inode !== undefined && entries.has(key)) inodes.set(inode, key);
}

function inodeOf(path: string): string | undefined {
  try {
    const st = statSync(path, { bigint: true });
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined; // not created yet: nothing else can be the same file
  }
}

const privateKeys = new WeakMap<object, string>();
let privateCount = 0;

/** Private memory/temp databases are shared only by users with the same owner (one dialect). */
function privateKey(owner: object | undefined): string | undefined {
  if (owner === undefined) return undefined;
  let key = privateKeys.get(owner);
  if (key === undefined) privateKeys.set(owner, (key = `private:${++privateCount}`));
  return key;
}


function sharedRef(entry: Entry, database: SharedDatabase): SharedRef {
  return refWithRelease(database, async () => {
    entry.refs--;
    if (entry.refs > 0) return;
    if (entries.get(entry.key) === entry) {
      entries.delete(entry.key);
      for (const [inode, key] of inodes) if (key === entry.key) inodes.delete(inode);
    }
    const done = closeWhenIdle(database).finally(() => {
      if (closing.get(entry.key) === done) closing.delete(entry.key);
    });
    closing.set(entry.key, done);
    await done;
  });
}

function privateRef(database: SharedDatabase): SharedRef {
  return refWithRelease(database, () => closeWhenIdle(database));
}

/** A user's reference whose `release` runs `onRelease` once, however often it is called. */
function refWithRelease(database: SharedDatabase, onRelease: () => Promise<void>): SharedRef {
  let released = false;
  return {
    database,
    async release() {
      if (released) return;
      released = true;
      await onRelease();
    },
  };
}

/** Lets every queued query finish first (FIFO), so destroy never pulls the connection from under one. */
async function closeWhenIdle(database: SharedDatabase): Promise<void> {
  const unlock = await database.acquireToClose();
  try {
    database.close();
  } finally {
    unlock();
  }
}

/** DSN spelling of every connection-level setting, used to name conflicts. */
function connectionSettings(config: DsnConfig): Map<string, unknown> {
  const out = new Map<string, unknown>([
    ['mode', config.mode],
    ['vfs', config.vfs],
    ['immutable', config.immutable],
    ['nolock', config.nolock],
    ['psow', config.psow],
    ['modeof', config.modeof],
    ['_stmt_cache_size', config.stmtCacheSize],
  ]);
  for (const [name, value] of Object.entries(config.pragmas)) out.set(`_${name}`, value);
  return out;
}

function configConflicts(existing: DsnConfig, requested: DsnConfig): RegistryConflictError['conflicts'] {
  const a = connectionSettings(existing);
  const b = connectionSettings(requested);
  const names = new Set([...a.keys(), ...b.keys()]);
  const conflicts: { setting: string; existing: unknown; requested: unknown }[] = [];
  for (const setting of names) {
    if (a.get(setting) !== b.get(setting)) conflicts.push({ setting, existing: a.get(setting), requested: b.get(setting) });
  }
  return conflicts;
}

/** An explicit driver choice (code > DSN > env) must match the driver the shared connection runs on. */
function checkDriver(database: SharedDatabase, config: DsnConfig, options: OpenOptions) {
  const env = options.env ?? process.env;
  const requested = options.driver ?? config.driver ?? (env.SQLITE_DRIVER?.trim().toLowerCase() || 'auto');
  const actual = database.backend.selection.driver;
  if (requested === 'auto' || requested === actual) return undefined;
  return { setting: '_driver', existing: actual, requested };
}
