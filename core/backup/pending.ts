/**
 * The restore marker, `<db>.dual-sqlite-restore`: written (durably) before a restore moves any
 * file and removed (durably) after the restored database passed its check in place. While it
 * exists the database may be half swapped, so every open through this library refuses it
 * ({@link RestorePendingError}) except in the restoring process itself; `recoverRestore` finishes
 * or rolls back a restore whose process died.
 */
import { sidePathOf } from '../guard/claims.js';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { liveness, parseOwner, sameOwner, selfOwner, type Owner } from '../guard/identity.js';
import { RestorePendingError } from './errors.js';
import { fsyncDir, fsyncFile, isAlive, listFolder, removeQuietly, step, sweepDeadTemporariesOf } from './files.js';
import { sweepRecoveryLocks } from './recovery-lock.js';

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

/**
 * Why the marker at `path` is `unreadable` (see {@link readMarker}): `unreadable`, the file cannot be
 * read (permissions); `newer`, it names a marker version this code does not know; `damaged`, it is
 * not a whole marker (not JSON, fields missing or of the wrong type: edited, or damaged on disk).
 */
export function markerProblem(filename: string): { readonly kind: 'unreadable' | 'newer' | 'damaged' | 'foreign'; readonly detail: string } {
  const path = markerPathOf(filename);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return { kind: 'unreadable', detail: `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})` };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { kind: 'damaged', detail: 'is not a restore marker (not JSON)' };
  }
  const v = (raw as { v?: unknown } | null)?.v;
  if (typeof v === 'number' && v > 2) return { kind: 'newer', detail: `was written by a newer version of kysely-dual-sqlite (marker version ${v}; this one reads 2)` };
  const fields = raw as { temp?: unknown; aside?: unknown; keep?: unknown };
  if (typeof fields.temp === 'string' && typeof fields.aside === 'string' && !namesOwnFiles(filename, { temp: fields.temp, aside: fields.aside, keep: fields.keep })) {
    return { kind: 'foreign', detail: `belongs to a restore of another database: it names files that are not this database's (${fields.aside}); it was copied or moved here with the folder or the file` };
  }
  return { kind: 'damaged', detail: 'is not a whole restore marker (fields missing or of the wrong type)' };
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
    // A marker copied or moved from another database (a copied folder, a renamed file) names that
    // database's copy and folder aside: acted on, recovery would move or delete another
    // database's files, or this one's by the other's phase. It cannot be trusted: unreadable.
    if (!namesOwnFiles(filename, raw as { temp: string; aside: string; keep: string | null })) return 'unreadable';
    return { v: 2, owner, temp: raw.temp, aside: raw.aside, existed: raw.existed, keep: raw.keep, phase, startedAt: String(raw.startedAt) };
  } catch {
    return 'unreadable';
  }
}

/**
 * Whether a marker's files are those a restore of `filename` makes (files.ts tempNameFor and the
 * `keepOld` name in restore.ts): beside it, named after it.
 */
function namesOwnFiles(filename: string, fields: { temp: string; aside: string; keep?: unknown }): boolean {
  const dir = dirname(filename);
  const own = (path: string, prefix: string): boolean => dirname(path) === dir && basename(path).startsWith(prefix);
  const prefix = `.${basename(filename)}.dual-sqlite-restore-`;
  return own(fields.temp, prefix) && own(fields.aside, `${prefix}old-`) &&
    (fields.keep === null || fields.keep === undefined || (typeof fields.keep === 'string' && own(fields.keep, `${basename(filename)}.before-restore-`)));
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
  try {
    step('writing the restore marker', scratch, () => writeFileSync(scratch, `${JSON.stringify(marker)}\n`, { flag: 'w' }));
    fsyncFile(scratch);
    step('placing the restore marker', path, () => renameSync(scratch, path));
  } catch (error) {
    // a full disk leaves an empty scratch file, which nothing else would remove while no restore is pending
    removeQuietly(scratch);
    throw error;
  }
  fsyncDir(dirname(path));
}

/**
 * Removes the marker durably (from then on the database opens normally), and scratch copies of it
 * left by dead processes: best effort (a scratch copy that cannot be removed stays until a later sweep).
 */
export function removeMarker(filename: string): void {
  const path = markerPathOf(filename);
  step('removing the restore marker', path, () => rmSync(path, { force: true }));
  // scratch copies of the marker and of the recovery mutex (recovery-lock.ts)
  const scratch = new RegExp(`^${escapeRegExp(basename(path))}\\.(?:recover\\.)?(\\d+)(?:\\.[0-9a-f]{8})?\\.tmp$`);
  for (const name of listFolder(dirname(path))) {
    const m = scratch.exec(name);
    if (m && (Number(m[1]) === process.pid || !isAlive(Number(m[1])))) removeQuietly(join(dirname(path), name));
  }
  sweepRecoveryLocks(path);
  fsyncDir(dirname(filename));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The restores this thread is running, by database file: the marker's `temp` once it is written,
 * '' before. Only these markers are "own": a marker with this thread's identity but another `temp`
 * was left by an earlier restore of this thread that failed half way (its rollback could not
 * finish), which nobody is running any more.
 */
const running = new Map<string, string>();

/**
 * Reserves `filename` for a restore by this thread; throws {@link RestorePendingError} when this
 * thread restores it already (a second, concurrent call would act on the first one's marker).
 */
export function beginRestore(filename: string): void {
  if (running.has(filename)) throw new RestorePendingError(filename, process.pid, true);
  running.set(filename, '');
}

/** Records the marker of the restore this thread runs on `filename`. */
export function markerWritten(filename: string, marker: RestoreMarker): void {
  running.set(filename, marker.temp);
}

/** Ends this thread's restore of `filename` (whatever its outcome). */
export function endRestore(filename: string): void {
  running.delete(filename);
}

/** True when the marker belongs to a restore this thread is running right now (it may open the database). */
export function isOwnMarker(marker: RestoreMarker, filename: string): boolean {
  return sameOwner(marker.owner, selfOwner()) && running.get(filename) === marker.temp;
}

/**
 * True when the restore that wrote the marker may still be running: this thread's own running
 * restore, or another thread or process that is alive (or cannot be judged from here). A pid alone
 * does not say it: the kernel reuses the pids of dead processes (a container's main process is
 * pid 1 at every start), so the writer's full identity is compared.
 */
export function writerRunning(marker: RestoreMarker, filename: string): boolean {
  if (sameOwner(marker.owner, selfOwner())) return isOwnMarker(marker, filename);
  return liveness(marker.owner) !== 'dead';
}

/**
 * Throws {@link RestorePendingError} when a restore of `filename` has begun and not finished, in
 * another process. Called by every open of a file database (one failed `open()` when there is none).
 * With no marker, the copy a restore killed before writing its marker left beside the database is
 * removed here (once its process is proven gone), so an interrupted restore leaves no file behind
 * even when nobody calls `recoverRestore`; so is the second name a backup into this file killed
 * before removing it left (see files.ts).
 */
export function assertNoPendingRestore(filename: string): void {
  const marker = readMarker(filename);
  if (marker === null) {
    sweepDeadTemporariesOf(filename);
    return;
  }
  const refusal = refusalFor(filename, marker);
  if (refusal) throw refusal;
}

/**
 * The {@link RestorePendingError} an open of `filename` would get because of a restore that has
 * begun and not finished, or `null`. Reads only (doctor uses it: it must change nothing).
 */
export function pendingRestoreOf(filename: string): RestorePendingError | null {
  const marker = readMarker(filename);
  return marker === null ? null : refusalFor(filename, marker);
}

/** The refusal a standing marker means for an open in this thread (none for its own running restore). */
function refusalFor(filename: string, marker: RestoreMarker | 'unreadable'): RestorePendingError | null {
  if (marker === 'unreadable') return new RestorePendingError(filename, 0, false, markerPathOf(filename));
  if (isOwnMarker(marker, filename)) return null;
  return new RestorePendingError(filename, marker.owner.pid, writerRunning(marker, filename));
}
