/**
 * The checks a copy must pass before it is put in place: the 100-byte header read from disk
 * (magic string, page size, the page count it promises against the file size), then the file
 * opened read-only on the chosen driver: `PRAGMA page_count` against the size and a whole-file
 * `PRAGMA integrity_check`.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { lockProtocol, openBackend } from '../../drivers/index.js';
import type { Backend, DriverName } from '../../drivers/types.js';
import { createGuard, type LockGuard } from '../guard/index.js';
import { isBusyError, retryOnBusy } from '../busy-retry.js';
import { parseDsn } from '../../dsn/index.js';
import type { DsnConfig } from '../../dsn/types.js';
import { BackupNotFoundError, BackupVerificationError } from './errors.js';
import { sweepDeadTemporariesOf } from './files.js';

/** What the checks found in a sound copy. */
export interface VerifiedFile {
  /** Size in bytes. */
  readonly bytes: number;
  /** Pages, from `PRAGMA page_count` (equal to bytes / pageSize). */
  readonly pages: number;
  /** Bytes per page. */
  readonly pageSize: number;
  /** `'ok'`: `PRAGMA integrity_check` found nothing wrong in the whole file. */
  readonly integrity: 'ok';
  /** True when the header says WAL mode (bytes 18/19 = 2): the wasm driver cannot open it. */
  readonly walHeader: boolean;
}

const MAGIC = 'SQLite format 3\0';

/**
 * Checks `file` and resolves to what it found, or rejects with {@link BackupVerificationError}
 * listing every problem. The file is opened read-only with `driver`, so a copy is proven readable
 * by the driver that will use it. Opening waits on the event loop while another process holds the
 * file's lock, up to `busyTimeoutMs` (default: the DSN default `_busy_timeout`, 5000 ms), clearing
 * a lock whose owner is proven dead; past that it rejects with `SQLITE_BUSY` (the file may be
 * sound), not with a verification error.
 */
export async function verifyDatabaseFile(file: string, driver: DriverName, busyTimeoutMs?: number): Promise<VerifiedFile> {
  // a backup into this file killed before removing its temporary name left a second hard link
  sweepDeadTemporariesOf(file, 'backup');
  const header = checkHeader(file);
  const config = readOnlyConfig(file, driver);
  // The check takes SQLite's lock like any reader, so it announces itself like one: a verifier
  // killed while holding a dot-file lock (wasm) is then proven dead and its lock cleared by the
  // next opener, instead of leaving the backup unreadable for good.
  const guard = createGuard({ filename: file, driver, lockProtocol: lockProtocol(config, driver), readOnly: true, exclusiveLocking: false });
  try {
    const wait = (doing: string) => ({
      timeoutMs: busyTimeoutMs ?? config.busyTimeout,
      retrySafe: true,
      sql: '',
      subject: `cannot ${doing} "${file}" to verify it (the file itself may be sound)`,
      explain: () => guard.explainBusy(),
      onWait: () => void guard.recoverStaleLock(),
    });
    const backend = await retryOnBusy(() => marked(guard, () => openForCheck(file, driver, config)), wait('open'));
    try {
      return await retryOnBusy(() => marked(guard, () => checkContents(file, backend, header)), wait('read'));
    } finally {
      backend.close();
    }
  } finally {
    // Also removes the claims folder this check created (a backup's temporary copy is renamed
    // away after the check, which would strand it).
    guard.abandon();
  }
}

/** Runs `work` with the claim marked as possibly holding SQLite's lock. */
function marked<T>(guard: LockGuard, work: () => T): T {
  guard.enter();
  try {
    return work();
  } finally {
    guard.exit();
  }
}

/** One open attempt; SQLITE_BUSY is left for the wait to retry. */
function openForCheck(file: string, driver: DriverName, config: DsnConfig): Backend {
  try {
    return openBackend(config, { driver, sqliteBusyTimeout: 0 });
  } catch (error) {
    if (isBusyError(error)) throw error;
    throw new BackupVerificationError(file, [`it does not open read-only on the ${driver} driver: ${describe(error)}`], error);
  }
}

function checkContents(file: string, backend: Backend, header: { bytes: number; pageSize: number; walHeader: boolean }): VerifiedFile {
  try {
    const problems: string[] = [];
    const integrity = firstColumn(backend, 'pragma integrity_check');
    if (!(integrity.length === 1 && integrity[0] === 'ok')) problems.push(...integrity.slice(0, 20).map((r) => `integrity_check: ${r}`));
    const pages = Number(firstColumn(backend, 'pragma page_count')[0]);
    if (pages * header.pageSize !== header.bytes) {
      problems.push(`page_count ${pages} x page size ${header.pageSize} = ${pages * header.pageSize} bytes, but the file has ${header.bytes}`);
    }
    if (problems.length > 0) throw new BackupVerificationError(file, problems);
    return Object.freeze({ bytes: header.bytes, pages, pageSize: header.pageSize, integrity: 'ok', walHeader: header.walHeader });
  } catch (error) {
    if (error instanceof BackupVerificationError || isBusyError(error)) throw error;
    throw new BackupVerificationError(file, [`the check itself failed: ${describe(error)}`], error);
  }
}

/** The header's promises, checked against the file size. */
function checkHeader(file: string): { bytes: number; pageSize: number; walHeader: boolean } {
  let bytes: number;
  const head = Buffer.alloc(100);
  let read = 0;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new BackupVerificationError(file, ['it is not a regular file']);
    bytes = st.size;
    const fd = openSync(file, 'r');
    try {
      read = readSync(fd, head, 0, 100, 0);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if (error instanceof BackupVerificationError) throw error;
    if ((error as { code?: string }).code === 'ENOENT') throw new BackupNotFoundError(file, error);
    throw new BackupVerificationError(file, [`it cannot be read: ${describe(error)}`], error);
  }
  if (read < 100) throw new BackupVerificationError(file, [`it has ${bytes} bytes, less than the 100-byte SQLite header`]);
  if (head.toString('latin1', 0, 16) !== MAGIC) throw new BackupVerificationError(file, ['it does not start with "SQLite format 3"']);
  const raw = head.readUInt16BE(16);
  const pageSize = raw === 1 ? 65536 : raw;
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) throw new BackupVerificationError(file, [`the header's page size ${raw} is not a power of two from 512 to 65536`]);
  const problems: string[] = [];
  if (bytes % pageSize !== 0) problems.push(`the size ${bytes} is not a whole number of ${pageSize}-byte pages`);
  // The header's page count is valid only when "version-valid-for" equals the change counter.
  const headerPages = head.readUInt32BE(92) === head.readUInt32BE(24) ? head.readUInt32BE(28) : null;
  if (headerPages !== null && headerPages * pageSize !== bytes) {
    problems.push(`the header promises ${headerPages} pages (${headerPages * pageSize} bytes), the file has ${bytes} bytes`);
  }
  if (problems.length > 0) throw new BackupVerificationError(file, problems);
  return { bytes, pageSize, walHeader: head[18] === 2 || head[19] === 2 };
}

function readOnlyConfig(file: string, driver: DriverName): DsnConfig {
  const defaults = parseDsn(':memory:');
  return Object.freeze({ ...defaults, location: { kind: 'file' as const, path: file }, mode: 'ro' as const, driver });
}

function firstColumn(backend: Backend, sql: string): string[] {
  return backend.execute(sql, []).rows.map((r) => String(Object.values(r)[0]));
}

function describe(error: unknown): string {
  const e = error as { code?: string; message?: string };
  return `${e?.code ? `[${e.code}] ` : ''}${e?.message ?? String(error)}`;
}
