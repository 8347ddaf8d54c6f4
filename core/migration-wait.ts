/**
 * The wait rule for migrations. A statement that meets SQLITE_BUSY normally gives up after the
 * DSN's `_busy_timeout`. A waiter also watches, every 250 ms, whether another live process is
 * inside a migration run on the same file (its marker says queued or running, see
 * guard/migrating.ts). If it saw one, its busy timeout counts from the last time it saw one
 * instead of from the start of the wait: it outlasts any migration, then gets its ordinary
 * busy timeout for whatever holds the lock after it. The whole wait is bounded by the dialect's
 * `migrationTimeout` (from the start of the wait), past which it fails with
 * {@link MigrationWaitTimeoutError}; while extended it logs a progress event every 5 s.
 */
import { defaultLogger, type DualSqliteLogger, type DualSqliteOpenOptions } from './dialect-config.js';
import { MigrationWaitTimeoutError } from './errors.js';
import { otherMigrators, type Migrator } from './guard/index.js';

/** Default `migrationTimeout`: 5 minutes. */
export const DEFAULT_MIGRATION_TIMEOUT_MS = 300_000;
/** How often a waiter past its busy timeout reads the markers (ms). */
const CHECK_EVERY_MS = 250;
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
  readonly #busyTimeoutMs: number;
  #checkedAt = Number.NEGATIVE_INFINITY;
  #lastSeen = Number.NEGATIVE_INFINITY;
  #migrators: Migrator[] = [];
  #loggedAt = Number.NEGATIVE_INFINITY;

  constructor(filename: string, label: string, policy: MigrationWaitPolicy, busyTimeoutMs: number) {
    this.#filename = filename;
    this.#label = label;
    this.#policy = policy;
    this.#busyTimeoutMs = busyTimeoutMs;
  }

  /** Reads the markers, at most every 250 ms; remembers when a live migrator was last seen. */
  observe(): void {
    const now = performance.now();
    if (now - this.#checkedAt < CHECK_EVERY_MS) return;
    this.#checkedAt = now;
    const found = otherMigrators(this.#filename);
    if (found.length === 0) return;
    this.#migrators = found;
    this.#lastSeen = now;
  }

  /**
   * Asked once the busy timeout is spent, then before every further attempt: true to keep
   * waiting. Throws {@link MigrationWaitTimeoutError} once `migrationTimeout` is spent.
   */
  keepWaiting(waitedMs: number, last: unknown): boolean {
    this.observe();
    const now = performance.now();
    if (now - this.#lastSeen >= this.#busyTimeoutMs) return false;
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
