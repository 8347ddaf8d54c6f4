/**
 * Kysely's Migrator and FileMigrationProvider from wherever the installed kysely exports them:
 * 0.28 from `kysely`, 0.29 from `kysely/migration` (the root no longer exports them). The Node
 * matrix runs the suite on both.
 */
import type { FileMigrationProvider as FileMigrationProviderClass, Migrator as MigratorClass } from 'kysely';

const SUBPATH = 'kysely/migration'; // a variable: 0.28's types have no such subpath
const root = (await import('kysely')) as Record<string, unknown>;
const source = typeof root.Migrator === 'function' ? root : ((await import(SUBPATH)) as Record<string, unknown>);

/** Kysely's `Migrator` class. */
export const Migrator = source.Migrator as typeof MigratorClass;
/** Kysely's `FileMigrationProvider` class. */
export const FileMigrationProvider = source.FileMigrationProvider as typeof FileMigrationProviderClass;
