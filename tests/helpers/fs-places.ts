/**
 * Real file-system places for the error tests: a small tmpfs (disk full, read-only mount) and a
 * process running as an unprivileged user (root bypasses permissions, so "a directory this
 * process cannot write" needs a real other uid). Both need root; CI runs as root.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpDir } from './tmp.js';

/** The unprivileged user and group the tests run children as (`nobody` on Debian). */
export const OTHER_UID = 65534;
export const OTHER_GID = 65534;

/** Why the tests that need root cannot run here, or undefined when they can. */
export function rootSkipReason(): string | undefined {
  return process.getuid?.() === 0 ? undefined : 'not running as root: tmpfs mounts and other-user processes need root (CI runs as root)';
}

/** Mounts a tmpfs of `size` (e.g. '1m') on a fresh folder, runs `fn`, always unmounts. */
export async function withTmpfs<T>(size: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = join(tmpDir('kds-tmpfs-'), 'mnt');
  mkdirSync(dir);
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  try {
    return await fn(dir);
  } finally {
    execFileSync('umount', ['-l', dir]);
    rmdirSync(dir);
  }
}

/** Remounts the tmpfs at `dir` read-only. */
export function remountReadOnly(dir: string): void {
  execFileSync('mount', ['-o', 'remount,ro', dir]);
}

/** What the open-and-run fixture reports. */
export interface Outcome {
  readonly opened: boolean;
  readonly error?: { code?: string; message?: string; cause?: string };
  readonly results?: readonly { rows?: unknown[]; error?: { code?: string; message?: string; cause?: string } }[];
}

const fixture = fileURLToPath(new URL('../safety/fixtures/open-and-run.ts', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));

/** Opens `dsn` on `driver` in a child process running as {@link OTHER_UID}, runs `sqls`. */
export function openAsOtherUser(dsn: string, driver: string, sqls: readonly string[]): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, dsn, driver, ...sqls], {
      cwd: root,
      uid: OTHER_UID,
      gid: OTHER_GID,
      env: { ...process.env, HOME: '/tmp', TSX_TSCONFIG_PATH: join(root, 'tsconfig.json') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as Outcome);
      } catch {
        reject(new Error(`child exited ${code} without a result: ${out}\n${err}`));
      }
    });
  });
}
