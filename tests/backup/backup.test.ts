// Backup while two writer processes commit: POSIX locks in rollback-journal mode and WAL mode.
import { backupWhileWriting } from './backup-while-writing.js';

backupWhileWriting('posix locks', (name) => name.startsWith('posix'));
