/** The ranking behind every "top features of a factor" list: plots, the viewer, bcNMF tables. */

/**
 * The indices of the `nTop` largest entries of row `f` of a k x p loading matrix (H, row-major),
 * largest first, ties by ascending index (so lists are reproducible).
 */
export function topFeatureIndices(H: { cols: number; data: ArrayLike<number> }, f: number, nTop: number): number[] {
  const p = H.cols;
  const idx = Array.from({ length: p }, (_, j) => j);
  idx.sort((a, b) => H.data[f * p + b] - H.data[f * p + a] || a - b);
  return idx.slice(0, Math.min(nTop, p));
}
