/**
 * Loads `pg`, the PostgreSQL client: an optional peer dependency, so it is imported on first use
 * only (a SQLite-only application never needs it installed).
 */
import { PgUnavailableError } from './errors.js';

/** The parts of the `pg` module this adapter uses. */
export interface PgModule {
  readonly Pool: new (config: Record<string, unknown>) => PgPool;
}

/** The parts of `pg.Pool` this adapter uses. */
export interface PgPool {
  connect(): Promise<PgClient>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** The parts of a pooled `pg.Client` this adapter uses. */
export interface PgClient {
  query(...args: unknown[]): unknown;
  release(destroy?: boolean | Error): void;
}

let loaded: Promise<PgModule> | undefined;

/** `pg`, or `PG_UNAVAILABLE` naming the package and the install command. */
export function loadPg(specifier = 'pg'): Promise<PgModule> {
  if (specifier !== 'pg') return importPg(specifier);
  loaded ??= importPg(specifier);
  return loaded;
}

async function importPg(specifier: string): Promise<PgModule> {
  try {
    const mod = (await import(specifier)) as { default?: PgModule } & Partial<PgModule>;
    const pg = mod.default ?? (mod as PgModule);
    if (typeof pg.Pool !== 'function') throw new Error(`"${specifier}" has no Pool export`);
    return pg;
  } catch (cause) {
    if (specifier === 'pg') loaded = undefined; // an install while the process runs can still help
    throw new PgUnavailableError(cause);
  }
}
