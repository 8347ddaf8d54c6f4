/**
 * kysely-dual-sqlite: one Kysely dialect for SQLite on better-sqlite3 or node-sqlite3-wasm,
 * configured by a strictly validated DSN. This file is the whole public API.
 */
export { DualSqliteError, ERROR_KINDS, errorKind, type ErrorKind } from './dsn/base-error.js';
export * from './dsn/index.js';
export * from './drivers/index.js';
export * from './core/index.js';
export * from './postgres/index.js';
// Beats core's SQLite-only createKysely of the same name (an explicit export wins over export *).
export { createKysely } from './front-door.js';
