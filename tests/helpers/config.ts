/**
 * Hand-built {@link DsnConfig}s for the drivers tests, with the library defaults filled in, so the
 * drivers layer is tested on exactly the config it receives (not on DSN parsing).
 */
import type { DsnConfig, DsnLocation, PragmaSettings } from '../../dsn/types.js';
import type { DriverName } from '../../drivers/types.js';

/** Overrides for {@link makeConfig}; `pragmas` merge into the defaults. */
export type ConfigOverrides = Partial<Omit<DsnConfig, 'pragmas' | 'location'>> & {
  pragmas?: Partial<PragmaSettings>;
  location?: DsnLocation;
};

/** A config for `path` (a file), or for the given location, on `driver`. */
export function makeConfig(driver: DriverName | undefined, where: string | DsnLocation, o: ConfigOverrides = {}): DsnConfig {
  const location: DsnLocation = typeof where === 'string' ? { kind: 'file', path: where } : where;
  const { pragmas, ...rest } = o;
  return {
    location,
    mode: 'rwc',
    ...(driver ? { driver } : {}),
    txlock: 'immediate',
    busyTimeout: 5000,
    stmtCacheSize: 128,
    immutable: false,
    nolock: false,
    ...rest,
    pragmas: { synchronous: 'full', foreign_keys: true, temp_store: 'memory', cache_size: -16000, ...pragmas },
  };
}
