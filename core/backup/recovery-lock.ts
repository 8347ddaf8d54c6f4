/**
 * The mutex of restore recovery, `<marker>.recover-<generation>`: one file naming its holder,
 * created whole with link(). Two processes that each found the marker of a dead restore would
 * otherwise both act on the phase they read: one could put the old database back while the other,
 * still in `rolling-back`, deleted every file at the database's names, the old database included.
 *
 * A holder that died leaves its file; the next recoverer then takes the next generation instead
 * of breaking the old file (no break-in race: of two that saw the same dead holder, one link wins).
 * Generations of dead holders are removed with the marker (see pending.ts).
 */
import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { liveness, parseOwner, sameOwner, selfOwner, type Owner } from '../guard/identity.js';
import { BackupIoError } from './errors.js';
import { listFolder, removeQuietly, step } from './files.js';

/** Generations tried before giving up (each needs a holder that died while holding it). */
const GENERATIONS = 64;

/** The held mutex, or the live holder that has it. */
export type RecoveryLock = { readonly held: true; release(): void } | { readonly held: false; readonly holder: Owner };

/** The stem of the mutex names for the marker at `markerPath`. */
function stem(markerPath: string): string {
  return `${markerPath}.recover-`;
}

/** Takes the recovery mutex of the marker at `markerPath`, or names the live process holding it. */
export function takeRecoveryLock(markerPath: string): RecoveryLock {
  const me = selfOwner();
  // Carries the pid like the marker's scratch copies, so a leftover is swept with them (pending.ts).
  const tmp = `${markerPath}.recover.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  step('writing the recovery mutex', tmp, () => writeFileSync(tmp, `${JSON.stringify({ owner: me })}\n`));
  try {
    let vanished = 0;
    for (let gen = 1; gen <= GENERATIONS; gen++) {
      const path = `${stem(markerPath)}${gen}`;
      try {
        linkSync(tmp, path);
        // a generation left by a failed release is passed over once this process is gone
        return { held: true, release: () => removeQuietly(path) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new BackupIoError('taking the recovery mutex', path, error);
      }
      const holder = ownerOf(path);
      if (holder === 'gone') {
        // its holder finished between our link and our read: try the same generation again
        if (++vanished < GENERATIONS) gen--;
        continue;
      }
      // A file we cannot read was not written by a recoverer (they link whole files): skip it like a
      // dead holder's. This thread as the holder is another recovery of ours, awaiting its check.
      if (holder !== null && (sameOwner(holder, me) || liveness(holder) !== 'dead')) return { held: false, holder };
    }
    throw new BackupIoError('taking the recovery mutex', `${stem(markerPath)}${GENERATIONS}`, new Error(`all ${GENERATIONS} generations are taken by processes that died holding them`));
  } finally {
    removeQuietly(tmp);
  }
}

/** Removes the mutex generations of holders that are gone (a holder removes its own). Never throws. */
export function sweepRecoveryLocks(markerPath: string): void {
  const dir = dirname(markerPath);
  const prefix = basename(stem(markerPath));
  for (const name of listFolder(dir)) {
    if (!name.startsWith(prefix) || !/^\d+$/.test(name.slice(prefix.length))) continue;
    const owner = ownerOf(join(dir, name));
    if (owner === 'gone' || (owner !== null && liveness(owner) !== 'dead')) continue;
    // housekeeping only: a leftover generation is skipped like a dead holder's
    removeQuietly(join(dir, name));
  }
}

/** The holder named in a mutex file; `gone` when there is no such file, `null` when it names nobody. */
function ownerOf(path: string): Owner | 'gone' | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'gone' : null;
  }
  try {
    return parseOwner((JSON.parse(text) as { owner?: unknown }).owner);
  } catch {
    return null;
  }
}
