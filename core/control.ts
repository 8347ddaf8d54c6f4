/**
 * The dialect's own transaction-control statements (BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE).
 * They run through the Kysely connection's `executeQuery`, like Kysely's own SqliteDriver runs
 * them, so Kysely's `log` sees them and a lock wait at BEGIN shows in `queryDurationMillis`.
 * Code that refuses such statements when a user writes them by hand tells them apart here.
 */
import { CompiledQuery } from 'kysely';

const own = new WeakSet<CompiledQuery>();

/** A compiled statement of the dialect's own, e.g. `controlQuery('commit')`. */
export function controlQuery(sql: string): CompiledQuery {
  return markControl(CompiledQuery.raw(sql));
}

/** Marks an already compiled statement (a quoted savepoint command) as the dialect's own. */
export function markControl(query: CompiledQuery): CompiledQuery {
  own.add(query);
  return query;
}

/** True for a statement the dialect itself issued for transaction control, never for user SQL. */
export function isControlQuery(query: CompiledQuery): boolean {
  return own.has(query);
}
