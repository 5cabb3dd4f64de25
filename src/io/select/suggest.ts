/**
 * "Did you mean" for names a user typed (obs columns, feature names): a case-insensitive exact
 * match first, else the closest name by edit distance when it is close enough to be a typo.
 */

/** Levenshtein distance between two strings (insertions, deletions, substitutions cost 1). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let prev = new Int32Array(b.length + 1);
  let cur = new Int32Array(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const sub = prev[j - 1] + (ca === b.charCodeAt(j - 1) ? 0 : 1);
      cur[j] = Math.min(sub, prev[j] + 1, cur[j - 1] + 1);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length];
}

/**
 * The candidate a mistyped `name` most likely meant, or undefined: a case-insensitive match
 * wins; otherwise the candidate with the smallest case-insensitive edit distance, when that
 * distance is at most 2 and under a third of the name's length (so short names do not match
 * everything). Ties go to the earlier candidate.
 */
export function suggestName(name: string, candidates: Iterable<string>): string | undefined {
  const low = name.toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  const limit = Math.min(2, Math.max(1, Math.floor(name.length / 3)));
  for (const c of candidates) {
    const cl = c.toLowerCase();
    if (cl === low) return c;
    if (Math.abs(cl.length - low.length) > limit) continue;
    const d = editDistance(low, cl);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return bestD <= limit ? best : undefined;
}
