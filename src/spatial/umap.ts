/**
 * scanpy's UMAP connectivities (methods-spec G3.5; umap-learn's `fuzzy_simplicial_set` with
 * local_connectivity 1, bandwidth 1, set_op_mix_ratio 1, as called by `sc.pp.neighbors`).
 *
 * Layer 1 (spatial): no Node APIs.
 */
import { runSteps, StnmfError, type Steps } from '../errors.js';
import { checkPoints, knnQuerySteps, type PointArray } from './kdtree.js';
import type { NeighborGraph } from './graphs.js';

const SMOOTH_K_TOLERANCE = 1e-5;
const MIN_K_DIST_SCALE = 1e-3;

/** Options of {@link umapConnectivities}. */
export interface UmapOptions {
  /** Neighbours per point including the point itself (scanpy `n_neighbors`, default 15). */
  nNeighbors?: number;
  /** Bisection steps for σ (umap-learn default 64). */
  nIter?: number;
}

/**
 * ρ and σ of every point from its sorted neighbour distances (`kk` per row, self first at 0),
 * umap-learn's `smooth_knn_dist`: Σ_{j≥2} exp(−max(0, d_ij − ρ_i)/σ_i) = log2(kk).
 */
export function smoothKnnDist(distances: Float64Array, n: number, kk: number, nIter = 64): { sigma: Float64Array; rho: Float64Array } {
  return runSteps(smoothKnnDistSteps(distances, n, kk, nIter));
}

/** {@link smoothKnnDist} as cancellable steps (errors.ts `Steps`), yielding every 4096 rows: its binary searches are the costliest loop of the connectivities. */
function* smoothKnnDistSteps(distances: Float64Array, n: number, kk: number, nIter = 64): Steps<{ sigma: Float64Array; rho: Float64Array }> {
  const target = Math.log2(kk);
  const rho = new Float64Array(n);
  const sigma = new Float64Array(n);
  let total = 0;
  for (let p = 0; p < n * kk; p++) total += distances[p];
  const meanAll = total / (n * kk);
  for (let i = 0; i < n; i++) {
    if ((i & 4095) === 4095) yield;
    const base = i * kk;
    // local_connectivity = 1: ρ = the first positive distance.
    let r = 0;
    for (let j = 0; j < kk; j++) {
      if (distances[base + j] > 0) {
        r = distances[base + j];
        break;
      }
    }
    rho[i] = r;
    let lo = 0;
    let hi = Infinity;
    let mid = 1;
    for (let it = 0; it < nIter; it++) {
      let psum = 0;
      for (let j = 1; j < kk; j++) {
        const d = distances[base + j] - r;
        psum += d > 0 ? Math.exp(-(d / mid)) : 1;
      }
      if (Math.abs(psum - target) < SMOOTH_K_TOLERANCE) break;
      if (psum > target) {
        hi = mid;
        mid = (lo + hi) / 2;
      } else {
        lo = mid;
        if (hi === Infinity) mid *= 2;
        else mid = (lo + hi) / 2;
      }
    }
    let s = mid;
    if (r > 0) {
      let m = 0;
      for (let j = 0; j < kk; j++) m += distances[base + j];
      m /= kk;
      if (s < MIN_K_DIST_SCALE * m) s = MIN_K_DIST_SCALE * m;
    } else if (s < MIN_K_DIST_SCALE * meanAll) {
      s = MIN_K_DIST_SCALE * meanAll;
    }
    sigma[i] = s;
  }
  return { sigma, rho };
}

/**
 * UMAP fuzzy-simplicial-set connectivities of a feature kNN graph (scanpy `neighbors`, method
 * "umap"): exact kNN with `nNeighbors` including self (default 15), σ/ρ smoothing, directed
 * memberships v_ij, fuzzy union w = v + vᵀ − v∘vᵀ, zero diagonal. Symmetric, values in (0, 1].
 * `distances` of the result are the pair distances.
 * @param points flat row-major `n * dim` embedding (e.g. `X_pca` or `X_nmf`), finite.
 * @throws StnmfError on non-finite input or nNeighbors outside [2, n].
 */
export function umapConnectivities(points: PointArray, dim: number, options: UmapOptions = {}): NeighborGraph {
  return runSteps(umapConnectivitiesSteps(points, dim, options));
}

/** {@link umapConnectivities} as cancellable steps (errors.ts `Steps`). */
export function* umapConnectivitiesSteps(points: PointArray, dim: number, options: UmapOptions = {}): Steps<NeighborGraph> {
  const n = checkPoints(points, dim, 'umapConnectivities');
  const kk = options.nNeighbors ?? 15;
  if (!Number.isInteger(kk) || kk < 2 || kk > n) {
    throw new StnmfError('BAD_OPTION', `umapConnectivities: nNeighbors must be an integer in [2, n = ${n}], got ${kk}`);
  }
  // Self first, then the kk − 1 nearest others (exact; ties by index).
  const q = yield* knnQuerySteps(points, dim, kk - 1);
  const idx = new Int32Array(n * kk);
  const dist = new Float64Array(n * kk);
  for (let i = 0; i < n; i++) {
    if ((i & 4095) === 4095) yield;
    idx[i * kk] = i;
    dist[i * kk] = 0;
    for (let j = 1; j < kk; j++) {
      idx[i * kk + j] = q.indices[i * (kk - 1) + j - 1];
      dist[i * kk + j] = q.distances[i * (kk - 1) + j - 1];
    }
  }
  yield;
  return yield* fuzzyUnionSteps(n, kk, idx, dist, options.nIter ?? 64);
}

/** Fuzzy union of the directed memberships given kNN rows (self included, ascending). */
export function fuzzyUnion(n: number, kk: number, idx: Int32Array, dist: Float64Array, nIter = 64): NeighborGraph {
  return runSteps(fuzzyUnionSteps(n, kk, idx, dist, nIter));
}

/** {@link fuzzyUnion} as cancellable steps (errors.ts `Steps`), yielding every 4096 rows. */
function* fuzzyUnionSteps(n: number, kk: number, idx: Int32Array, dist: Float64Array, nIter = 64): Steps<NeighborGraph> {
  const { sigma, rho } = yield* smoothKnnDistSteps(dist, n, kk, nIter);
  yield;
  // Directed memberships as CSR rows sorted by column.
  const dptr = new Int32Array(n + 1);
  const dcol = new Int32Array(n * kk);
  const dval = new Float64Array(n * kk);
  const ddist = new Float64Array(n * kk);
  let len = 0;
  for (let i = 0; i < n; i++) {
    if ((i & 4095) === 4095) yield;
    const start = len;
    for (let j = 0; j < kk; j++) {
      const c = idx[i * kk + j];
      if (c === i || c < 0) continue;
      const d = dist[i * kk + j];
      const v = d - rho[i] <= 0 || sigma[i] === 0 ? 1 : Math.exp(-((d - rho[i]) / sigma[i]));
      if (v === 0) continue;
      dcol[len] = c;
      dval[len] = v;
      ddist[len++] = d;
    }
    // insertion sort the row by column
    for (let p = start + 1; p < len; p++) {
      const c = dcol[p], v = dval[p], dd = ddist[p];
      let q = p - 1;
      while (q >= start && dcol[q] > c) {
        dcol[q + 1] = dcol[q];
        dval[q + 1] = dval[q];
        ddist[q + 1] = ddist[q];
        q--;
      }
      dcol[q + 1] = c;
      dval[q + 1] = v;
      ddist[q + 1] = dd;
    }
    dptr[i + 1] = len;
  }
  // Transpose.
  const tptr = new Int32Array(n + 1);
  for (let p = 0; p < len; p++) tptr[dcol[p] + 1]++;
  for (let i = 0; i < n; i++) tptr[i + 1] += tptr[i];
  const tnext = tptr.slice(0, n);
  const tcol = new Int32Array(len);
  const tval = new Float64Array(len);
  const tdist = new Float64Array(len);
  for (let i = 0; i < n; i++) {
    if ((i & 4095) === 4095) yield;
    for (let p = dptr[i]; p < dptr[i + 1]; p++) {
      const q = tnext[dcol[p]]++;
      tcol[q] = i;
      tval[q] = dval[p];
      tdist[q] = ddist[p];
    }
  }
  const indptr = new Int32Array(n + 1);
  const indices = new Int32Array(2 * len);
  const weights = new Float64Array(2 * len);
  const distances = new Float64Array(2 * len);
  let m = 0;
  for (let i = 0; i < n; i++) {
    if ((i & 4095) === 4095) yield;
    let a = dptr[i];
    let b = tptr[i];
    const ae = dptr[i + 1];
    const be = tptr[i + 1];
    while (a < ae || b < be) {
      const ca = a < ae ? dcol[a] : 0x7fffffff;
      const cb = b < be ? tcol[b] : 0x7fffffff;
      let v: number;
      let c: number;
      let d: number;
      if (ca === cb) {
        v = dval[a] + tval[b] - dval[a] * tval[b];
        c = ca;
        d = ddist[a];
        a++;
        b++;
      } else if (ca < cb) {
        v = dval[a];
        c = ca;
        d = ddist[a];
        a++;
      } else {
        v = tval[b];
        c = cb;
        d = tdist[b];
        b++;
      }
      if (v === 0) continue;
      indices[m] = c;
      weights[m] = v;
      distances[m++] = d;
    }
    indptr[i + 1] = m;
  }
  return { n, indptr, indices: indices.slice(0, m), weights: weights.slice(0, m), distances: distances.slice(0, m) };
}
