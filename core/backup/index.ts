/**
 * Backup and restore (issue 15), the public part: everything here is exported from the package
 * root. The design and its limits are in docs/scaling.md. Internal pieces (`backupShared`, which
 * the database handle's `backup()` uses, and `assertNoPendingRestore`, which opening uses) are
 * imported from their own modules.
 */
export { restoreDatabase, recoverRestore, restoreStatus, type RestoreStatus, type RestoreOptions, type RestoreResult, type RecoveryOutcome } from './restore.js';
export { type RestorePhase } from './pending.js';
export { type BackupOptions, type BackupProgress, type BackupResult } from './backup.js';
export { verifyDatabaseFile as verifyBackup, type VerifiedFile } from './verify.js';
export {
  BackupDestinationError,
  BackupVerificationError,
  BackupIoError,
  BackupNotFoundError,
  BackupNotAFileError,
  RestoreInUseError,
  RestoreBackupIsDatabaseError,
  RestorePendingError,
  RestoreFailedError,
  RestoreInterruptedError,
  RestoreMarkerUnreadableError,
} from './errors.js';
