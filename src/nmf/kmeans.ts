/**
 * A small seeded k-means (Lloyd) with greedy k-means++ seeding and several starts, used to
 * evaluate bcNMF the way its authors do (KMeans on the target coefficients, M4.8) and by the
 * spatial use case. Follows scikit-learn's `KMeans(n_init=10)` recipe: greedy k-means++
 * (2 + ⌊ln k⌋ candidates per centre), Lloyd iterations until the centres move less than
 * `tol × mean per-column variance` (squared), best inertia over the starts. Random streams
 * differ from scikit-learn's, so labels agree only up to what the data determine.
 *
 * Lives in `nmf` because cNMF consensus clusters programs with it (layer 1); bcNMF evaluation
 * and the methods reuse it from here. Small, dependency-free and browser-safe.
 */
import { Rng } from '../linalg/rng.js';
import { StnmfError } from '../errors.js';

/** Options of `kmeans`. */
export interface KMeansOptions {
  /** Number of clusters (required, 1 ≤ k ≤ n). */
  k: number;
  /** Independent starts; the lowest inertia wins. Default 10 (scikit-learn's `n_init`). */
  nInit?: number;
  /** Lloyd iterations per start. Default 300 (scikit-learn). */
  maxIter?: number;
  /** Relative centre-shift tolerance. Default 1e-4 (scikit-learn). */
  tol?: number;
  /** Seed (default 0); start s uses `new Rng(seed).fork(s)`. */
  seed?: number;
}

/** Result of `kmeans`. */
export interface KMeansResult {
  /** Cluster of each row, 0..k-1. */
  labels: Int32Array;
  /** k x d centres, row-major. */
  centers: Float64Array;
  /** Sum of squared distances of the rows to their centres. */
  inertia: number;
  /** Lloyd iterations of the winning start. */
  iterations: number;
}

/**
 * k-means on the rows of an n x d row-major matrix.
 * @throws StnmfError('BAD_OPTION') when k is not in 1..n.
 */
export function kmeans(data: ArrayLike<number>, n: number, d: number, options: KMeansOptions): KMeansResult {
  const k = options.k;
  if (!Number.isInteger(k) || k < 1 || k > n) throw new StnmfError('BAD_OPTION', `kmeans: k must be a whole number in 1..${n} (rows), got ${k}`);
  if (data.length !== n * d) throw new StnmfError('BAD_INPUT', `kmeans: data has ${data.length} values, expected ${n} x ${d}`);
  const nInit = options.nInit ?? 10, maxIter = options.maxIter ?? 300, tol = options.tol ?? 1e-4;
  const X = Float64Array.from(data);
  for (let q = 0; q < X.length; q++) {
    if (!Number.isFinite(X[q])) throw new StnmfError('BAD_INPUT', `kmeans: value ${X[q]} at row ${Math.floor(q / d)}, column ${q % d}; expected finite numbers`);
  }
  // scikit-learn scales tol by the mean per-feature variance.
  let varSum = 0;
  for (let c = 0; c < d; c++) {
    let m = 0;
    for (let i = 0; i < n; i++) m += X[i * d + c];
    m /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (X[i * d + c] - m) ** 2;
    varSum += v / n;
  }
  const tolAbs = (tol * varSum) / Math.max(1, d);
  const root = new Rng(options.seed ?? 0);
  let best: KMeansResult | undefined;
  for (let s = 0; s < nInit; s++) {
    const rng = root.fork(s);
    const centers = kmeansPlusPlus(X, n, d, k, rng);
    const r = lloyd(X, n, d, k, centers, maxIter, tolAbs);
    if (!best || r.inertia < best.inertia) best = r;
  }
  return best!;
}

function sqDist(X: Float64Array, i: number, C: Float64Array, c: number, d: number): number {
  let s = 0;
  for (let q = 0; q < d; q++) {
    const z = X[i * d + q] - C[c * d + q];
    s += z * z;
  }
  return s;
}

/** The centre nearest to point i (the first of equals), its squared distance written to `dist[0]`. */
function nearestCentre(X: Float64Array, i: number, C: Float64Array, k: number, d: number, dist: Float64Array): number {
  let bd = Infinity, bc = 0;
  for (let c = 0; c < k; c++) {
    const z = sqDist(X, i, C, c, d);
    if (z < bd) {
      bd = z;
      bc = c;
    }
  }
  dist[0] = bd;
  return bc;
}

function kmeansPlusPlus(X: Float64Array, n: number, d: number, k: number, rng: Rng): Float64Array {
  const C = new Float64Array(k * d);
  const trials = 2 + Math.floor(Math.log(k));
  const first = rng.int(n);
  C.set(X.subarray(first * d, first * d + d), 0);
  const closest = new Float64Array(n);
  let pot = 0;
  for (let i = 0; i < n; i++) pot += closest[i] = sqDist(X, i, C, 0, d);
  const cand = new Float64Array(n);
  for (let c = 1; c < k; c++) {
    let bestPot = Infinity, bestIdx = 0;
    let bestD: Float64Array | undefined;
    for (let t = 0; t < trials; t++) {
      // Sample proportionally to the squared distance to the nearest chosen centre.
      let r = rng.uniform() * pot, idx = 0;
      for (; idx < n - 1; idx++) {
        r -= closest[idx];
        if (r < 0) break;
      }
      let np = 0;
      for (let i = 0; i < n; i++) {
        let z = 0;
        for (let q = 0; q < d; q++) z += (X[i * d + q] - X[idx * d + q]) ** 2;
        cand[i] = Math.min(closest[i], z);
        np += cand[i];
      }
      if (np < bestPot) {
        bestPot = np;
        bestIdx = idx;
        bestD = cand.slice();
      }
    }
    C.set(X.subarray(bestIdx * d, bestIdx * d + d), c * d);
    closest.set(bestD!);
    pot = bestPot;
  }
  return C;
}

function lloyd(X: Float64Array, n: number, d: number, k: number, C: Float64Array, maxIter: number, tolAbs: number): KMeansResult {
  const labels = new Int32Array(n);
  const sums = new Float64Array(k * d);
  const counts = new Float64Array(k);
  const best = new Float64Array(1);
  let it = 0;
  for (; it < maxIter; it++) {
    for (let i = 0; i < n; i++) labels[i] = nearestCentre(X, i, C, k, d, best);
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const c = labels[i];
      counts[c]++;
      for (let q = 0; q < d; q++) sums[c * d + q] += X[i * d + q];
    }
    let shift = 0;
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) {
        // Empty cluster: move it to the row farthest from its centre (scikit-learn's relocation).
        let far = 0, fd = -1;
        for (let i = 0; i < n; i++) {
          const z = sqDist(X, i, C, labels[i], d);
          if (z > fd) {
            fd = z;
            far = i;
          }
        }
        for (let q = 0; q < d; q++) {
          shift += (C[c * d + q] - X[far * d + q]) ** 2;
          C[c * d + q] = X[far * d + q];
        }
        continue;
      }
      for (let q = 0; q < d; q++) {
        const v = sums[c * d + q] / counts[c];
        shift += (C[c * d + q] - v) ** 2;
        C[c * d + q] = v;
      }
    }
    if (shift <= tolAbs) {
      it++;
      break;
    }
  }
  // Final assignment to the final centres, and its inertia.
  let inertia = 0;
  for (let i = 0; i < n; i++) {
    labels[i] = nearestCentre(X, i, C, k, d, best);
    inertia += best[0];
  }
  return { labels, centers: C, inertia, iterations: it };
}
