/**
 * How deep the randomized, repetition-heavy tests go. `npm test` runs them short (enough rounds
 * that every path is taken, kept so the suite stays a few minutes on an idle 2-core machine);
 * `TEST_FULL=1` runs the full rounds, as CI does for the whole suite on Node 22 (.ci/run). The
 * assertions are the same at both depths; only the number of repetitions changes.
 */

/** True under `TEST_FULL=1`. */
export const FULL = process.env.TEST_FULL === '1';

/** `short` repetitions normally, `full` under `TEST_FULL=1`. */
export function depth(short: number, full: number): number {
  return FULL ? full : short;
}
