/**
 * The one warning for a driver `auto` had to skip. The failure is process-wide (a native addon
 * that did not load is not retried), so it is logged once per process, to the logger of the first
 * dialect or handle that opened a database after it, and stays readable on `selection.reason`.
 */
import type { DriverSelection } from '../drivers/types.js';
import type { DualSqliteLogger } from './dialect-config.js';

let warned = false;

/** Logs `driver-fallback` (level `warn`) the first time a selection skipped a driver. */
export function warnDriverFallback(selection: DriverSelection, log: DualSqliteLogger): void {
  if (warned || selection.skipped.length === 0) return;
  warned = true;
  try {
    log({ level: 'warn', event: 'driver-fallback', message: selection.reason });
  } catch {
    // A throwing logger must not fail the open.
  }
}
