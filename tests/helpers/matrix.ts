/**
 * The driver matrix: one call defines a suite once per driver, so every behaviour is asserted by
 * the same test on every driver. `SQLITE_DRIVERS=native,node,wasm` filters it; the default is
 * every driver this Node has (`node:sqlite` does not exist on Node 20: its suites are skipped there
 * with one printed line, while naming `node` in SQLITE_DRIVERS on Node 20 fails loudly).
 */
import { createRequire } from 'node:module';
import { suite, type Test } from 'uvu';
import type { DriverName } from '../../drivers/types.js';
import { DRIVER_NAMES } from '../../dsn/types.js';

const ALL: readonly DriverName[] = DRIVER_NAMES;

/** True when this Node has `node:sqlite` (Node 22.13+ without a flag). */
export function hasNodeSqlite(): boolean {
  try {
    return createRequire(import.meta.url)('node:module').isBuiltin('node:sqlite') as boolean;
  } catch {
    return false;
  }
}

let skipNoted = false;

/** The drivers selected by `SQLITE_DRIVERS` (comma-separated), default every available one. */
export function matrixDrivers(env: NodeJS.ProcessEnv = process.env): DriverName[] {
  const raw = env.SQLITE_DRIVERS?.trim();
  if (!raw) {
    if (hasNodeSqlite()) return [...ALL];
    if (!skipNoted) {
      skipNoted = true;
      console.log(`matrix: driver "node" skipped: node:sqlite does not exist in Node ${process.version} (needs 22.13+)`);
    }
    return ALL.filter((d) => d !== 'node');
  }
  const wanted = raw.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  for (const w of wanted) {
    if (!ALL.includes(w as DriverName)) {
      throw new Error(`SQLITE_DRIVERS: unknown driver "${w}"; use a comma-separated list of ${ALL.join(', ')}`);
    }
  }
  if (wanted.includes('node') && !hasNodeSqlite()) {
    throw new Error(`SQLITE_DRIVERS names "node", but node:sqlite does not exist in Node ${process.version}; run on Node 22.13+ or drop it`);
  }
  return ALL.filter((d) => wanted.includes(d));
}

/**
 * Defines and runs `define` once per selected driver, as suites named `name [driver]`.
 * Context fields set in `before` hooks are per driver.
 */
export function matrix<T extends object = Record<string, never>>(
  name: string,
  define: (test: Test<T>, driver: DriverName) => void,
  context?: () => T,
): void {
  for (const driver of matrixDrivers()) {
    const s = suite<T>(`${name} [${driver}]`, context ? context() : ({} as T));
    define(s, driver);
    s.run();
  }
}

/** True for the drivers on SQLite's unix VFS (native, node): POSIX locks by default, URI parameters taken. */
export function onUnixVfs(driver: DriverName): boolean {
  return driver !== 'wasm';
}

/** DSN overrides that make `driver` lock with `<db>.lock` directories (wasm always does). */
export function dotfileLocking(driver: DriverName): { vfs?: string } {
  return onUnixVfs(driver) ? { vfs: 'unix-dotfile' } : {};
}

/** A driver whose default lock protocol differs from `driver`'s (POSIX vs dot-file). */
export function otherProtocolDriver(driver: DriverName): DriverName {
  return onUnixVfs(driver) ? 'wasm' : 'native';
}
