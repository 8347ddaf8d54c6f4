/**
 * Driver selection: the `driver` option in code beats the DSN's `_driver`, which beats the
 * `SQLITE_DRIVER` environment variable, which beats `auto`. `auto` takes the first of native
 * (better-sqlite3), node (`node:sqlite`) and wasm that loads in this process; the selection's
 * reason names each driver it skipped and why.
 */
import { DualSqliteError } from '../dsn/base-error.js';
import { DRIVER_CHOICES, DRIVER_NAMES, type DriverChoice, type DsnConfig } from '../dsn/types.js';
import { diagnoseLoadFailure, DriverUnavailableError, type DriverAttempt } from './errors.js';
import { loadNative, loadNode, loadWasm } from './load.js';
import type { DriverName, DriverSelection, DriverSource, OpenBackendOptions } from './types.js';

/** Loads each driver's binding (throws `DriverUnavailableError`), and names it for people. */
const LOADERS: Readonly<Record<DriverName, { load(): unknown; binding: string }>> = {
  native: { load: loadNative, binding: 'better-sqlite3' },
  node: { load: loadNode, binding: 'node:sqlite' },
  wasm: { load: loadWasm, binding: 'node-sqlite3-wasm' },
};

/**
 * Decides the driver for `config` and loads it. Throws `DriverUnavailableError` when an explicit
 * choice cannot load (or, under `auto`, when none can: the error of the last, wasm),
 * `DRIVER_INVALID_CHOICE` for a bad value.
 */
export function selectDriver(config: DsnConfig, options: OpenBackendOptions = {}): DriverSelection {
  const env = options.env ?? process.env;
  const [choice, source, what] = decide(config, options, env);
  if (choice !== 'auto') {
    LOADERS[choice].load();
    return freeze(choice, source, `${what} chose ${choice}`);
  }
  const skipped: DriverAttempt[] = [];
  let last: unknown;
  for (const driver of DRIVER_NAMES) {
    const { load, binding } = LOADERS[driver];
    try {
      load();
    } catch (e) {
      last = e instanceof DriverUnavailableError ? e.cause : e;
      skipped.push(diagnoseLoadFailure(driver, last));
      continue;
    }
    if (skipped.length === 0) return freeze(driver, source, `${what} is auto: ${binding} loaded, using ${driver}`);
    const why = skipped.map((a) => `${a.driver} skipped: ${a.package} failed to load (${a.error}; fix: ${a.fix})`).join('; ');
    return freeze(driver, source, `${what} is auto: ${why}; using ${driver}`, skipped);
  }
  throw new DriverUnavailableError(skipped[skipped.length - 1]!.driver, last, skipped);
}

function decide(
  config: DsnConfig,
  options: OpenBackendOptions,
  env: Readonly<Record<string, string | undefined>>,
): [DriverChoice, DriverSource, string] {
  if (options.driver !== undefined) return [check(options.driver, 'the driver option'), 'code', 'the driver option in code'];
  if (config.driver !== undefined) return [check(config.driver, 'the DSN\'s _driver'), 'dsn', 'the DSN\'s _driver'];
  const fromEnv = env.SQLITE_DRIVER?.trim();
  if (fromEnv) return [check(fromEnv.toLowerCase(), 'SQLITE_DRIVER'), 'env', 'SQLITE_DRIVER'];
  return ['auto', 'auto', 'nothing chose a driver, so the default'];
}

function check(value: string, where: string): DriverChoice {
  if ((DRIVER_CHOICES as readonly string[]).includes(value)) return value as DriverChoice;
  throw new DualSqliteError('DRIVER_INVALID_CHOICE', `${where} is "${value}"; use ${orList(DRIVER_CHOICES)}`);
}

function orList(items: readonly string[]): string {
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

function freeze(driver: DriverName, source: DriverSource, reason: string, skipped: readonly DriverAttempt[] = []): DriverSelection {
  return Object.freeze({ driver, source, reason, skipped: Object.freeze([...skipped]) });
}
