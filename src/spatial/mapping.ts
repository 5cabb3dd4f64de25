/**
 * Cross-dataset mapping (the SIID Γ, methods-spec M2.2): each point of A to its nearest point
 * of B within a distance.
 *
 * Layer 1 (spatial): no Node APIs.
 */
import { StnmfError } from '../errors.js';
import { KDTree, checkPoints } from './kdtree.js';

/** Result of {@link mapToNearest}. */
export interface NearestMapping {
  /** For each point of A, the index of its nearest point of B, or -1 when none lies within maxDistance. */
  target: Int32Array;
  /**
   * Distance from each point of A to its nearest point of B (coordinate units), reported even
   * when it exceeds maxDistance (then `target` is -1); NaN when B is empty.
   */
  distance: Float64Array;
}

/**
 * Maps each point of A to its nearest point of B (Euclidean, exact k-d tree, ties by the
 * smaller B index) if that point lies within `maxDistance` (inclusive), else to -1.
 * @param aXY flat `[x0, y0, x1, y1, …]` of A (e.g. Xenium cells), finite.
 * @param bXY flat `[x0, y0, …]` of B (e.g. Visium spots), finite.
 * @param maxDistance >= 0 in the coordinates' unit; `Infinity` maps every point (SIID's
 *   simulation uses the spot spacing, 100 µm).
 * @throws StnmfError on non-finite coordinates or a negative / NaN maxDistance.
 */
export function mapToNearest(aXY: ArrayLike<number>, bXY: ArrayLike<number>, maxDistance: number): NearestMapping {
  const na = checkPoints(aXY, 2, 'mapToNearest (A)');
  const nb = checkPoints(bXY, 2, 'mapToNearest (B)');
  if (!(maxDistance >= 0)) {
    throw new StnmfError('BAD_OPTION', `mapToNearest: maxDistance must be >= 0 (or Infinity), got ${maxDistance}`);
  }
  const target = new Int32Array(na).fill(-1);
  const distance = new Float64Array(na).fill(NaN);
  if (nb === 0) return { target, distance };
  const tree = new KDTree(bXY, 2);
  const oi = new Int32Array(1);
  const od = new Float64Array(1);
  for (let i = 0; i < na; i++) {
    tree.knn(aXY, 1, -1, oi, od, 0, 2 * i);
    distance[i] = od[0];
    if (od[0] <= maxDistance) target[i] = oi[0];
  }
  return { target, distance };
}

/**
 * The mapping grouped by B: a CSR `indptr` (length nB + 1) and `members` listing, for each
 * point of B, the A points mapped to it (ascending). Unmapped A points are left out.
 */
export function mappingByTarget(target: Int32Array, nB: number): { indptr: Int32Array; members: Int32Array } {
  const indptr = new Int32Array(nB + 1);
  for (let i = 0; i < target.length; i++) if (target[i] >= 0) indptr[target[i] + 1]++;
  for (let b = 0; b < nB; b++) indptr[b + 1] += indptr[b];
  const next = indptr.slice(0, nB);
  const members = new Int32Array(indptr[nB]);
  for (let i = 0; i < target.length; i++) if (target[i] >= 0) members[next[target[i]]++] = i;
  return { indptr, members };
}
