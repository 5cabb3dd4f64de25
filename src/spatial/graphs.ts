/**
 * Neighbourhood graphs on points (methods-spec G3.1–G3.4): radius, kNN and Delaunay graphs in
 * CSR form with float64 weights and distances, plus weight schemes and row standardisation.
 *
 * Layer 1 (spatial): no Node APIs.
 */
import Delaunator from 'delaunator';
import { runSteps, StnmfError, type Steps } from '../errors.js';
import type { Csr } from '../linalg/csr.js';
import { KDTree, checkPoints, knnQuerySteps, type PointArray } from './kdtree.js';

/**
 * A sparse n x n graph in CSR form. Row i lists i's neighbours (sorted by index, no
 * self-entries unless stated) with a weight and the Euclidean distance of the pair. Symmetric
 * graphs store each undirected edge in both rows; the same shape is accepted by
 * `graph/leiden` and the metrics.
 */
export interface NeighborGraph {
  readonly n: number;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly weights: Float64Array;
  /** Distance of each stored pair (same length as `indices`). */
  readonly distances: Float64Array;
}

/** Weight schemes (G3.1/G3.4). */
export type WeightScheme = 'binary' | 'gaussian' | 'inverse-distance' | 'distance';

/** Options shared by the graph builders. */
export interface WeightOptions {
  /**
   * Edge weights: `binary` (1, default), `gaussian` exp(−d²/(2 s²)) with `bandwidth` s,
   * `inverse-distance` 1/d (coincident pairs get weight 0), `distance` (d itself).
   */
  weights?: WeightScheme;
  /** Gaussian bandwidth s in coordinate units; default = the median edge length [T]. */
  bandwidth?: number;
}

/** Options of {@link radiusGraph}. */
export interface RadiusGraphOptions extends WeightOptions {
  /**
   * Drop coincident pairs: an edge needs `d > 1e-6` (G3.1 ε, default true). With false every
   * other point at `d <= radius` is a neighbour, as in scikit-learn's `radius_neighbors_graph`.
   */
  dropCoincident?: boolean;
}

/** Options of {@link knnGraph}. */
export interface KnnGraphOptions extends WeightOptions {
  /**
   * How the directed kNN relation becomes a graph (G3.2): `union` (edge if either is among
   * the other's k nearest; default, as scanpy / knn_graph.py), `mutual` (both), or `none`
   * (keep the directed rows: row i = i's k nearest, not symmetric).
   */
  symmetrize?: 'union' | 'mutual' | 'none';
}

/** Options of {@link delaunayGraph}. */
export interface DelaunayGraphOptions extends WeightOptions {
  /** Drop edges longer than this (coordinate units); default: keep all. */
  maxEdgeLength?: number;
  /** Drop edges longer than this percentile (0–100] of all Delaunay edge lengths. */
  maxEdgePercentile?: number;
}

const COINCIDENT_EPS = 1e-6;

/**
 * The radius graph (G3.1): edge {i, j}, i ≠ j, iff d_ij ≤ radius (and d_ij > 1e-6 unless
 * `dropCoincident: false`). Built with a k-d tree, O(n·(log n + d̄)). Symmetric; rows sorted.
 * @param xy flat `[x0, y0, x1, y1, …]` (or `dim`-D points with `dim` given), finite.
 * @param radius > 0, in coordinate units.
 * @throws StnmfError on non-finite coordinates or radius <= 0.
 */
export function radiusGraph(xy: PointArray, radius: number, options: RadiusGraphOptions = {}, dim = 2): NeighborGraph {
  return runSteps(radiusGraphSteps(xy, radius, options, dim));
}

/** How many queries pass between two cancellation points of the graph builders. */
const QUERIES_PER_STEP = 4096;

/** {@link radiusGraph} as cancellable steps (errors.ts `Steps`), yielding every 4096 queries. */
export function* radiusGraphSteps(xy: PointArray, radius: number, options: RadiusGraphOptions = {}, dim = 2): Steps<NeighborGraph> {
  const n = checkPoints(xy, dim, 'radiusGraph');
  if (!(radius > 0) || !Number.isFinite(radius)) {
    throw new StnmfError('BAD_OPTION', `radiusGraph: radius must be a finite number > 0, got ${radius}`);
  }
  const minD2 = options.dropCoincident === false ? -1 : COINCIDENT_EPS * COINCIDENT_EPS;
  const tree = new KDTree(xy, dim);
  const counts = new Int32Array(n + 1);
  let idx = new Int32Array(Math.max(16, n * 8));
  let d2s = new Float64Array(idx.length);
  let len = 0;
  let self = -1;
  const visit = (j: number, d2: number): void => {
    if (j === self || d2 <= minD2) return;
    if (len === idx.length) {
      const ni = new Int32Array(len * 2);
      ni.set(idx);
      idx = ni;
      const nd = new Float64Array(len * 2);
      nd.set(d2s);
      d2s = nd;
    }
    idx[len] = j;
    d2s[len] = d2;
    len++;
  };
  // Rows are gathered in original order, so the row pointer is a running count.
  for (let i = 0; i < n; i++) {
    if (i % QUERIES_PER_STEP === QUERIES_PER_STEP - 1) yield;
    self = i;
    tree.within(xy, radius, visit, i * dim);
    counts[i + 1] = len;
  }
  yield;
  const indices = idx.slice(0, len);
  const dist = new Float64Array(len);
  for (let p = 0; p < len; p++) dist[p] = Math.sqrt(d2s[p]);
  yield* sortRowsSteps(counts, indices, dist);
  return withWeights({ n, indptr: counts, indices, distances: dist, weights: new Float64Array(len) }, options);
}

/**
 * The kNN graph (G3.2): each point's k nearest other points (exact, ties by smaller index),
 * symmetrised by union (default), mutual, or kept directed (`none`). For union, a pair's
 * weight is computed from its distance, which both directions share.
 * @param points flat row-major `n * dim` coordinates (spatial xy, or a factor embedding).
 * @param k 1 <= k < n (scanpy / hSNMF use 15).
 * @throws StnmfError on non-finite input, k < 1 or k >= n.
 */
export function knnGraph(points: PointArray, k: number, options: KnnGraphOptions = {}, dim = 2): NeighborGraph {
  return runSteps(knnGraphSteps(points, k, options, dim));
}

/** {@link knnGraph} as cancellable steps (errors.ts `Steps`). */
export function* knnGraphSteps(points: PointArray, k: number, options: KnnGraphOptions = {}, dim = 2): Steps<NeighborGraph> {
  const n = checkPoints(points, dim, 'knnGraph');
  if (!Number.isInteger(k) || k < 1 || k >= n) {
    throw new StnmfError('BAD_OPTION', `knnGraph: k must be an integer with 1 <= k < n = ${n}, got ${k}`);
  }
  const mode = options.symmetrize ?? 'union';
  const q = yield* knnQuerySteps(points, dim, k);
  yield;
  if (mode === 'none') {
    const indptr = new Int32Array(n + 1);
    for (let i = 0; i <= n; i++) indptr[i] = i * k;
    const indices = q.indices.slice();
    const distances = q.distances.slice();
    yield* sortRowsSteps(indptr, indices, distances);
    return withWeights({ n, indptr, indices, distances, weights: new Float64Array(n * k) }, options);
  }
  const g = yield* symmetrizeDirected(n, k, q.indices, q.distances, mode);
  return withWeights(g, options);
}

/** Union or mutual symmetrisation of a directed regular kNN relation (n rows of k). */
function* symmetrizeDirected(n: number, k: number, nbr: Int32Array, dist: Float64Array, mode: 'union' | 'mutual'): Steps<NeighborGraph> {
  // Build the reverse relation, then merge each row's forward and reverse lists.
  const rcount = new Int32Array(n + 1);
  for (let p = 0; p < n * k; p++) rcount[nbr[p] + 1]++;
  for (let i = 0; i < n; i++) rcount[i + 1] += rcount[i];
  const rnext = rcount.slice(0, n);
  const rsrc = new Int32Array(n * k);
  const rdist = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let p = i * k; p < (i + 1) * k; p++) {
      const q = rnext[nbr[p]]++;
      rsrc[q] = i;
      rdist[q] = dist[p];
    }
  }
  const fwd = nbr.slice();
  const fwdD = dist.slice();
  const fptr = new Int32Array(n + 1);
  for (let i = 0; i <= n; i++) fptr[i] = i * k;
  yield* sortRowsSteps(fptr, fwd, fwdD);
  yield* sortRowsSteps(rcount, rsrc, rdist);
  const indptr = new Int32Array(n + 1);
  const cap = mode === 'union' ? 2 * n * k : n * k;
  const indices = new Int32Array(cap);
  const distances = new Float64Array(cap);
  let len = 0;
  for (let i = 0; i < n; i++) {
    let a = fptr[i];
    const ae = fptr[i + 1];
    let b = rcount[i];
    const be = rcount[i + 1];
    while (a < ae || b < be) {
      const ja = a < ae ? fwd[a] : 0x7fffffff;
      const jb = b < be ? rsrc[b] : 0x7fffffff;
      if (ja === jb) {
        indices[len] = ja;
        distances[len++] = fwdD[a];
        a++;
        b++;
      } else if (ja < jb) {
        if (mode === 'union') {
          indices[len] = ja;
          distances[len++] = fwdD[a];
        }
        a++;
      } else {
        if (mode === 'union') {
          indices[len] = jb;
          distances[len++] = rdist[b];
        }
        b++;
      }
    }
    indptr[i + 1] = len;
  }
  return { n, indptr, indices: indices.slice(0, len), distances: distances.slice(0, len), weights: new Float64Array(len) };
}

/**
 * The Delaunay graph of 2-D points (G3.3), via the `delaunator` package (robust predicates).
 * Coincident points are merged before triangulation and re-attached after: each copy gets the
 * representative's neighbours (no edges between coincident copies). Collinear input (no
 * triangles) falls back to the chain of points sorted along the line.
 * @throws StnmfError on non-finite coordinates or fewer than 2 points.
 */
export function delaunayGraph(xy: PointArray, options: DelaunayGraphOptions = {}): NeighborGraph {
  const n = checkPoints(xy, 2, 'delaunayGraph');
  if (n < 2) throw new StnmfError('BAD_INPUT', `delaunayGraph: need at least 2 points, got ${n}`);
  // Merge coincident points: sort by (x, y), first of each run is the representative.
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const X = (i: number): number => xy[2 * i];
  const Y = (i: number): number => xy[2 * i + 1];
  order.sort((a, b) => X(a) - X(b) || Y(a) - Y(b) || a - b);
  const rep = new Int32Array(n);
  const uniq: number[] = [];
  for (let t = 0; t < n; t++) {
    const i = order[t];
    if (t > 0) {
      const j = order[t - 1];
      if (X(i) === X(j) && Y(i) === Y(j)) {
        rep[i] = rep[j];
        continue;
      }
    }
    rep[i] = uniq.length;
    uniq.push(i);
  }
  const u = uniq.length;
  const ucoords = new Float64Array(2 * u);
  for (let s = 0; s < u; s++) {
    ucoords[2 * s] = X(uniq[s]);
    ucoords[2 * s + 1] = Y(uniq[s]);
  }
  // Edges between unique points (s < t), deduplicated.
  const es: number[] = [];
  const et: number[] = [];
  if (u >= 3) {
    const d = new Delaunator(ucoords);
    const tri = d.triangles;
    for (let e = 0; e < tri.length; e++) {
      // Each interior half-edge has a twin; keep one direction (or hull edges, which have none).
      const twin = d.halfedges[e];
      if (twin !== -1 && twin < e) continue;
      const a = tri[e];
      const b = tri[e % 3 === 2 ? e - 2 : e + 1];
      es.push(a);
      et.push(b);
    }
  }
  if (es.length === 0 && u >= 2) {
    // Collinear (or two points): `uniq` is sorted by (x, y), which orders points along any line.
    for (let s = 0; s + 1 < u; s++) {
      es.push(s);
      et.push(s + 1);
    }
  }
  // Optional length cut.
  let cut = options.maxEdgeLength ?? Infinity;
  if (options.maxEdgePercentile !== undefined) {
    const p = options.maxEdgePercentile;
    if (!(p > 0 && p <= 100)) throw new StnmfError('BAD_OPTION', `delaunayGraph: maxEdgePercentile must be in (0, 100], got ${p}`);
    const lens = Float64Array.from(es, (a, t) => Math.sqrt((ucoords[2 * a] - ucoords[2 * et[t]]) ** 2 + (ucoords[2 * a + 1] - ucoords[2 * et[t] + 1]) ** 2)).sort();
    const pos = ((lens.length - 1) * p) / 100;
    const lo = Math.floor(pos);
    const hi = Math.min(lens.length - 1, lo + 1);
    cut = Math.min(cut, lens[lo] + (lens[hi] - lens[lo]) * (pos - lo));
  }
  if (options.maxEdgeLength !== undefined && !(options.maxEdgeLength > 0)) {
    throw new StnmfError('BAD_OPTION', `delaunayGraph: maxEdgeLength must be > 0, got ${options.maxEdgeLength}`);
  }
  // Unique-point adjacency, then expand to all copies.
  const members = new Int32Array(n);
  const mptr = new Int32Array(u + 1);
  for (let i = 0; i < n; i++) mptr[rep[i] + 1]++;
  for (let s = 0; s < u; s++) mptr[s + 1] += mptr[s];
  const mnext = mptr.slice(0, u);
  for (let i = 0; i < n; i++) members[mnext[rep[i]]++] = i;
  const src: number[] = [];
  const dst: number[] = [];
  const dd: number[] = [];
  for (let t = 0; t < es.length; t++) {
    const a = es[t];
    const b = et[t];
    const len = Math.sqrt((ucoords[2 * a] - ucoords[2 * b]) ** 2 + (ucoords[2 * a + 1] - ucoords[2 * b + 1]) ** 2);
    if (len > cut) continue;
    for (let p = mptr[a]; p < mptr[a + 1]; p++) {
      for (let q = mptr[b]; q < mptr[b + 1]; q++) {
        src.push(members[p], members[q]);
        dst.push(members[q], members[p]);
        dd.push(len, len);
      }
    }
  }
  const g = fromPairs(n, src, dst, dd);
  return withWeights(g, options);
}

/** CSR from directed pairs (already containing both directions), rows sorted. */
function fromPairs(n: number, src: ArrayLike<number>, dst: ArrayLike<number>, dist: ArrayLike<number>): NeighborGraph {
  const m = src.length;
  const indptr = new Int32Array(n + 1);
  for (let t = 0; t < m; t++) indptr[src[t] + 1]++;
  for (let i = 0; i < n; i++) indptr[i + 1] += indptr[i];
  const next = indptr.slice(0, n);
  const indices = new Int32Array(m);
  const distances = new Float64Array(m);
  for (let t = 0; t < m; t++) {
    const q = next[src[t]]++;
    indices[q] = dst[t];
    distances[q] = dist[t];
  }
  sortRows(indptr, indices, distances);
  return { n, indptr, indices, distances, weights: new Float64Array(m) };
}

/** Sorts each CSR row by column index (insertion sort for short rows, else index sort). */
export function sortRows(indptr: Int32Array, indices: Int32Array, values: Float64Array): void {
  runSteps(sortRowsSteps(indptr, indices, values));
}

/** {@link sortRows} as cancellable steps (errors.ts `Steps`), yielding every 4096 rows. */
export function* sortRowsSteps(indptr: Int32Array, indices: Int32Array, values: Float64Array): Steps<void> {
  const n = indptr.length - 1;
  for (let i = 0; i < n; i++) {
    if ((i & 4095) === 4095) yield;
    const s = indptr[i];
    const e = indptr[i + 1];
    if (e - s <= 32) {
      for (let p = s + 1; p < e; p++) {
        const c = indices[p];
        const v = values[p];
        let q = p - 1;
        while (q >= s && indices[q] > c) {
          indices[q + 1] = indices[q];
          values[q + 1] = values[q];
          q--;
        }
        indices[q + 1] = c;
        values[q + 1] = v;
      }
    } else {
      const perm = Array.from({ length: e - s }, (_, t) => s + t).sort((a, b) => indices[a] - indices[b]);
      const ci = perm.map((p) => indices[p]);
      const cv = perm.map((p) => values[p]);
      for (let t = 0; t < ci.length; t++) {
        indices[s + t] = ci[t];
        values[s + t] = cv[t];
      }
    }
  }
}

/** Median of the stored distances (the default Gaussian bandwidth). */
function medianDistance(d: Float64Array): number {
  if (d.length === 0) return 1;
  const s = d.slice().sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

/** Fills `g.weights` from `g.distances` according to the scheme (in place; returns g). */
function withWeights(g: NeighborGraph, options: WeightOptions): NeighborGraph {
  return setWeights(g, options.weights ?? 'binary', options.bandwidth, true);
}

/**
 * A copy of `g` with weights from its distances (G3.1/G3.4): `binary` 1; `gaussian`
 * exp(−d²/(2 s²)) with bandwidth s (default: median edge length [T]); `inverse-distance` 1/d
 * (0 for coincident pairs); `distance` d.
 */
export function setWeights(g: NeighborGraph, scheme: WeightScheme, bandwidth?: number, inPlace = false): NeighborGraph {
  const w = inPlace ? (g.weights as Float64Array) : new Float64Array(g.indices.length);
  const d = g.distances;
  switch (scheme) {
    case 'binary':
      w.fill(1);
      break;
    case 'gaussian': {
      const s = bandwidth ?? medianDistance(d);
      if (!(s > 0) || !Number.isFinite(s)) throw new StnmfError('BAD_OPTION', `setWeights: gaussian bandwidth must be a finite number > 0, got ${s}`);
      const f = 1 / (2 * s * s);
      for (let p = 0; p < d.length; p++) w[p] = Math.exp(-d[p] * d[p] * f);
      break;
    }
    case 'inverse-distance':
      for (let p = 0; p < d.length; p++) w[p] = d[p] > 0 ? 1 / d[p] : 0;
      break;
    case 'distance':
      w.set(d);
      break;
    default:
      throw new StnmfError('BAD_OPTION', `setWeights: weights must be binary, gaussian, inverse-distance or distance, got ${String(scheme)}`);
  }
  return inPlace ? g : { ...g, weights: w };
}

/**
 * Row-standardised copy (G3.4, PySAL 'r'): w̃_ij = w_ij / Σ_j w_ij. Rows without neighbours
 * (islands) stay zero and are reported; Σ w̃ = n − islands.
 */
export function rowStandardize(g: NeighborGraph): { graph: NeighborGraph; islands: number } {
  const w = new Float64Array(g.weights.length);
  let islands = 0;
  for (let i = 0; i < g.n; i++) {
    let s = 0;
    for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) s += g.weights[p];
    if (s === 0) {
      islands++;
      continue;
    }
    for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) w[p] = g.weights[p] / s;
  }
  return { graph: { ...g, weights: w }, islands };
}

/** The graph as a linalg `Csr` (float32 values) for `obsp` storage. */
export function graphToCsr(g: { n: number; indptr: Int32Array; indices: Int32Array; weights: ArrayLike<number> }): Csr {
  return { rows: g.n, cols: g.n, indptr: g.indptr, indices: g.indices, data: Float32Array.from(g.weights) };
}

/** Number of stored (directed) entries. */
export function graphNnz(g: { indptr: Int32Array; n: number }): number {
  return g.indptr[g.n];
}
