/** Real temporary folders for real SQLite files; removed when the test process exits. */
import { mkdtempSync, rmSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];
process.on('exit', () => {
  if (process.env.KEEP_TMP) return;
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A fresh, empty, symlink-free temporary directory. */
export function tmpDir(prefix = 'kds-'): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  made.push(dir);
  return dir;
}

/** A path for a database file that does not exist yet, inside a fresh temporary directory. */
export function tmpDbPath(name = 'test.db'): string {
  return join(tmpDir(), name);
}
