/**
 * "Did you mean" for misspelled keys: the closest candidate by optimal-string-alignment distance
 * (Levenshtein plus adjacent transpositions, so `_txlcok` finds `_txlock`), compared without case
 * so that `_TXLOCK` points at `_txlock`.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = distance(w, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  // Beyond about a third of the word the "suggestion" is noise, not a typo fix.
  const limit = Math.max(2, Math.floor(w.length / 3));
  return bestDistance <= limit ? best : undefined;
}

/** Optimal string alignment distance between `a` and `b`. */
export function distance(a: string, b: string): number {
  if (a === b) return 0;
  // Long garbage input must stay cheap: the result only matters when it is small.
  if (Math.abs(a.length - b.length) > 8) return Math.abs(a.length - b.length);
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    rows.push([i]);
    for (let j = 1; j <= b.length; j++) {
      const row = rows[i]!;
      if (i === 0) {
        row.push(j);
        continue;
      }
      const prev = rows[i - 1]!;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      row.push(d);
    }
  }
  return rows[a.length]![b.length]!;
}
