/**
 * Floyd–Rivest selection over interleaved point coordinates, shared by both k-d trees
 * (kdtree.ts for 2-D spatial queries, knn-feature.ts for feature-space kNN). Kept as free
 * functions over the typed arrays, as kdbush does, so the trees stay plain data.
 */

/**
 * Reorders points `left..right` (inclusive) so that position `k` holds the point with the k-th
 * smallest coordinate on `axis`, smaller-or-equal points before it and larger-or-equal after.
 * `ids[i]` is the original index of the point at position i and `coords[i * dim + a]` its
 * coordinate on axis a; both are permuted together.
 */
export function selectOnAxis(ids: Int32Array, coords: Float64Array, dim: number, k: number, left: number, right: number, axis: number): void {
  while (right > left) {
    // Sample a narrower range first on big ranges (Floyd & Rivest 1975), as kdbush does.
    if (right - left > 600) {
      const n = right - left + 1;
      const m = k - left + 1;
      const z = Math.log(n);
      const s = 0.5 * Math.exp((2 * z) / 3);
      const sd = 0.5 * Math.sqrt((z * s * (n - s)) / n) * (m - n / 2 < 0 ? -1 : 1);
      selectOnAxis(ids, coords, dim, k, Math.max(left, Math.floor(k - (m * s) / n + sd)), Math.min(right, Math.floor(k + ((n - m) * s) / n + sd)), axis);
    }
    const t = coords[k * dim + axis];
    let i = left;
    let j = right;
    swapPoints(ids, coords, dim, left, k);
    if (coords[right * dim + axis] > t) swapPoints(ids, coords, dim, left, right);
    while (i < j) {
      swapPoints(ids, coords, dim, i, j);
      i++;
      j--;
      while (coords[i * dim + axis] < t) i++;
      while (coords[j * dim + axis] > t) j--;
    }
    if (coords[left * dim + axis] === t) swapPoints(ids, coords, dim, left, j);
    else {
      j++;
      swapPoints(ids, coords, dim, j, right);
    }
    if (j <= k) left = j + 1;
    if (k <= j) right = j - 1;
  }
}

/** Swaps the points at positions i and j: their ids and all `dim` coordinates. */
export function swapPoints(ids: Int32Array, coords: Float64Array, dim: number, i: number, j: number): void {
  const t = ids[i];
  ids[i] = ids[j];
  ids[j] = t;
  for (let a = 0, p = i * dim, q = j * dim; a < dim; a++, p++, q++) {
    const v = coords[p];
    coords[p] = coords[q];
    coords[q] = v;
  }
}
