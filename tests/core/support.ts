/** Shared setup for the core tests: a Kysely on a fresh temp file for one driver. */
import { existsSync } from 'node:fs';
import type { Generated } from 'kysely';
import type { DriverName } from '../../drivers/types.js';
import { createKysely, type CreateKyselyOptions } from '../../core/index.js';
import { tmpDbPath } from '../helpers/tmp.js';

export interface TestDb {
  t: { id: Generated<number>; v: string; n: Generated<number> };
}

/** A DSN for a new file in a fresh temp folder, with extra query options. */
export function tmpDsn(query = ''): { path: string; dsn: string } {
  const path = tmpDbPath();
  return { path, dsn: query ? `file:${path}?${query}` : path };
}

/** A Kysely instance on `dsn` pinned to `driver`, with table `t` created. */
export async function openTestDb(driver: DriverName, dsn: string, options: CreateKyselyOptions = {}) {
  const db = createKysely<TestDb>(dsn, { driver, ...options });
  await db.schema
    .createTable('t')
    .ifNotExists()
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('v', 'text')
    .addColumn('n', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  return db;
}

/** True when the wasm dot-file lock directory of `path` exists. */
export function lockDirExists(path: string): boolean {
  return existsSync(`${path}.lock`);
}

/** Resolves with the rejection of `p`, failing when it resolves. */
export async function rejection(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, the promise resolved');
}
