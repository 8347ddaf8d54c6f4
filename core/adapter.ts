import { SqliteAdapter, type DatabaseConnection, type Kysely, type MigrationLockOptions } from 'kysely';
import { DualSqliteConnection } from './connection.js';

/**
 * Kysely's SQLite adapter, with three answers of its own:
 * - "multiple connections: yes". The driver serializes access itself (one FIFO lock per file,
 *   shared by every dialect in the process). Kysely 0.29 would otherwise wrap the driver in its
 *   own per-instance mutex, and a misused outer `db` inside a transaction callback would then
 *   hang on that mutex before the driver could detect the misuse; it also would not serialize two
 *   Kysely instances on one file, which our lock does.
 * - "transactional DDL: yes" (SQLite has it), so Kysely's Migrator runs a whole migration run
 *   in one transaction: a crash anywhere inside it rolls the run back like any transaction.
 * - the migration lock is SQLite's write lock: acquiring it makes the migration transaction
 *   begin IMMEDIATE and announces the run to other processes (see DualSqliteConnection
 *   .enterMigration), so migrators in several processes queue on the lock and each reads the
 *   migration state only once it holds the lock. See docs/migrations.md.
 */
export class DualSqliteAdapter extends SqliteAdapter {
  // kysely 0.29 declares this member (so its types require `override`), 0.28 does not (so its
  // types forbid it); the package builds against either.
  // @ts-ignore TS4114 with kysely 0.29 types
  get supportsMultipleConnections(): boolean {
    return true;
  }

  override get supportsTransactionalDdl(): boolean {
    return true;
  }

  override async acquireMigrationLock(db: Kysely<any>, _options: MigrationLockOptions): Promise<void> {
    await withOwnConnection(db, (connection) => connection.enterMigration());
  }

  override async releaseMigrationLock(db: Kysely<any>, _options: MigrationLockOptions): Promise<void> {
    await withOwnConnection(db, (connection) => connection.leaveMigration());
  }
}

/**
 * The Migrator hands the adapter a Kysely bound to one connection (or to a transaction): ask its
 * executor for that connection. Another dialect's connection (an adapter reused elsewhere) is
 * left alone.
 */
async function withOwnConnection(db: Kysely<any>, use: (connection: DualSqliteConnection) => void): Promise<void> {
  await db.getExecutor().provideConnection(async (connection: DatabaseConnection) => {
    if (connection instanceof DualSqliteConnection) use(connection);
  });
}
