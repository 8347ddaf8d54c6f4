/**
 * Which processes have a file open, from the kernel's own table: the links in `/proc/<pid>/fd`
 * (Linux). A restore must not swap a database under any program that has it open, and only
 * processes using this library leave a claim; the sqlite3 shell, another library or a process
 * that opened the file directly leave none. An idle connection holds no SQLite lock either, so the
 * open file descriptor is the only trace of it. Processes this one may not inspect (another user,
 * without root) are not seen; where `/proc` is missing nothing is seen (docs/scaling.md says so).
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { listFolder } from './files.js';

/** A process that has one of the files open. */
export interface OpenFileHolder {
  readonly pid: number;
  /** The program's name as the kernel has it (`/proc/<pid>/comm`), e.g. `sqlite3`, `node`. */
  readonly program: string;
}

/** The processes (this one included) that have any of `paths` (real paths) open. */
export function processesWithOpen(paths: readonly string[]): OpenFileHolder[] {
  const wanted = new Set(paths);
  const found: OpenFileHolder[] = [];
  for (const entry of listFolder('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fdDir = `/proc/${entry}/fd`;
    for (const fd of listFolder(fdDir)) {
      let target: string;
      try {
        target = readlinkSync(`${fdDir}/${fd}`);
      } catch {
        continue; // closed meanwhile, or not ours to read
      }
      if (!wanted.has(target)) continue;
      found.push({ pid: Number(entry), program: programOf(entry) });
      break;
    }
  }
  return found;
}

function programOf(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return 'unknown';
  }
}
