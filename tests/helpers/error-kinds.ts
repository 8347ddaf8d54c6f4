/**
 * The portable error kinds (issue 18), as one table that runs unchanged on SQLite and PostgreSQL:
 * the same schema (built with Kysely's schema builder) and the same failing statements; each
 * engine's test asserts the same `kind` next to its own code.
 */
import { sql, type Kysely } from 'kysely';
import type { ErrorKind } from '../../index.js';

export interface KindDb {
  parent: { id: number };
  child: { id: number; parent_id: number | null; name: string | null; qty: number; email: string | null };
}

/** Creates `parent` and `child` with one constraint of each kind. */
export async function createKindSchema(db: Kysely<KindDb>): Promise<void> {
  await db.schema.createTable('parent').addColumn('id', 'integer', (c) => c.primaryKey()).execute();
  await db.schema
    .createTable('child')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('parent_id', 'integer', (c) => c.references('parent.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('qty', 'integer', (c) => c.notNull().check(sql`qty >= 0`))
    .addColumn('email', 'text', (c) => c.unique())
    .execute();
  await db.insertInto('parent').values({ id: 1 }).execute();
  await db.insertInto('child').values({ id: 1, parent_id: 1, name: 'a', qty: 1, email: 'a@example.com' }).execute();
}

/** [kind, what, a statement that fails with that kind]. */
export const CONSTRAINT_CASES: ReadonlyArray<readonly [ErrorKind, string, (db: Kysely<KindDb>) => Promise<unknown>]> = [
  ['unique', 'a UNIQUE column', (db) => db.insertInto('child').values({ id: 2, parent_id: 1, name: 'b', qty: 1, email: 'a@example.com' }).execute()],
  ['unique', 'the PRIMARY KEY', (db) => db.insertInto('child').values({ id: 1, parent_id: 1, name: 'b', qty: 1, email: 'b@example.com' }).execute()],
  ['foreign_key', 'a FOREIGN KEY', (db) => db.insertInto('child').values({ id: 3, parent_id: 99, name: 'c', qty: 1, email: null }).execute()],
  ['not_null', 'a NOT NULL column', (db) => db.insertInto('child').values({ id: 4, parent_id: 1, name: null, qty: 1, email: null }).execute()],
  ['check', 'a CHECK constraint', (db) => db.insertInto('child').values({ id: 5, parent_id: 1, name: 'e', qty: -1, email: null }).execute()],
];

/** The rejection of `promise` (fails the test when it resolves). */
export async function failure(promise: Promise<unknown>): Promise<Error & { code?: string; kind?: string }> {
  try {
    await promise;
  } catch (e) {
    return e as Error & { code?: string; kind?: string };
  }
  throw new Error('expected a failure, the statement succeeded');
}
