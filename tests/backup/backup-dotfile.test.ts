// Backup while two writer processes commit: dot-file locking (wasm, native vfs=unix-dotfile).
import { backupWhileWriting } from './backup-while-writing.js';

backupWhileWriting('dot-file locks', (name) => name.startsWith('dotfile'));
