/** Backup and restore (issue 15): the design and its limits are in docs/scaling.md. */
export { backupShared, type BackupOptions, type BackupProgress, type BackupResult } from './backup.js';
export { restoreDatabase, recoverRestore, type RestoreOptions, type RestoreResult, type RecoveryOutcome } from './restore.js';
export { verifyDatabaseFile as verifyBackup, type VerifiedFile } from './verify.js';
export { assertNoPendingRestore } from './pending.js';
export {
  BackupDestinationError,
  BackupVerificationError,
  BackupIoError,
  BackupNotAFileError,
  RestoreInUseError,
  RestorePendingError,
  RestoreFailedError,
} from './errors.js';
