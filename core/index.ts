/** The core layer: the Kysely dialect, the per-file connection registry and the async handle. */
export { DualSqliteDialect } from './dialect.js';
export { DualSqliteAdapter } from './adapter.js';
export { DualSqliteDriver } from './driver.js';
export { DualSqliteConnection } from './connection.js';
export { createKysely, type CreateKyselyOptions } from './create-kysely.js';
export { openDatabase, backupDatabase, DualSqliteDatabase } from './database.js';
export { registryKey, registeredUsers } from './registry.js';
export type { DualSqliteDialectConfig, DualSqliteOpenOptions, DualSqliteLogEvent, DualSqliteLogger } from './dialect-config.js';
export {
  TransactionMisuseError,
  StreamMisuseError,
  AcquireTimeoutError,
  RegistryConflictError,
  ReadOnlyTransactionError,
  DatabaseClosedError,
  InvalidOptionError,
  UpdateDeleteLimitError,
  RawTransactionControlError,
  StatementInTransactionError,
  JournalModeChangeError,
  TransactionAbortedError,
  MigrationWaitTimeoutError,
} from './errors.js';
export { DEFAULT_MIGRATION_TIMEOUT_MS } from './migration-wait.js';
export { MixedLockingError, MixedSqliteCopiesError, SideFileError, recoverStaleLockAt } from './guard/index.js';
export * from './backup/index.js';
