/**
 * What the SQLite build behind one connection can parse, found by trying it once at open.
 * `pragma compile_options` cannot answer this: node-sqlite3-wasm's build lists
 * ENABLE_UPDATE_DELETE_LIMIT although its parser (generated without the option) rejects
 * `DELETE ... LIMIT`. Probing the parser works the same for every driver, present or future.
 */
import type { DriverConnection } from './connection.js';
import type { BackendCapabilities } from './types.js';

// Never stepped, only prepared: a build without the grammar stops at the parser with a syntax
// error; a build with it gets past the parser (to "no such table", or success if such a table exists).
const UPDATE_DELETE_LIMIT_PROBE = 'delete from "dual_sqlite_capability_probe" order by 1 limit 1';

/** Probes `conn`'s parser. SQLite errors other than the syntax error (e.g. SQLITE_BUSY) are thrown. */
export function detectCapabilities(conn: DriverConnection): BackendCapabilities {
  return Object.freeze({ updateDeleteLimit: parses(conn, UPDATE_DELETE_LIMIT_PROBE) });
}

function parses(conn: DriverConnection, sql: string): boolean {
  try {
    conn.prepare(sql).finalize();
    return true;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/syntax error/i.test(message)) return false;
    if (/no such table/i.test(message)) return true;
    throw error;
  }
}
