/**
 * The wait rule for migrations. A statement that meets SQLITE_BUSY normally gives up after the
 * DSN's `_busy_timeout`. While another live process is inside a migration run on the same file
 * (its marker says queued or running, see guard/migrating.ts) it keeps waiting, up to the
 * dialect's `migrationTimeout` counted from the start of its wait, and logs a progress event
 * every few seconds; past that it fails with {@link MigrationWaitTimeoutError}. When no live
 * migrator has been seen for a moment, the ordinary busy timeout applies again.
 */
import { defaultLogger, type DualSqliteLogger, type DualSqliteOpenOptions } from './dialect-config.js';
import { MigrationWaitTimeoutError } from './errors.js';
import { otherMigrators, type Migrator } from './guard/index.js';

/** Default `migrationTimeout`: 5 minutes. */
export const DEFAULT_MIGRATION_TIMEOUT_MS = 300_000;
/** How often a waiter past its busy timeout reads the markers (ms). */
const CHECK_EVERY_MS = 250;
/**
 * How long a waiter keeps waiting after it last saw a live migrator (ms): covers the moment
 * between one migrator's end and the next queued one taking the lock, and the moment before a
 * migrator that just got the lock rewrites its marker.
 */
const GRACE_MS = 1_000;
/** Progress events while waiting: one at the start of the extended wait, then every this many ms. */
const PROGRESS_EVERY_MS = 5_000;

/** What a statement's wait needs from its dialect: the limit and where progress goes. */
export interface MigrationWaitPolicy {
  /** Longest wait (ms) while another process migrates the file. */
  readonly migrationTimeoutMs: number;
  readonly log: DualSqliteLogger;
}

/** The policy of a dialect or handle, from its options (frozen: one per dialect or handle). */
export function migrationWaitPolicy(options: DualSqliteOpenOptions): MigrationWaitPolicy {
  return Object.freeze({ migrationTimeoutMs: options.migrationTimeout ?? DEFAULT_MIGRATION_TIMEOUT_MS, log: options.log ?? defaultLogger });
}

/** The extended wait of one waiting statement (created when its wait starts). */
export class MigrationWait {
  readonly #filename: string;
  readonly #label: string;
  readonly #policy: MigrationWaitPolicy;
  #checkedAt = Number.NEGATIVE_INFINITY;
  #lastSeen = Number.NEGATIVE_INFINITY;
  #migrators: Migrator[] = [];
  #loggedAt = Number.NEGATIVE_INFINITY;

  constructor(filename: string, label: string, policy: MigrationWaitPolicy) {
    this.#filename = filename;
    this.#label = label;
    this.#policy = policy;
  }

  /**
   * Asked once the busy timeout is spent, then before every further attempt: true to keep
   * waiting. Throws {@link MigrationWaitTimeoutError} once `migrationTimeout` is spent.
   */
  keepWaiting(waitedMs: number, last: unknown): boolean {
    const now = performance.now();
    if (now - this.#checkedAt >= CHECK_EVERY_MS) {
      this.#checkedAt = now;
      this.#migrators = otherMigrators(this.#filename);
      if (this.#migrators.length > 0) this.#lastSeen = now;
    }
    if (now - this.#lastSeen > GRACE_MS) return false;
    const limit = this.#policy.migrationTimeoutMs;
    if (waitedMs >= limit) throw new MigrationWaitTimeoutError(this.#label, this.#describe(), waitedMs, limit, last);
    if (now - this.#loggedAt >= PROGRESS_EVERY_MS) {
      this.#loggedAt = now;
      this.#progress(waitedMs);
    }
    return true;
  }

  #describe(): { pid: number; state: string }[] {
    return this.#migrators.map((m) => ({ pid: m.pid, state: m.state === 'running' ? 'holds the lock, migrating' : 'queued to migrate' }));
  }

  #progress(waitedMs: number): void {
    const who = this.#describe().map((m) => `pid ${m.pid} (${m.state})`).join(', ') || 'another process';
    try {
      this.#policy.log({
        level: 'info',
        event: 'waiting-for-migration',
        message:
          `waited ${Math.round(waitedMs / 1000)} s for the lock on ${this.#label} while another process is migrating it: ${who}; ` +
          `waiting up to migrationTimeout=${this.#policy.migrationTimeoutMs} ms`,
      });
    } catch {
      // a throwing logger must not end the wait
    }
  }
}
