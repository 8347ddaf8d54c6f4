/** Shared parts of the restore tests. */
import { join } from 'node:path';
import { openDatabase, type DualSqliteError } from '../../index.js';
import type { DriverName } from '../../drivers/types.js';
import { tmpDir } from '../helpers/tmp.js';

/** A database holding one row `label`, and a backup of another holding `new`. */
export async function makePair(dsn: (p: string) => string, driver: DriverName) {
  const dir = tmpDir();
  const live = join(dir, 'live.db');
  const old = await openDatabase(dsn(live), { driver });
  await old.execute('create table t (label text)');
  await old.execute("insert into t values ('old')");
  await old.close();
  const other = await openDatabase(join(dir, 'other.db'), { driver });
  await other.execute('create table t (label text)');
  await other.execute("insert into t values ('new')");
  await other.execute('create table extra (x)');
  const { dest } = await other.backup(join(dir, 'backup.db'));
  await other.close();
  return { dir, live, backup: dest };
}

/** The labels in table t. */
export async function labels(dsn: string, driver: DriverName): Promise<string[]> {
  const db = await openDatabase(dsn, { driver });
  try {
    return (await db.execute('select label from t')).rows.map((r) => String(r.label));
  } finally {
    await db.close();
  }
}

/** The rejection of `p` (fails the test when it resolves). */
export async function failure(p: Promise<unknown>): Promise<DualSqliteError & Record<string, unknown>> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e as DualSqliteError & Record<string, unknown>,
  );
}

