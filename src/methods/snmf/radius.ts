/**
 * The contact and context radius graphs of SNMF (methods-spec M1.3 step 2) from one k-d tree
 * pass. `spatial/radiusGraph` sorts every row with a comparison sort, which dominated graph
 * building on Xenium (2.46 M context pairs: 0.97 s of which ~0.8 s sorting); here the rows
 * come out sorted from a counting transpose, O(n + nnz), and both radii share one search.
 *
 * Layer 2 (methods): no Node APIs.
 */
import { KDTree, type NeighborGraph } from '../../spatial/index.js';

/** Pairs closer than this are coincident and get no edge (methods-spec G3.1 ε, as radiusGraph). */
const COINCIDENT_EPS = 1e-6;

/**
 * One radius graph per entry of `radii`, each identical to `radiusGraph(xy, r)` of
 * src/spatial (edge {i, j}, i ≠ j, iff 1e-6 < d_ij ≤ r; rows sorted by index; distances in
 * coordinate units; weights 1): the squared distances are the same float64 sums the k-d tree
 * computes, and the row order comes from scattering row i's neighbours j into row j in
 * increasing i, which lists row j's neighbours sorted because the pair relation is symmetric
 * (d_ij and d_ji are bitwise equal).
 * @param xy flat `[x0, y0, x1, y1, …]`, finite (callers validate).
 * @param radii radii > 0 in coordinate units.
 */
export function radiusGraphs(xy: Float64Array, radii: readonly number[]): NeighborGraph[] {
  const n = xy.length >> 1;
  let rmax = 0;
  for (const r of radii) if (r > rmax) rmax = r;
  const minD2 = COINCIDENT_EPS * COINCIDENT_EPS;
  // Unsorted neighbour lists at the largest radius: row i = entries [rowPtr[i], rowPtr[i + 1]).
  const rowPtr = new Int32Array(n + 1);
  let nbr = new Int32Array(Math.max(16, n * 8));
  let d2s = new Float64Array(nbr.length);
  let len = 0;
  let self = -1;
  const visit = (j: number, d2: number): void => {
    if (j === self || d2 <= minD2) return;
    if (len === nbr.length) {
      const ni = new Int32Array(len * 2);
      ni.set(nbr);
      nbr = ni;
      const nd = new Float64Array(len * 2);
      nd.set(d2s);
      d2s = nd;
    }
    nbr[len] = j;
    d2s[len++] = d2;
  };
  if (n > 0 && rmax > 0) {
    const tree = new KDTree(xy, 2);
    for (let i = 0; i < n; i++) {
      self = i;
      tree.within(xy, rmax, visit, 2 * i);
      rowPtr[i + 1] = len;
    }
  }
  return radii.map((r) => {
    const r2 = r * r;
    const indptr = new Int32Array(n + 1);
    for (let p = 0; p < len; p++) if (d2s[p] <= r2) indptr[nbr[p] + 1]++;
    for (let i = 0; i < n; i++) indptr[i + 1] += indptr[i];
    const m = indptr[n];
    const next = indptr.slice(0, n);
    const indices = new Int32Array(m);
    const distances = new Float64Array(m);
    for (let i = 0; i < n; i++) {
      for (let p = rowPtr[i], e = rowPtr[i + 1]; p < e; p++) {
        const d2 = d2s[p];
        if (d2 > r2) continue;
        const q = next[nbr[p]]++;
        indices[q] = i;
        distances[q] = Math.sqrt(d2);
      }
    }
    return { n, indptr, indices, distances, weights: new Float64Array(m).fill(1) };
  });
}
