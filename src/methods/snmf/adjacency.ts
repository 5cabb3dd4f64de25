/**
 * The sparse adjacency algebra of hSNMF (methods-spec M1.3 steps 3, 4, 6, 7): merging the
 * contact and context radius graphs, the diffusion operator, row-stochastic normalisation,
 * and the α-mix of the spatial and feature graphs. The sum-symmetrisation scanpy applies when
 * it hands an adjacency matrix to Leiden (`graphFromAdjacency(A, 'sum')` in src/graph) is `symmetrizeSum`.
 *
 * Every matrix here is a `NeighborGraph`-shaped CSR (float64 weights, rows sorted by column).
 * Layer 2 (methods): no Node APIs.
 */
import { runSteps, StnmfError, type Steps } from '../../errors.js';
import type { Graph } from '../../graph/index.js';
import type { NeighborGraph } from '../../spatial/index.js';

/** A sparse n x n matrix with float64 values (the weight part of a `NeighborGraph`). */
export interface SparseSquare {
  readonly n: number;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly weights: Float64Array;
}

/**
 * How an edge present in both the contact and the context graph is weighted (M1.3 step 3;
 * the reference's `build_hybrid_graph` options). Default `max` (hSNMF).
 */
export type CombineRule = 'max' | 'sum' | 'mean' | 'contact' | 'radius';

/**
 * The hybrid spatial graph S: union of the contact graph C and the context (radius) graph R.
 * An edge only in C keeps C's weight, an edge only in R keeps R's, a shared edge gets
 * `combine(w_c, w_r)`; every weight is capped at `cap` when given. Distances come from
 * whichever graph holds the edge. O(nnz(C) + nnz(R)).
 */
export function mergeGraphs(contact: NeighborGraph, radius: NeighborGraph, combine: CombineRule = 'max', cap?: number): NeighborGraph {
  return runSteps(mergeGraphsSteps(contact, radius, combine, cap));
}

/** {@link mergeGraphs} as cancellable steps (errors.ts `Steps`). */
export function* mergeGraphsSteps(contact: NeighborGraph, radius: NeighborGraph, combine: CombineRule = 'max', cap?: number): Steps<NeighborGraph> {
  const n = contact.n;
  // The union's size first, so the arrays are allocated once at their size: on 300,000 cells
  // the over-allocated arrays and their trimming copies were 1.5 GB and seconds of page faults.
  let size = 0;
  for (let i = 0; i < n; i++) {
    if ((i & 4095) === 4095) yield;
    let a = contact.indptr[i];
    let b = radius.indptr[i];
    const ae = contact.indptr[i + 1];
    const be = radius.indptr[i + 1];
    while (a < ae && b < be) {
      const ca = contact.indices[a];
      const cb = radius.indices[b];
      if (ca <= cb) a++;
      if (cb <= ca) b++;
      size++;
    }
    size += ae - a + (be - b);
  }
  const indptr = new Int32Array(n + 1);
  const indices = new Int32Array(size);
  const weights = new Float64Array(size);
  const distances = new Float64Array(size);
  const capped = (w: number): number => (cap !== undefined && w > cap ? cap : w);
  let m = 0;
  for (let i = 0; i < n; i++) {
    if ((i & 4095) === 4095) yield; // a cancellation point every 4096 rows
    let a = contact.indptr[i];
    let b = radius.indptr[i];
    const ae = contact.indptr[i + 1];
    const be = radius.indptr[i + 1];
    while (a < ae || b < be) {
      const ca = a < ae ? contact.indices[a] : 0x7fffffff;
      const cb = b < be ? radius.indices[b] : 0x7fffffff;
      if (ca === cb) {
        const wc = capped(contact.weights[a]);
        const wr = capped(radius.weights[b]);
        let w: number;
        switch (combine) {
          case 'max': w = Math.max(wc, wr); break;
          case 'sum': w = wc + wr; break;
          case 'mean': w = 0.5 * (wc + wr); break;
          case 'contact': w = wc; break;
          case 'radius': w = wr; break;
        }
        indices[m] = ca;
        weights[m] = capped(w);
        distances[m++] = radius.distances[b];
        a++;
        b++;
      } else if (ca < cb) {
        indices[m] = ca;
        weights[m] = capped(contact.weights[a]);
        distances[m++] = contact.distances[a];
        a++;
      } else {
        indices[m] = cb;
        weights[m] = capped(radius.weights[b]);
        distances[m++] = radius.distances[b];
        b++;
      }
    }
    indptr[i + 1] = m;
  }
  return { n, indptr, indices, weights, distances };
}

/**
 * `rowstoch(A) = D⁻¹A` with D the row sums; rows summing to 0 stay 0 (the reference sets
 * their divisor to 1). Same sparsity pattern as A.
 */
export function rowStochastic<G extends SparseSquare>(A: G): G {
  return runSteps(rowStochasticSteps(A));
}

/** {@link rowStochastic} as cancellable steps (errors.ts `Steps`). */
export function* rowStochasticSteps<G extends SparseSquare>(A: G): Steps<G> {
  const w = new Float64Array(A.weights.length);
  for (let i = 0; i < A.n; i++) {
    if ((i & 4095) === 4095) yield; // a cancellation point every 4096 rows
    let s = 0;
    for (let p = A.indptr[i]; p < A.indptr[i + 1]; p++) s += A.weights[p];
    if (s === 0) continue;
    const inv = 1 / s;
    for (let p = A.indptr[i]; p < A.indptr[i + 1]; p++) w[p] = A.weights[p] * inv;
  }
  return { ...A, weights: w };
}

/** `A / max(A)` (the reference's alternative to row-stochastic scaling); unchanged when max is 0. */
export function maxScaled<G extends SparseSquare>(A: G): G {
  let mx = 0;
  for (let p = 0; p < A.weights.length; p++) if (A.weights[p] > mx) mx = A.weights[p];
  if (mx === 0) return A;
  const w = new Float64Array(A.weights.length);
  for (let p = 0; p < w.length; p++) w[p] = A.weights[p] / mx;
  return { ...A, weights: w };
}

/**
 * `a·A + b·B` on the union of both patterns (entries that sum to exactly 0 are kept out).
 */
export function addScaled(a: number, A: SparseSquare, b: number, B: SparseSquare): SparseSquare {
  const n = A.n;
  const maxLen = A.indptr[n] + B.indptr[n];
  const indptr = new Int32Array(n + 1);
  const indices = new Int32Array(maxLen);
  const weights = new Float64Array(maxLen);
  let m = 0;
  for (let i = 0; i < n; i++) {
    let p = A.indptr[i];
    let q = B.indptr[i];
    const pe = A.indptr[i + 1];
    const qe = B.indptr[i + 1];
    while (p < pe || q < qe) {
      const cp = p < pe ? A.indices[p] : 0x7fffffff;
      const cq = q < qe ? B.indices[q] : 0x7fffffff;
      let v: number;
      let c: number;
      if (cp === cq) {
        v = a * A.weights[p++] + b * B.weights[q++];
        c = cp;
      } else if (cp < cq) {
        v = a * A.weights[p++];
        c = cp;
      } else {
        v = b * B.weights[q++];
        c = cq;
      }
      if (v === 0) continue;
      indices[m] = c;
      weights[m++] = v;
    }
    indptr[i + 1] = m;
  }
  return { n, indptr, indices: indices.slice(0, m), weights: weights.slice(0, m) };
}

/**
 * The hybrid mixed adjacency (M1.3 step 6): with `rowStochastic` (default, the reference's
 * ROW_STOCH_NORMALIZE = true) `A_mix = rowstoch(α·rowstoch(A_S) + (1−α)·rowstoch(C))`, the
 * final renormalisation only when `renormalize` (RENORMALIZE_MIX, default true); otherwise
 * each matrix is divided by its maximum entry and the mix is not renormalised.
 * The result is not symmetric: Leiden sees `A_mix + A_mixᵀ` (graph/graphFromAdjacency 'sum').
 * @param spatial A_S, the hybrid spatial graph
 * @param feature the UMAP connectivities of the feature kNN graph
 * @param alpha spatial weight α in [0, 1] (default 0.5, M1.4)
 */
export function mixAdjacency(
  spatial: SparseSquare,
  feature: SparseSquare,
  alpha = 0.5,
  options: { rowStochastic?: boolean; renormalize?: boolean } = {},
): SparseSquare {
  return runSteps(mixAdjacencySteps(spatial, feature, alpha, options));
}

/** {@link mixAdjacency} as cancellable steps (errors.ts `Steps`). */
export function* mixAdjacencySteps(
  spatial: SparseSquare,
  feature: SparseSquare,
  alpha = 0.5,
  options: { rowStochastic?: boolean; renormalize?: boolean } = {},
): Steps<SparseSquare> {
  const rs = options.rowStochastic ?? true;
  if (rs) return yield* mixRowStochastic(spatial, feature, alpha, options.renormalize ?? true);
  return addScaled(alpha, maxScaled(spatial), 1 - alpha, maxScaled(feature));
}

/**
 * `rowstoch(α·rowstoch(A) + (1−α)·rowstoch(B))` (the renormalisation only when `renormalize`)
 * in one row-by-row pass, with the same float64 operations in the same order as composing
 * rowStochastic and addScaled, so the values are bitwise those of the composition; it saves
 * three full-size intermediate matrices (0.14 -> 0.085 CPU s on Xenium).
 */
function* mixRowStochastic(A: SparseSquare, B: SparseSquare, alpha: number, renormalize: boolean): Steps<SparseSquare> {
  const n = A.n;
  const a = alpha;
  const b = 1 - alpha;
  const maxLen = A.indptr[n] + B.indptr[n];
  const indptr = new Int32Array(n + 1);
  const indices = new Int32Array(maxLen);
  const weights = new Float64Array(maxLen);
  let m = 0;
  for (let i = 0; i < n; i++) {
    if ((i & 4095) === 4095) yield; // a cancellation point every 4096 rows
    let p = A.indptr[i];
    let q = B.indptr[i];
    const pe = A.indptr[i + 1];
    const qe = B.indptr[i + 1];
    let sa = 0;
    for (let t = p; t < pe; t++) sa += A.weights[t];
    let sb = 0;
    for (let t = q; t < qe; t++) sb += B.weights[t];
    // rowStochastic leaves a row summing to 0 at 0; `za`/`zb` reproduce that.
    const za = sa === 0;
    const zb = sb === 0;
    const ia = za ? 0 : 1 / sa;
    const ib = zb ? 0 : 1 / sb;
    const start = m;
    let rowSum = 0;
    while (p < pe || q < qe) {
      const cp = p < pe ? A.indices[p] : 0x7fffffff;
      const cq = q < qe ? B.indices[q] : 0x7fffffff;
      let v: number;
      let c: number;
      if (cp === cq) {
        v = a * (za ? 0 : A.weights[p] * ia) + b * (zb ? 0 : B.weights[q] * ib);
        p++;
        q++;
        c = cp;
      } else if (cp < cq) {
        v = a * (za ? 0 : A.weights[p] * ia);
        p++;
        c = cp;
      } else {
        v = b * (zb ? 0 : B.weights[q] * ib);
        q++;
        c = cq;
      }
      if (v === 0) continue;
      indices[m] = c;
      weights[m++] = v;
      rowSum += v;
    }
    if (renormalize && rowSum !== 0) {
      const inv = 1 / rowSum;
      for (let t = start; t < m; t++) weights[t] *= inv;
    }
    indptr[i + 1] = m;
  }
  return { n, indptr, indices: indices.slice(0, m), weights: weights.slice(0, m) };
}

/** Number of undirected edges of a symmetric graph without self-loops (stored entries / 2). */
export function undirectedEdgeCount(A: SparseSquare): number {
  return A.indptr[A.n] / 2;
}

/**
 * The undirected graph `W = A + Aᵀ` Leiden runs on (M1.3 step 7), identical to
 * `graphFromAdjacency(A, 'sum')` of src/graph: one edge per stored entry, parallel entries
 * summed (each sum has two terms, so its value does not depend on their order), the diagonal
 * doubled, exact zeros left out. Built by a counting transpose and a row merge in
 * O(n + nnz) instead of a comparison sort per row (0.4 s -> 0.05 s on Xenium's A_mix).
 * @throws StnmfError for a weight that is negative or not finite, or a column outside [0, n).
 */
export function symmetrizeSum(A: SparseSquare): Graph {
  return runSteps(symmetrizeSumSteps(A));
}

/** {@link symmetrizeSum} as cancellable steps (errors.ts `Steps`). */
export function* symmetrizeSumSteps(A: SparseSquare): Steps<Graph> {
  const n = A.n;
  const nnz = A.indptr[n];
  const tptr = new Int32Array(n + 1);
  for (let p = 0; p < nnz; p++) {
    if ((p & 0x3ffff) === 0x3ffff) yield; // a cancellation point every 262,144 entries
    const w = A.weights[p];
    if (!(w >= 0) || !Number.isFinite(w)) throw new StnmfError('BAD_INPUT', `hsnmf: adjacency weight ${p} must be finite and >= 0, got ${w}`);
    const j = A.indices[p];
    if (!(j >= 0 && j < n)) throw new StnmfError('BAD_INPUT', `hsnmf: adjacency column index ${j} outside [0, ${n})`);
    tptr[j + 1]++;
  }
  for (let i = 0; i < n; i++) tptr[i + 1] += tptr[i];
  // Aᵀ row j lists the i with A_ij stored, in increasing i (rows are visited in order).
  const next = tptr.slice(0, n);
  const tcol = new Int32Array(nnz);
  const tval = new Float64Array(nnz);
  for (let i = 0; i < n; i++) {
    if ((i & 4095) === 4095) yield; // a cancellation point every 4096 rows
    for (let p = A.indptr[i]; p < A.indptr[i + 1]; p++) {
      const q = next[A.indices[p]]++;
      tcol[q] = i;
      tval[q] = A.weights[p];
    }
  }
  // Two passes of one row merge: the first counts the entries, so the arrays are allocated once
  // at their size (A's pattern is usually symmetric: nnz, not the 2·nnz bound); the second
  // fills them. An entry is left out when its sum is exactly 0.
  function* merge(out?: { indptr: Int32Array; indices: Int32Array; weights: Float64Array }): Steps<number> {
    let m = 0;
    for (let i = 0; i < n; i++) {
      if ((i & 4095) === 4095) yield; // a cancellation point every 4096 rows
      let a = A.indptr[i];
      let b = tptr[i];
      const ae = A.indptr[i + 1];
      const be = tptr[i + 1];
      while (a < ae || b < be) {
        const ca = a < ae ? A.indices[a] : 0x7fffffff;
        const cb = b < be ? tcol[b] : 0x7fffffff;
        let v: number;
        let c: number;
        if (ca === cb) {
          v = A.weights[a++] + tval[b++];
          c = ca;
        } else if (ca < cb) {
          v = A.weights[a++];
          c = ca;
        } else {
          v = tval[b++];
          c = cb;
        }
        if (v === 0) continue;
        if (out) {
          out.indices[m] = c;
          out.weights[m] = v;
        }
        m++;
      }
      if (out) out.indptr[i + 1] = m;
    }
    return m;
  }
  const size = yield* merge();
  const out = { indptr: new Int32Array(n + 1), indices: new Int32Array(size), weights: new Float64Array(size) };
  yield* merge(out);
  return { n, ...out };
}
