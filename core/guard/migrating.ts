/**
 * Migration markers: a process running Kysely's Migrator on a file says so in the file's claims
 * folder, `<db>.dual-sqlite-claims/migrating-<pid>-<tid>-<random>.json`, from the moment it asks
 * for the migration lock until its run ends. Other processes that meet SQLITE_BUSY read these to
 * tell "another process is migrating" (wait for it, see core/migration-wait.ts) from an ordinary
 * long transaction (fail after `_busy_timeout`).
 *
 * A marker names its owner with the same identity as claims (identity.ts), so a marker left by
 * a killed process reads as dead, is ignored, and is removed by whoever finds it. Writing is best
 * effort: where the folder cannot be written (read-only media) there is no marker, and waiters
 * fall back to the ordinary busy timeout. Nothing here throws.
 */
import { readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { claimsDirOf, ensureClaimsDir } from './claims.js';
import { liveness, parseOwner, sameOwner, selfOwner, type Owner } from './identity.js';

/** Where a migrator is: waiting for the database lock, or holding it and applying migrations. */
export type MigratorState = 'queued' | 'running';

/** Another live thread or process migrating the file, as its marker says. */
export interface Migrator {
  readonly pid: number;
  readonly tid: number;
  readonly state: MigratorState;
  /** When it asked for the migration lock (ms since the epoch). */
  readonly since: number;
}

const PREFIX = 'migrating-';
const SUFFIX = '.json';

/** This thread's marker on one database file; written by {@link set}, withdrawn by {@link remove}. */
export class MigrationMarker {
  readonly #dir: string;
  readonly #path: string;
  #since = 0;
  #written = false;

  constructor(filename: string) {
    const o = selfOwner();
    this.#dir = claimsDirOf(filename);
    this.#path = join(this.#dir, `${PREFIX}${o.pid}-${o.tid}-${randomBytes(4).toString('hex')}${SUFFIX}`);
  }

  /** Writes (or rewrites) the marker; renamed into place so readers never see half of one. */
  set(state: MigratorState): void {
    if (!this.#written) this.#since = Date.now();
    const tmp = `${this.#path}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      if (typeof ensureClaimsDir(this.#dir) !== 'string') return;
      writeFileSync(tmp, JSON.stringify({ v: 1, owner: selfOwner(), state, since: this.#since }) + '\n', { flag: 'wx' });
      renameSync(tmp, this.#path);
      this.#written = true;
    } catch {
      rmSync(tmp, { force: true });
    }
  }

  /** Withdraws the marker. Idempotent. */
  remove(): void {
    if (!this.#written) return;
    this.#written = false;
    try {
      unlinkSync(this.#path);
    } catch {
      /* already gone */
    }
  }
}

/**
 * The live migrators of `filename` other than this thread. Markers of dead owners are removed
 * on the way (a killed migrator leaves one behind). Owners that cannot be judged from here
 * (another host or container) count as live.
 */
export function otherMigrators(filename: string): Migrator[] {
  const dir = claimsDirOf(filename);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const me = selfOwner();
  const out: Migrator[] = [];
  for (const name of names) {
    if (!name.startsWith(PREFIX) || !name.endsWith(SUFFIX)) continue;
    const marker = readMarker(join(dir, name));
    if (!marker || sameOwner(marker.owner, me)) continue;
    if (liveness(marker.owner) === 'dead') {
      rmSync(join(dir, name), { force: true });
      continue;
    }
    out.push({ pid: marker.owner.pid, tid: marker.owner.tid, state: marker.state, since: marker.since });
  }
  return out;
}

function readMarker(path: string): { owner: Owner; state: MigratorState; since: number } | null {
  try {
    const raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    const owner = parseOwner(raw.owner);
    if (!owner || raw.v !== 1 || (raw.state !== 'queued' && raw.state !== 'running')) return null;
    return { owner, state: raw.state, since: typeof raw.since === 'number' ? raw.since : 0 };
  } catch {
    return null; // removed meanwhile, or not ours
  }
}
