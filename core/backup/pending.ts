/**
 * The restore marker, `<db>.dual-sqlite-restore`: written (durably) before a restore moves any
 * file and removed (durably) after the restored database passed its check in place. While it
 * exists the database may be half swapped, so every open through this library refuses it
 * ({@link RestorePendingError}) except in the restoring process itself; `recoverRestore` finishes
 * or rolls back a restore whose process died.
 */
import { sidePathOf } from '../guard/claims.js';
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { liveness, parseOwner, selfOwner, type Owner } from '../guard/identity.js';
import { RestorePendingError } from './errors.js';
import { fsyncDir, fsyncFile, isAlive, step, sweepDeadTemporaries } from './files.js';

/**
 * Where a restore is, recorded in the marker before each step that could not be undone by looking
 * at the files alone (a crash between two steps leaves the marker at the earlier phase):
 * - `moving`: old files are being moved aside and the copy renamed over the database; nothing new
 *   has been opened. Recovery puts every old file back (the database file last).
 * - `swapped`: the copy has the database's name and every old file is aside. Recovery checks the
 *   copy and commits it, or rolls back.
 * - `rolling-back`: every file at the database's names is new and is being removed; then the
 *   marker goes back to `moving` and the old files return.
 * - `committed`: the copy passed its check; the old files are being deleted (or kept in `keep`).
 *   Recovery only finishes that: it never rolls back from here.
 */
export type RestorePhase = 'moving' | 'swapped' | 'rolling-back' | 'committed';

const PHASES: readonly RestorePhase[] = ['moving', 'swapped', 'rolling-back', 'committed'];

/** What the marker records: who restores, where the new copy and the old files are, and the phase. */
export interface RestoreMarker {
  readonly v: 2;
  readonly owner: Owner;
  /** The verified copy of the backup, renamed over the database by the swap. */
  readonly temp: string;
  /** The folder the old database and its side files are moved into. */
  readonly aside: string;
  /** Whether a database file existed before the restore (else nothing goes back in its place). */
  readonly existed: boolean;
  /** Where the old files go once the restore is committed (`keepOld`), or `null` to delete them. */
  readonly keep: string | null;
  readonly phase: RestorePhase;
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
    const phase = PHASES.find((p) => p === raw.phase);
    if (raw.v !== 2 || !owner || !phase || typeof raw.temp !== 'string' || typeof raw.aside !== 'string') return 'unreadable';
    if (typeof raw.existed !== 'boolean' || !(raw.keep === null || typeof raw.keep === 'string')) return 'unreadable';
    return { v: 2, owner, temp: raw.temp, aside: raw.aside, existed: raw.existed, keep: raw.keep, phase, startedAt: String(raw.startedAt) };
  } catch {
    return 'unreadable';
  }
}

/** Writes the first marker of a restore (phase `moving`), durably. */
export function writeMarker(filename: string, fields: Pick<RestoreMarker, 'temp' | 'aside' | 'existed' | 'keep'>): RestoreMarker {
  const marker: RestoreMarker = { v: 2, owner: selfOwner(), ...fields, phase: 'moving', startedAt: new Date().toISOString() };
  store(filename, marker);
  return marker;
}

/** Moves the marker to `phase`, durably; returns the new marker. */
export function advanceMarker(filename: string, marker: RestoreMarker, phase: RestorePhase): RestoreMarker {
  if (marker.phase === phase) return marker;
  const next = { ...marker, phase };
  store(filename, next);
  return next;
}

/** Writes under a temporary name, fsyncs it, renames it into place and fsyncs the folder: never half. */
function store(filename: string, marker: RestoreMarker): void {
  const path = markerPathOf(filename);
  const scratch = `${path}.${process.pid}.tmp`;
  step('writing the restore marker', scratch, () => writeFileSync(scratch, `${JSON.stringify(marker)}\n`, { flag: 'w' }));
  fsyncFile(scratch);
  step('placing the restore marker', path, () => renameSync(scratch, path));
  fsyncDir(dirname(path));
}

/** Removes the marker durably (from then on the database opens normally), and scratch copies of it left by dead processes. */
export function removeMarker(filename: string): void {
  const path = markerPathOf(filename);
  step('removing the restore marker', path, () => rmSync(path, { force: true }));
  const scratch = new RegExp(`^${escapeRegExp(basename(path))}\\.(\\d+)\\.tmp$`);
  for (const name of safeList(dirname(path))) {
    const m = scratch.exec(name);
    if (m && (Number(m[1]) === process.pid || !isAlive(Number(m[1])))) rmSync(join(dirname(path), name), { force: true });
  }
  fsyncDir(dirname(filename));
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
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
