/**
 * Real file-system places for the error tests: a small tmpfs (disk full, read-only mount) and
 * opening as an unprivileged user (root bypasses permissions, so "a directory this process
 * cannot write" needs a real other uid). Both need root; CI runs as root.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../../core/index.js';
import { loadNative, loadWasm } from '../../drivers/load.js';
import type { DriverName } from '../../drivers/types.js';
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

/**
 * Opens `dsn` on `driver` and runs `sqls` with this process's effective user and group switched
 * to {@link OTHER_UID} (seteuid: the real uid stays root, so the switch is undone afterwards).
 * In process rather than in a child, so it works wherever the checkout and the Node binary live
 * (a child running as another user could not read them under /root). Both drivers are loaded
 * before the switch: loading is not what is tested.
 */
export async function openAsOtherUser(dsn: string, driver: DriverName, sqls: readonly string[]): Promise<Outcome> {
  loadNative();
  loadWasm();
  const groups = process.getgroups!();
  process.setgroups!([OTHER_GID]);
  process.setegid!(OTHER_GID);
  process.seteuid!(OTHER_UID);
  try {
    const results: NonNullable<Outcome['results']>[number][] = [];
    let db: Awaited<ReturnType<typeof openDatabase>>;
    try {
      db = await openDatabase(dsn, { driver });
    } catch (e) {
      return { opened: false, error: describe(e) };
    }
    try {
      for (const sql of sqls) {
        try {
          results.push({ rows: (await db.execute(sql)).rows });
        } catch (e) {
          results.push({ error: describe(e) });
        }
      }
    } finally {
      await db.close();
    }
    return { opened: true, results };
  } finally {
    process.seteuid!(0);
    process.setegid!(0);
    process.setgroups!(groups);
  }
}

function describe(e: unknown): { code?: string; message?: string; cause?: string } {
  const err = e as { code?: string; message?: string; cause?: { code?: string } };
  return { code: err.code, message: err.message, cause: err.cause?.code };
}
