/**
 * {@link DsnConfig}s for the drivers tests. Defaults come from the real `parseDsn` (so they cannot
 * drift from the DSN layer); overrides then set exactly what a test needs, including paths with
 * characters a DSN would have to encode.
 */
import { parseDsn } from '../../dsn/index.js';
import type { DsnConfig, DsnLocation, PragmaSettings } from '../../dsn/types.js';
import type { DriverName } from '../../drivers/types.js';

/** Overrides for {@link makeConfig}; `pragmas` merge into the defaults. */
export type ConfigOverrides = Partial<Omit<DsnConfig, 'pragmas' | 'location'>> & {
  pragmas?: Partial<PragmaSettings>;
  location?: DsnLocation;
};

/** A config for `path` (a file), or for the given location, on `driver` (`undefined`: not chosen). */
export function makeConfig(driver: DriverName | undefined, where: string | DsnLocation, o: ConfigOverrides = {}): DsnConfig {
  const defaults = parseDsn(':memory:');
  const location: DsnLocation = typeof where === 'string' ? { kind: 'file', path: where } : where;
  const { pragmas, ...rest } = o;
  const { driver: _ignored, ...base } = defaults;
  return {
    ...base,
    location,
    ...(driver ? { driver } : {}),
    ...rest,
    pragmas: { ...defaults.pragmas, ...pragmas },
  };
}

/** `parseDsn(dsn)` with the driver forced to `driver` (the matrix decides the driver, not the DSN). */
export function dsnConfig(driver: DriverName, dsn: string): DsnConfig {
  return { ...parseDsn(dsn), driver };
}
