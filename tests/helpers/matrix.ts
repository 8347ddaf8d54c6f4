/**
 * The driver matrix: one call defines a suite once per driver, so every behaviour is asserted by
 * the same test on native and wasm. `SQLITE_DRIVERS=native,wasm` (default both) filters it.
 */
import { suite, type Test } from 'uvu';
import type { DriverName } from '../../drivers/types.js';

const ALL: readonly DriverName[] = ['native', 'wasm'];

/** The drivers selected by `SQLITE_DRIVERS` (comma-separated), default both. */
export function matrixDrivers(env: NodeJS.ProcessEnv = process.env): DriverName[] {
  const raw = env.SQLITE_DRIVERS?.trim();
  if (!raw) return [...ALL];
  const wanted = raw.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  for (const w of wanted) {
    if (!ALL.includes(w as DriverName)) {
      throw new Error(`SQLITE_DRIVERS: unknown driver "${w}"; use a comma-separated list of native, wasm`);
    }
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
