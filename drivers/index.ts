/**
 * The drivers layer: the only code that imports better-sqlite3 or node-sqlite3-wasm (lazily,
 * each only when chosen). `openBackend` turns a `DsnConfig` into a synchronous {@link Backend}
 * that behaves the same on both drivers.
 */
export type * from './types.js';
export { openBackend, lockProtocol, checkBeforeOpen } from './open.js';
export { selectDriver } from './select.js';
export { DualBackend } from './backend.js';
export {
  SqliteError,
  DriverUnavailableError,
  SettingNotAppliedError,
  UnsupportedOptionError,
  OpenError,
  StatementError,
  type DriverAttempt,
} from './errors.js';
export { scanSql, type SqlShape } from './sql-scan.js';
export { PRAGMA_ORDER } from './settings.js';
export { FEATURE_PROBES, probeFeatures, type FeatureProbe } from './features.js';
