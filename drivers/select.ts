/**
 * Driver selection: the `driver` option in code beats the DSN's `_driver`, which beats the
 * `SQLITE_DRIVER` environment variable, which beats `auto`. `auto` means native when
 * better-sqlite3 loads in this process, wasm otherwise; the selection says which and why.
 */
import { DualSqliteError } from '../dsn/base-error.js';
import type { DriverChoice, DsnConfig } from '../dsn/types.js';
import { diagnoseLoadFailure, DriverUnavailableError, type DriverAttempt } from './errors.js';
import { loadNative, loadWasm } from './load.js';
import type { DriverName, DriverSelection, DriverSource, OpenBackendOptions } from './types.js';

/** What `auto` tries, in order: the first driver that loads is used. */
const AUTO_ORDER: readonly (readonly [DriverName, () => unknown])[] = [
  ['native', loadNative],
  ['wasm', loadWasm],
];

const CHOICES: readonly DriverChoice[] = ['native', 'wasm', 'auto'];

/**
 * Decides the driver for `config` and loads it. Throws `DriverUnavailableError` when an explicit
 * choice cannot load (or, under `auto`, when neither can), `DRIVER_INVALID_CHOICE` for a bad value.
 */
export function selectDriver(config: DsnConfig, options: OpenBackendOptions = {}): DriverSelection {
  const env = options.env ?? process.env;
  const [choice, source, what] = decide(config, options, env);
  if (choice === 'native') {
    loadNative();
    return freeze('native', source, `${what} chose native`);
  }
  if (choice === 'wasm') {
    loadWasm();
    return freeze('wasm', source, `${what} chose wasm`);
  }
  const skipped: DriverAttempt[] = [];
  let last: unknown;
  for (const [driver, load] of AUTO_ORDER) {
    try {
      load();
    } catch (error) {
      last = error instanceof DriverUnavailableError ? error.cause : error;
      skipped.push(diagnoseLoadFailure(driver, last));
      continue;
    }
    if (skipped.length === 0) return freeze(driver, source, `${what} is auto: ${packageOf(driver)} loaded, using ${driver}`);
    const why = skipped.map((a) => `${a.driver} skipped: ${a.package} failed to load (${a.error}; fix: ${a.fix})`).join('; ');
    return freeze(driver, source, `${what} is auto: ${why}; using ${driver}`, skipped);
  }
  throw new DriverUnavailableError(skipped[skipped.length - 1]!.driver, last, skipped);
}

function packageOf(driver: DriverName): string {
  return driver === 'native' ? 'better-sqlite3' : 'node-sqlite3-wasm';
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
  if ((CHOICES as readonly string[]).includes(value)) return value as DriverChoice;
  throw new DualSqliteError('DRIVER_INVALID_CHOICE', `${where} is "${value}"; use native, wasm or auto`);
}

function freeze(driver: DriverName, source: DriverSource, reason: string, skipped: readonly DriverAttempt[] = []): DriverSelection {
  return Object.freeze({ driver, source, reason, skipped: Object.freeze([...skipped]) });
}
