/**
 * A static k-d tree over n points in d dimensions (2-D coordinates or k-D factor space),
 * in the style of kdbush: the points are sorted in place into an implicit balanced tree
 * (median split, axes alternating), leaves of `nodeSize` points are scanned linearly.
 * Queries are exact; kNN ties are broken by the smaller original index (methods-spec G3.2 [T]).
 *
 * Layer 1 (spatial): no Node APIs.
 */
import { runSteps, StnmfError, type Steps } from '../errors.js';
import { BoxKDTree } from './knn-feature.js';
import { selectOnAxis } from './select-axis.js';

/** Points as a flat row-major array (`n * dim` numbers) plus their dimension. */
export type PointArray = Float64Array | Float32Array | ArrayLike<number>;

/** Checks a flat point array and returns n; every coordinate must be finite. */
export function checkPoints(points: PointArray, dim: number, what: string): number {
  if (!Number.isInteger(dim) || dim < 1) {
    throw new StnmfError('BAD_OPTION', `${what}: dim must be an integer >= 1, got ${dim}`);
  }
  if (points.length % dim !== 0) {
    throw new StnmfError('BAD_INPUT', `${what}: points array length ${points.length} is not a multiple of dim ${dim}`);
  }
  for (let t = 0; t < points.length; t++) {
    const v = points[t];
    if (!Number.isFinite(v)) {
      const i = Math.floor(t / dim);
      throw new StnmfError('BAD_INPUT', `${what}: coordinate ${t % dim} of point ${i} must be finite, found ${v}`);
    }
  }
  return points.length / dim;
}

/** A static exact k-d tree. Build once, query many times. */
export class KDTree {
  /** Number of points. */
  readonly n: number;
  /** Dimension of the points. */
  readonly dim: number;
  /** `ids[t]` = original index of the point stored at tree position t. */
  readonly ids: Int32Array;
  /** Coordinates in tree order, `n * dim`, float64. */
  readonly coords: Float64Array;
  private readonly nodeSize: number;
  // Scratch state of a kNN query, kept on the instance so queries allocate nothing.
  private heapD = new Float64Array(16);
  private heapI = new Int32Array(16);
  private heapSize = 0;
  private heapCap = 0;
  private qbuf: Float64Array;
  private exclude = -1;

  /**
   * @param points flat row-major coordinates, `n * dim` values, all finite (else `StnmfError`).
   * @param dim dimension (default 2, spatial coordinates).
   * @param nodeSize leaf size (default 16; kdbush uses 64 for 2-D, smaller leaves help in k-D).
   */
  constructor(points: PointArray, dim = 2, nodeSize = 16) {
    const n = checkPoints(points, dim, 'KDTree');
    this.n = n;
    this.dim = dim;
    this.nodeSize = Math.max(1, nodeSize | 0);
    this.ids = new Int32Array(n);
    for (let i = 0; i < n; i++) this.ids[i] = i;
    this.coords = Float64Array.from(points as ArrayLike<number>);
    this.qbuf = new Float64Array(dim);
    if (n > 0) this.build(0, n - 1, 0);
  }

  private build(left: number, right: number, axis: number): void {
    if (right - left <= this.nodeSize) return;
    const m = (left + right) >> 1;
    selectOnAxis(this.ids, this.coords, this.dim, m, left, right, axis);
    const next = (axis + 1) % this.dim;
    this.build(left, m - 1, next);
    this.build(m + 1, right, next);
  }

  /**
   * The k nearest points to `query` (a point of `dim` coordinates), excluding the point with
   * original index `exclude` (pass -1 to exclude none). Results are written sorted by
   * ascending distance, ties by ascending index, into `outIdx`/`outDist` from `outOffset`;
   * returns how many were found (min(k, n − excluded)). Distances are Euclidean.
   */
  knn(query: ArrayLike<number>, k: number, exclude: number, outIdx: Int32Array, outDist: Float64Array, outOffset = 0, queryOffset = 0): number {
    if (k <= 0 || this.n === 0) return 0;
    if (this.heapD.length < k) {
      this.heapD = new Float64Array(k);
      this.heapI = new Int32Array(k);
    }
    this.heapCap = k;
    this.heapSize = 0;
    this.exclude = exclude;
    const q = this.qbuf;
    for (let a = 0; a < this.dim; a++) q[a] = query[queryOffset + a];
    this.knnSearch(0, this.n - 1, 0);
    // Pop the max-heap from the back so the output is ascending by (distance, index).
    const found = this.heapSize;
    for (let t = found - 1; t >= 0; t--) {
      outIdx[outOffset + t] = this.heapI[0];
      outDist[outOffset + t] = Math.sqrt(this.heapD[0]);
      this.heapPop();
    }
    return found;
  }

  private knnSearch(left: number, right: number, axis: number): void {
    const c = this.coords;
    const d = this.dim;
    const q = this.qbuf;
    if (right - left <= this.nodeSize) {
      for (let t = left; t <= right; t++) this.consider(t);
      return;
    }
    const m = (left + right) >> 1;
    this.consider(m);
    const diff = q[axis] - c[m * d + axis];
    const next = (axis + 1) % d;
    // `<=` in both bounds keeps equal-distance candidates reachable so index ties resolve exactly.
    if (diff <= 0) {
      this.knnSearch(left, m - 1, next);
      if (this.heapSize < this.heapCap || diff * diff <= this.heapD[0]) this.knnSearch(m + 1, right, next);
    } else {
      this.knnSearch(m + 1, right, next);
      if (this.heapSize < this.heapCap || diff * diff <= this.heapD[0]) this.knnSearch(left, m - 1, next);
    }
  }

  private consider(t: number): void {
    const id = this.ids[t];
    if (id === this.exclude) return;
    const c = this.coords;
    const d = this.dim;
    const q = this.qbuf;
    let d2 = 0;
    for (let a = 0, p = t * d; a < d; a++, p++) {
      const u = c[p] - q[a];
      d2 += u * u;
    }
    if (this.heapSize < this.heapCap) {
      this.heapPush(d2, id);
    } else {
      const td = this.heapD[0];
      if (d2 < td || (d2 === td && id < this.heapI[0])) {
        this.heapD[0] = d2;
        this.heapI[0] = id;
        this.siftDown(0);
      }
    }
  }

  // Max-heap on (distance², index) lexicographically.
  private heapPush(d2: number, id: number): void {
    const hd = this.heapD;
    const hi = this.heapI;
    let i = this.heapSize++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (hd[p] > d2 || (hd[p] === d2 && hi[p] > id)) break;
      hd[i] = hd[p];
      hi[i] = hi[p];
      i = p;
    }
    hd[i] = d2;
    hi[i] = id;
  }

  private heapPop(): void {
    const last = --this.heapSize;
    if (last <= 0) return;
    this.heapD[0] = this.heapD[last];
    this.heapI[0] = this.heapI[last];
    this.siftDown(0);
  }

  private siftDown(i: number): void {
    const hd = this.heapD;
    const hi = this.heapI;
    const size = this.heapSize;
    const d2 = hd[i];
    const id = hi[i];
    for (;;) {
      let c = 2 * i + 1;
      if (c >= size) break;
      const r = c + 1;
      if (r < size && (hd[r] > hd[c] || (hd[r] === hd[c] && hi[r] > hi[c]))) c = r;
      if (hd[c] < d2 || (hd[c] === d2 && hi[c] < id)) break;
      hd[i] = hd[c];
      hi[i] = hi[c];
      i = c;
    }
    hd[i] = d2;
    hi[i] = id;
  }

  /**
   * Calls `visit(index, distance²)` for every point within Euclidean distance `radius` of
   * `query` (inclusive: d ≤ radius), in tree order (not sorted).
   */
  within(query: ArrayLike<number>, radius: number, visit: (index: number, dist2: number) => void, queryOffset = 0): void {
    if (this.n === 0) return;
    const c = this.coords;
    const d = this.dim;
    const ids = this.ids;
    const r2 = radius * radius;
    const q = this.qbuf;
    for (let a = 0; a < d; a++) q[a] = query[queryOffset + a];
    // Explicit stack of (left, right, axis) triples.
    const stack: number[] = [0, this.n - 1, 0];
    while (stack.length) {
      const axis = stack.pop()!;
      const right = stack.pop()!;
      const left = stack.pop()!;
      if (right - left <= this.nodeSize) {
        for (let t = left; t <= right; t++) {
          let d2 = 0;
          for (let a = 0, p = t * d; a < d; a++, p++) {
            const u = c[p] - q[a];
            d2 += u * u;
          }
          if (d2 <= r2) visit(ids[t], d2);
        }
        continue;
      }
      const m = (left + right) >> 1;
      let d2 = 0;
      for (let a = 0, p = m * d; a < d; a++, p++) {
        const u = c[p] - q[a];
        d2 += u * u;
      }
      if (d2 <= r2) visit(ids[m], d2);
      const diff = q[axis] - c[m * d + axis];
      const next = (axis + 1) % d;
      // Left half holds coordinates <= the median, right half >= it.
      if (diff <= radius) stack.push(left, m - 1, next);
      if (-diff <= radius) stack.push(m + 1, right, next);
    }
  }
}

/**
 * The k nearest other points of every point (self excluded by index; coincident duplicates
 * are kept as neighbours at distance 0), exact, ties by smaller index.
 * Returns row-major `n * k` arrays sorted by ascending distance per row.
 * Without `tree`, for dim > 2 the search uses the box-bounded {@link BoxKDTree}
 * (knn-feature.ts): the same answer, 5.4x less CPU on the Xenium NMF factors (36,602 x 10,
 * k = 14: 3.7 s -> 0.69 s); in 2-D both trees cost the same and this one is kept.
 * @throws StnmfError when k < 1, k >= n, or a coordinate is not finite.
 */
export function knnQuery(points: PointArray, dim: number, k: number, tree?: KDTree): KnnAnswer {
  return runSteps(knnQuerySteps(points, dim, k, tree));
}

/** The answer of {@link knnQuery}: row-major `n * k` neighbour indices and distances. */
export interface KnnAnswer {
  indices: Int32Array;
  distances: Float64Array;
  n: number;
  k: number;
}

/** How many queries pass between two cancellation points of {@link knnQuerySteps}. */
const KNN_QUERIES_PER_STEP = 2048;

/**
 * {@link knnQuery} as cancellable steps (errors.ts `Steps`): it yields every 2048 queries in
 * 2-D (256 in more dimensions), so a search over a million cells can be interrupted.
 */
export function* knnQuerySteps(points: PointArray, dim: number, k: number, tree?: KDTree): Steps<KnnAnswer> {
  const n = checkPoints(points, dim, 'knnQuery');
  if (!Number.isInteger(k) || k < 1 || k >= n) {
    throw new StnmfError('BAD_OPTION', `knnQuery: k must be an integer with 1 <= k < n = ${n}, got ${k}`);
  }
  if (!tree && dim > 2) {
    const { indices, distances } = yield* new BoxKDTree(points, dim).knnAllSteps(k);
    return { indices, distances, n, k };
  }
  const t = tree ?? new KDTree(points, dim);
  yield;
  const indices = new Int32Array(n * k);
  const distances = new Float64Array(n * k);
  // Query in tree order so consecutive queries touch the same leaves.
  for (let p = 0; p < n; p++) {
    if (p % KNN_QUERIES_PER_STEP === KNN_QUERIES_PER_STEP - 1) yield;
    const i = t.ids[p];
    t.knn(t.coords, k, i, indices, distances, i * k, p * dim);
  }
  return { indices, distances, n, k };
}
