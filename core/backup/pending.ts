/**
 * The restore marker, `<db>.dual-sqlite-restore`: written (durably) before a restore moves any
 * file and removed (durably) after the restored database passed its check in place. While it
 * exists the database may be half swapped, so every open through this library refuses it
 * ({@link RestorePendingError}) except in the restoring process itself; `recoverRestore` finishes
 * or rolls back a restore whose process died.
 */
import { sidePathOf } from '../guard/claims.js';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { liveness, parseOwner, selfOwner, type Owner } from '../guard/identity.js';
import { RestorePendingError } from './errors.js';
import { fsyncDir, fsyncFile, step, sweepDeadTemporaries } from './files.js';

/** What the marker records: who restores, and where the new copy and the old files are. */
export interface RestoreMarker {
  readonly v: 1;
  readonly owner: Owner;
  /** The verified copy of the backup, renamed over the database by the swap. */
  readonly temp: string;
  /** The folder the old database and its side files are moved into. */
  readonly aside: string;
  readonly startedAt: string;
}

/** The marker's path for a database file (real path). */
export function markerPathOf(filename: string): string {
  // shortened like the claims folder when the name would pass the file name limit
  return sidePathOf(filename, '.dual-sqlite-restore');
}

/** The marker, `null` when there is none; an unreadable one counts as left by a dead process. */
export function readMarker(filename: string): RestoreMarker | 'unreadable' | null {
  let text: string;
  try {
    text = readFileSync(markerPathOf(filename), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return 'unreadable';
  }
  try {
    const raw = JSON.parse(text) as Record<string, unknown>;
    const owner = parseOwner(raw.owner);
    if (raw.v !== 1 || !owner || typeof raw.temp !== 'string' || typeof raw.aside !== 'string') return 'unreadable';
    return { v: 1, owner, temp: raw.temp, aside: raw.aside, startedAt: String(raw.startedAt) };
  } catch {
    return 'unreadable';
  }
}

/** Writes the marker under a temporary name, fsyncs it, renames it into place and fsyncs the folder. */
export function writeMarker(filename: string, temp: string, aside: string): RestoreMarker {
  const marker: RestoreMarker = { v: 1, owner: selfOwner(), temp, aside, startedAt: new Date().toISOString() };
  const path = markerPathOf(filename);
  const scratch = `${path}.${process.pid}.tmp`;
  step('writing the restore marker', scratch, () => writeFileSync(scratch, `${JSON.stringify(marker)}\n`, { flag: 'w' }));
  fsyncFile(scratch);
  step('placing the restore marker', path, () => renameSync(scratch, path));
  fsyncDir(dirname(path));
  return marker;
}

/** Removes the marker durably: from then on the database opens normally. */
export function removeMarker(filename: string): void {
  step('removing the restore marker', markerPathOf(filename), () => rmSync(markerPathOf(filename), { force: true }));
  fsyncDir(dirname(filename));
}

/** True when the marker was written by this process (its own restore may open the database). */
export function isOwnMarker(marker: RestoreMarker): boolean {
  const me = selfOwner();
  return marker.owner.pid === me.pid && marker.owner.host === me.host;
}

/**
 * Throws {@link RestorePendingError} when a restore of `filename` has begun and not finished, in
 * another process. Called by every open of a file database (one failed `open()` when there is none).
 * With no marker, the copy a restore killed before writing its marker left beside the database is
 * removed here (once its process is proven gone), so an interrupted restore leaves no file behind
 * even when nobody calls `recoverRestore`.
 */
export function assertNoPendingRestore(filename: string): void {
  const marker = readMarker(filename);
  if (marker === null) {
    sweepDeadTemporaries(filename, 'restore');
    return;
  }
  if (marker === 'unreadable') throw new RestorePendingError(filename, 0, false);
  if (isOwnMarker(marker)) return;
  throw new RestorePendingError(filename, marker.owner.pid, liveness(marker.owner) !== 'dead');
}
