/**
 * kysely-dual-sqlite: one Kysely dialect for SQLite on better-sqlite3 or node-sqlite3-wasm,
 * configured by a strictly validated DSN. This file is the whole public API.
 */
export { DualSqliteError } from './dsn/base-error.js';
export * from './dsn/index.js';
export * from './drivers/index.js';
export * from './core/index.js';
