/** The verdict vocabulary of `dual-sqlite doctor`. */

/**
 * - `ok`: healthy.
 * - `warn`: healthy, but worth knowing (an empty file, a dead claim left behind).
 * - `fail`: unhealthy: the database cannot be used as configured, or is damaged.
 * - `fixed`: was unhealthy, `--fix` repaired it.
 * - `skipped`: not run because an earlier check failed (the reason is in `detail`).
 */
export type Verdict = 'ok' | 'warn' | 'fail' | 'fixed' | 'skipped';

/** One check and its outcome. */
export interface CheckResult {
  /** Stable identifier, e.g. `header`, `stale-lock` (for `--json` consumers). */
  readonly id: string;
  readonly title: string;
  readonly verdict: Verdict;
  readonly detail: string;
  /** What to do about a `fail` or `warn`. */
  readonly fix?: string;
  /** Structured facts for `--json`. */
  readonly data?: Readonly<Record<string, unknown>>;
}

/** Builds a {@link CheckResult}, leaving out an undefined `fix`/`data`. */
export function check(
  id: string,
  title: string,
  verdict: Verdict,
  detail: string,
  extra: { fix?: string | undefined; data?: Record<string, unknown> | undefined } = {},
): CheckResult {
  return Object.freeze({
    id, title, verdict, detail,
    ...(extra.fix !== undefined ? { fix: extra.fix } : {}),
    ...(extra.data !== undefined ? { data: extra.data } : {}),
  });
}

/** Healthy = nothing failed. */
export function healthy(results: readonly CheckResult[]): boolean {
  return results.every((r) => r.verdict !== 'fail');
}
