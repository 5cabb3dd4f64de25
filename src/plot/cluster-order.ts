/**
 * Leaf order of an average-linkage (UPGMA) hierarchical clustering, to order the rows and
 * columns of heatmaps as squidpy's `nhood_enrichment` and seaborn's `clustermap` do, so blocks
 * of mutually enriched types sit together. O(n³) on n ≤ a few hundred rows: fine for types.
 */

/**
 * Leaves of the UPGMA dendrogram of the rows of `m` (n x d, row-major) under Euclidean
 * distance, left to right; merges keep the smaller cluster's leaves first, ties by index, so
 * the order is deterministic. Non-finite entries count as 0.
 */
export function clusterOrder(m: ArrayLike<number>, n: number, d: number): number[] {
  if (n <= 2) return Array.from({ length: n }, (_, i) => i);
  const val = (i: number, j: number): number => (Number.isFinite(m[i * d + j]) ? m[i * d + j] : 0);
  const dist = new Float64Array(n * n);
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (val(a, j) - val(b, j)) ** 2;
      dist[a * n + b] = dist[b * n + a] = Math.sqrt(s);
    }
  }
  const leaves: number[][] = Array.from({ length: n }, (_, i) => [i]);
  const alive = new Set<number>(leaves.map((_, i) => i));
  while (alive.size > 1) {
    let best = Infinity;
    let ba = -1;
    let bb = -1;
    const ids = [...alive];
    for (let x = 0; x < ids.length; x++) for (let y = x + 1; y < ids.length; y++) {
      const dd = dist[ids[x] * n + ids[y]];
      if (dd < best) (best = dd), (ba = ids[x]), (bb = ids[y]);
    }
    const na = leaves[ba].length;
    const nb = leaves[bb].length;
    // Average linkage: the merged cluster's distance is the size-weighted mean.
    for (const c of alive) {
      if (c === ba || c === bb) continue;
      const dd = (na * dist[ba * n + c] + nb * dist[bb * n + c]) / (na + nb);
      dist[ba * n + c] = dist[c * n + ba] = dd;
    }
    leaves[ba] = na <= nb ? [...leaves[ba], ...leaves[bb]] : [...leaves[bb], ...leaves[ba]];
    alive.delete(bb);
  }
  return leaves[[...alive][0]];
}
