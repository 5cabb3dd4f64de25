/**
 * Clustering metrics with scikit-learn semantics (methods-spec G4.5–G4.8: silhouette,
 * Davies–Bouldin, ARI, NMI) and the SpatialPCA spatial-domain metrics (G4.3 CHAOS, G4.4 PAS).
 *
 * Layer 1 (metrics): imports linalg and spatial only; no Node APIs.
 */
import { runSteps, StnmfError, type Steps } from '../errors.js';
import { Rng } from '../linalg/rng.js';
import { KDTree, checkPoints, type PointArray } from '../spatial/kdtree.js';

/** Labels: integers (negative or NaN = unlabelled where a metric allows it) or strings ('' / null = unlabelled). */
export type Labels = ArrayLike<number> | ArrayLike<string | null | undefined>;

/** Labels encoded as dense codes 0..nLabels−1 (−1 = unlabelled), codes in sorted-value order. */
export interface EncodedLabels {
  codes: Int32Array;
  nLabels: number;
  /** The original value of each code. */
  values: (number | string)[];
}

/**
 * Encodes labels to dense codes in sorted order of the values (numbers numerically, strings
 * lexicographically), as scikit-learn's `np.unique`. Negative numbers, NaN, '' and null are
 * unlabelled (−1).
 */
export function encodeLabels(labels: Labels, n?: number, what = 'labels'): EncodedLabels {
  if (n !== undefined && labels.length !== n) {
    throw new StnmfError('BAD_INPUT', `${what}: ${labels.length} labels given, expected one per observation (${n})`);
  }
  const m = labels.length;
  const codes = new Int32Array(m);
  const seen = new Map<number | string, number>();
  for (let i = 0; i < m; i++) {
    const v = labels[i];
    if (v === null || v === undefined || v === '' || (typeof v === 'number' && (Number.isNaN(v) || v < 0))) continue;
    if (!seen.has(v)) seen.set(v, 0);
  }
  const values = [...seen.keys()].sort((a, b) =>
    typeof a === 'number' && typeof b === 'number' ? a - b : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0,
  );
  values.forEach((v, c) => seen.set(v, c));
  for (let i = 0; i < m; i++) {
    const v = labels[i];
    const c = v === null || v === undefined ? undefined : seen.get(v);
    codes[i] = c === undefined ? -1 : c;
  }
  return { codes, nLabels: values.length, values };
}

function requireAllLabelled(e: EncodedLabels, what: string): void {
  for (let i = 0; i < e.codes.length; i++) {
    if (e.codes[i] < 0) throw new StnmfError('BAD_INPUT', `${what}: label ${i} is missing (negative, NaN or empty); drop unlabelled observations first`);
  }
}

/** Options of {@link silhouette}. */
export interface SilhouetteOptions {
  /**
   * Score a random subsample of this many observations (default: all, exact). The subsample
   * is drawn with the project Rng (`seed`), so it differs from scikit-learn's draw.
   */
  sampleSize?: number;
  /** Seed of the subsample (default 0, hSNMF). */
  seed?: number;
  /**
   * Stratified subsample as hSNMF (M1.5 item 4): for each label in sorted order draw
   * max(1, round(sampleSize·n_ℓ/n)) members without replacement. Default false.
   */
  stratified?: boolean;
}

/** The indices a subsampled silhouette / Davies–Bouldin uses (sorted ascending). */
export function silhouetteSubsample(labels: Labels, n: number, sampleSize: number, seed = 0, stratified = false): Int32Array {
  if (!Number.isInteger(sampleSize) || sampleSize < 2) throw new StnmfError('BAD_OPTION', `silhouette: sampleSize must be an integer >= 2, got ${sampleSize}`);
  const rng = new Rng(seed);
  if (sampleSize >= n) return Int32Array.from({ length: n }, (_, i) => i);
  if (!stratified) return rng.permutation(n).subarray(0, sampleSize).slice().sort();
  const e = encodeLabels(labels, n, 'silhouette');
  const groups: number[][] = Array.from({ length: e.nLabels }, () => []);
  for (let i = 0; i < n; i++) if (e.codes[i] >= 0) groups[e.codes[i]].push(i);
  const out: number[] = [];
  for (const g of groups) {
    const take = Math.min(g.length, Math.max(1, Math.round((sampleSize * g.length) / n)));
    const perm = rng.permutation(g.length);
    for (let t = 0; t < take; t++) out.push(g[perm[t]]);
  }
  return Int32Array.from(out).sort();
}

function checkEmbedding(x: PointArray, dim: number, n: number, what: string): void {
  const m = checkPoints(x, dim, what);
  if (m !== n) throw new StnmfError('BAD_INPUT', `${what}: labels have ${n} entries but the data have ${m} rows`);
}

/**
 * Mean silhouette coefficient (G4.5; scikit-learn `silhouette_score`, Euclidean): exact over
 * all pairs (O(n²·dim), float64), or on a seeded subsample. Singletons score 0. NaN when
 * fewer than 2 labels (as metrics.py).
 * @param x row-major `n * dim` data (e.g. the NMF usage W).
 * @throws StnmfError on length mismatch, unlabelled entries, or more than n − 1 labels.
 */
export function silhouette(x: PointArray, dim: number, labels: Labels, options: SilhouetteOptions = {}): number {
  return runSteps(silhouetteSteps(x, dim, labels, options));
}

/**
 * {@link silhouette} as cancellable steps (errors.ts `Steps`): it yields every 64 rows, about
 * 10 ms on the 10,000-cell subsample hSNMF scores.
 */
export function* silhouetteSteps(x: PointArray, dim: number, labels: Labels, options: SilhouetteOptions = {}): Steps<number> {
  const n = labels.length;
  checkEmbedding(x, dim, n, 'silhouette');
  let rows: Int32Array | null = null;
  if (options.sampleSize !== undefined) rows = silhouetteSubsample(labels, n, options.sampleSize, options.seed ?? 0, options.stratified ?? false);
  const pick = rows ?? Int32Array.from({ length: n }, (_, i) => i);
  const m = pick.length;
  const sub: (string | number | null | undefined)[] = new Array(m);
  for (let t = 0; t < m; t++) sub[t] = labels[pick[t]];
  const e = encodeLabels(sub as Labels, m, 'silhouette');
  requireAllLabelled(e, 'silhouette');
  const L = e.nLabels;
  if (L < 2) return NaN;
  if (L > m - 1) throw new StnmfError('BAD_INPUT', `silhouette: number of labels (${L}) must be at most n − 1 = ${m - 1}`);
  const pts = new Float64Array(m * dim);
  for (let t = 0; t < m; t++) for (let a = 0; a < dim; a++) pts[t * dim + a] = x[pick[t] * dim + a];
  return yield* silhouetteExact(pts, dim, e.codes, L);
}

/**
 * Exact mean silhouette of coded data (all labelled, 2 ≤ L ≤ n − 1). Points are visited in
 * cluster-sorted order so each (i, cluster) distance sum is one streaming pass with a scalar
 * accumulator: n² distance evaluations, no scattered writes.
 */
function* silhouetteExact(pts: Float64Array, dim: number, codes: Int32Array, L: number): Steps<number> {
  const n = codes.length;
  const size = new Int32Array(L);
  for (let i = 0; i < n; i++) size[codes[i]]++;
  const start = new Int32Array(L + 1);
  for (let c = 0; c < L; c++) start[c + 1] = start[c] + size[c];
  const next = start.slice(0, L);
  const sorted = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) {
    const t = next[codes[i]]++;
    for (let a = 0; a < dim; a++) sorted[t * dim + a] = pts[i * dim + a];
  }
  const sums = new Float64Array(L);
  let total = 0;
  const xs = dim === 2 ? Float64Array.from({ length: n }, (_, t) => sorted[2 * t]) : null;
  const ys = dim === 2 ? Float64Array.from({ length: n }, (_, t) => sorted[2 * t + 1]) : null;
  for (let i = 0; i < n; i++) {
    if ((i & 63) === 63) yield;
    const ci = codes[i];
    if (size[ci] <= 1) continue; // singleton: s = 0
    for (let c = 0; c < L; c++) {
      let s = 0;
      if (xs && ys) {
        const qx = pts[2 * i];
        const qy = pts[2 * i + 1];
        for (let t = start[c]; t < start[c + 1]; t++) {
          const u = xs[t] - qx;
          const v = ys[t] - qy;
          s += Math.sqrt(u * u + v * v);
        }
      } else {
        const bi = i * dim;
        for (let t = start[c]; t < start[c + 1]; t++) {
          let d2 = 0;
          for (let a = 0, bt = t * dim; a < dim; a++, bt++) {
            const u = sorted[bt] - pts[bi + a];
            d2 += u * u;
          }
          s += Math.sqrt(d2);
        }
      }
      sums[c] = s;
    }
    const a = sums[ci] / (size[ci] - 1);
    let b = Infinity;
    for (let l = 0; l < L; l++) {
      if (l === ci) continue;
      const v = sums[l] / size[l];
      if (v < b) b = v;
    }
    const mx = Math.max(a, b);
    if (mx > 0) total += (b - a) / mx;
  }
  return total / n;
}

/**
 * Davies–Bouldin index (G4.6; scikit-learn semantics): centroids, scatter = mean distance to
 * the centroid, R_ab = (s_a + s_b)/d_ab with d_ab = 0 pairs contributing 0, mean over a of
 * max_b R_ab. NaN for fewer than 2 labels (as metrics.py). Lower is better.
 */
export function daviesBouldin(x: PointArray, dim: number, labels: Labels, options: { rows?: Int32Array } = {}): number {
  const nAll = labels.length;
  checkEmbedding(x, dim, nAll, 'daviesBouldin');
  const pick = options.rows ?? Int32Array.from({ length: nAll }, (_, i) => i);
  const n = pick.length;
  const sub: (string | number | null | undefined)[] = new Array(n);
  for (let t = 0; t < n; t++) sub[t] = labels[pick[t]];
  const e = encodeLabels(sub as Labels, n, 'daviesBouldin');
  requireAllLabelled(e, 'daviesBouldin');
  const L = e.nLabels;
  if (L < 2) return NaN;
  const cen = new Float64Array(L * dim);
  const size = new Float64Array(L);
  for (let t = 0; t < n; t++) {
    const c = e.codes[t];
    size[c]++;
    for (let a = 0; a < dim; a++) cen[c * dim + a] += x[pick[t] * dim + a];
  }
  for (let c = 0; c < L; c++) for (let a = 0; a < dim; a++) cen[c * dim + a] /= size[c];
  const scatter = new Float64Array(L);
  for (let t = 0; t < n; t++) {
    const c = e.codes[t];
    let d2 = 0;
    for (let a = 0; a < dim; a++) {
      const u = x[pick[t] * dim + a] - cen[c * dim + a];
      d2 += u * u;
    }
    scatter[c] += Math.sqrt(d2);
  }
  for (let c = 0; c < L; c++) scatter[c] /= size[c];
  const cd = new Float64Array(L * L);
  let allScatterZero = true;
  let allCentZero = true;
  for (let c = 0; c < L; c++) if (Math.abs(scatter[c]) > 1e-8) allScatterZero = false;
  for (let a = 0; a < L; a++) {
    for (let b = 0; b < L; b++) {
      let d2 = 0;
      for (let q = 0; q < dim; q++) {
        const u = cen[a * dim + q] - cen[b * dim + q];
        d2 += u * u;
      }
      cd[a * L + b] = Math.sqrt(d2);
      if (Math.abs(cd[a * L + b]) > 1e-8) allCentZero = false;
    }
  }
  // scikit-learn's np.allclose(…, 0) shortcut.
  if (allScatterZero || allCentZero) return 0;
  let total = 0;
  for (let a = 0; a < L; a++) {
    let mx = 0;
    for (let b = 0; b < L; b++) {
      const d = cd[a * L + b];
      if (d === 0) continue;
      const r = (scatter[a] + scatter[b]) / d;
      if (r > mx) mx = r;
    }
    total += mx;
  }
  return total / L;
}

/** Contingency table of two fully labelled encodings (sparse: pairs → count). */
function contingency(a: EncodedLabels, b: EncodedLabels): { counts: Map<number, number>; rowSum: Float64Array; colSum: Float64Array } {
  const counts = new Map<number, number>();
  const rowSum = new Float64Array(a.nLabels);
  const colSum = new Float64Array(b.nLabels);
  for (let i = 0; i < a.codes.length; i++) {
    const key = a.codes[i] * b.nLabels + b.codes[i];
    counts.set(key, (counts.get(key) ?? 0) + 1);
    rowSum[a.codes[i]]++;
    colSum[b.codes[i]]++;
  }
  return { counts, rowSum, colSum };
}

function encodePair(a: Labels, b: Labels, what: string): [EncodedLabels, EncodedLabels] {
  if (a.length !== b.length) throw new StnmfError('BAD_INPUT', `${what}: the two labelings have different lengths (${a.length} vs ${b.length})`);
  const ea = encodeLabels(a, a.length, what);
  const eb = encodeLabels(b, b.length, what);
  requireAllLabelled(ea, what);
  requireAllLabelled(eb, what);
  return [ea, eb];
}

/**
 * Adjusted Rand index (G4.7) with scikit-learn 1.2's pair-confusion formula, in exact integer
 * (BigInt) arithmetic; 1.0 when the partitions agree on every pair. No label matching.
 */
export function adjustedRandIndex(truth: Labels, pred: Labels): number {
  const [ea, eb] = encodePair(truth, pred, 'adjustedRandIndex');
  const n = BigInt(ea.codes.length);
  const { counts, rowSum, colSum } = contingency(ea, eb);
  let sumSq = 0n;
  let dotK = 0n; // Σ_ij n_ij · colSum_j
  let dotC = 0n; // Σ_ij n_ij · rowSum_i
  for (const [key, v] of counts) {
    const i = Math.floor(key / eb.nLabels);
    const j = key - i * eb.nLabels;
    const c = BigInt(v);
    sumSq += c * c;
    dotK += c * BigInt(colSum[j]);
    dotC += c * BigInt(rowSum[i]);
  }
  const tp = sumSq - n;
  const fp = dotK - sumSq;
  const fn = dotC - sumSq;
  const tn = n * n - fp - fn - sumSq;
  if (fn === 0n && fp === 0n) return 1;
  const num = 2n * (tp * tn - fn * fp);
  const den = (tp + fn) * (fn + tn) + (tp + fp) * (fp + tn);
  return Number(num) / Number(den);
}

/** Averages for NMI's normaliser. */
export type NmiAverage = 'arithmetic' | 'geometric' | 'min' | 'max';

function entropyOf(counts: Float64Array, n: number): number {
  let h = 0;
  const ln = Math.log(n);
  for (let c = 0; c < counts.length; c++) {
    const v = counts[c];
    if (v > 0) h -= (v / n) * (Math.log(v) - ln);
  }
  return h;
}

/**
 * Normalized mutual information (G4.8; scikit-learn `normalized_mutual_info_score`, default
 * arithmetic mean normaliser). 1.0 when both labelings have a single cluster.
 */
export function normalizedMutualInfo(truth: Labels, pred: Labels, average: NmiAverage = 'arithmetic'): number {
  const [ea, eb] = encodePair(truth, pred, 'normalizedMutualInfo');
  if ((ea.nLabels === 1 && eb.nLabels === 1) || (ea.nLabels === 0 && eb.nLabels === 0)) return 1;
  const n = ea.codes.length;
  const { counts, rowSum, colSum } = contingency(ea, eb);
  let mi = 0;
  if (ea.nLabels > 1 && eb.nLabels > 1) {
    const logN = Math.log(n);
    for (const [key, v] of counts) {
      const i = Math.floor(key / eb.nLabels);
      const j = key - i * eb.nLabels;
      const pnm = v / n;
      const logOuter = -Math.log(rowSum[i] * colSum[j]) + logN + logN;
      let t = pnm * (Math.log(v) - logN) + pnm * logOuter;
      if (Math.abs(t) < 2.220446049250313e-16) t = 0;
      mi += t;
    }
    mi = Math.max(mi, 0);
  }
  if (mi === 0) return 0;
  const ha = entropyOf(rowSum, n);
  const hb = entropyOf(colSum, n);
  const norm =
    average === 'arithmetic' ? (ha + hb) / 2 : average === 'geometric' ? Math.sqrt(ha * hb) : average === 'min' ? Math.min(ha, hb) : Math.max(ha, hb);
  return mi / norm;
}

/** Options of {@link chaos}. */
export interface ChaosOptions {
  /**
   * Standardisation of each coordinate axis: `sample` (SD with n − 1, SpatialPCA / R `scale`,
   * default) or `population` (SD with n, hSNMF; = sample·√(n/(n−1))).
   */
  sdConvention?: 'sample' | 'population';
}

/**
 * CHAOS (G4.3, SpatialPCA): unlabelled observations removed, coordinates standardised per axis,
 * each member of a cluster with ≥ 2 members contributes the distance to its nearest other
 * member; sum / n (labelled). Lower = more compact. Returns the value and n.
 * @throws StnmfError on length mismatch, non-finite coordinates or no labelled observation.
 */
export function chaos(xy: PointArray, labels: Labels, options: ChaosOptions = {}): { chaos: number; n: number } {
  return runSteps(chaosSteps(xy, labels, options));
}

/** {@link chaos} as cancellable steps (errors.ts `Steps`), yielding every 4096 queries. */
export function* chaosSteps(xy: PointArray, labels: Labels, options: ChaosOptions = {}): Steps<{ chaos: number; n: number }> {
  const nAll = labels.length;
  checkEmbedding(xy, 2, nAll, 'chaos');
  const e = encodeLabels(labels, nAll, 'chaos');
  const keep: number[] = [];
  for (let i = 0; i < nAll; i++) if (e.codes[i] >= 0) keep.push(i);
  const n = keep.length;
  if (n < 2) throw new StnmfError('BAD_INPUT', `chaos: need at least 2 labelled observations, got ${n}`);
  const std = new Float64Array(2 * n);
  for (let a = 0; a < 2; a++) {
    let s = 0;
    for (const i of keep) s += xy[2 * i + a];
    const mean = s / n;
    let ss = 0;
    for (const i of keep) ss += (xy[2 * i + a] - mean) ** 2;
    const sd = Math.sqrt(ss / (options.sdConvention === 'population' ? n : n - 1));
    for (let t = 0; t < n; t++) std[2 * t + a] = (xy[2 * keep[t] + a] - mean) / sd;
  }
  const groups: number[][] = Array.from({ length: e.nLabels }, () => []);
  for (let t = 0; t < n; t++) groups[e.codes[keep[t]]].push(t);
  let total = 0;
  const oi = new Int32Array(1);
  const od = new Float64Array(1);
  for (const g of groups) {
    if (g.length < 2) continue;
    const pts = new Float64Array(2 * g.length);
    for (let s = 0; s < g.length; s++) {
      pts[2 * s] = std[2 * g[s]];
      pts[2 * s + 1] = std[2 * g[s] + 1];
    }
    const tree = new KDTree(pts, 2);
    yield;
    for (let s = 0; s < g.length; s++) {
      if ((s & 4095) === 4095) yield;
      tree.knn(pts, 1, s, oi, od, 0, 2 * s);
      total += od[0];
    }
  }
  return { chaos: total / n, n };
}

/**
 * PAS (G4.4, SpatialPCA): unlabelled removed, raw coordinates; an observation is abnormal when
 * more than k/2 of its k nearest other observations carry a different label; PAS = #abnormal/n.
 * Ties in distance are broken by the smaller index.
 * @param k neighbours (default 10, SpatialPCA); must be < n.
 */
export function pas(xy: PointArray, labels: Labels, k = 10): { pas: number; n: number } {
  return runSteps(pasSteps(xy, labels, k));
}

/** {@link pas} as cancellable steps (errors.ts `Steps`), yielding every 4096 queries. */
export function* pasSteps(xy: PointArray, labels: Labels, k = 10): Steps<{ pas: number; n: number }> {
  const nAll = labels.length;
  checkEmbedding(xy, 2, nAll, 'pas');
  const e = encodeLabels(labels, nAll, 'pas');
  const keep: number[] = [];
  for (let i = 0; i < nAll; i++) if (e.codes[i] >= 0) keep.push(i);
  const n = keep.length;
  if (!Number.isInteger(k) || k < 1 || k >= n) throw new StnmfError('BAD_OPTION', `pas: k must be an integer with 1 <= k < n = ${n} (labelled observations), got ${k}`);
  const pts = new Float64Array(2 * n);
  const codes = new Int32Array(n);
  for (let t = 0; t < n; t++) {
    pts[2 * t] = xy[2 * keep[t]];
    pts[2 * t + 1] = xy[2 * keep[t] + 1];
    codes[t] = e.codes[keep[t]];
  }
  const tree = new KDTree(pts, 2);
  const oi = new Int32Array(k);
  const od = new Float64Array(k);
  let abnormal = 0;
  yield;
  for (let t = 0; t < n; t++) {
    if ((t & 4095) === 4095) yield;
    tree.knn(pts, k, t, oi, od, 0, 2 * t);
    let diff = 0;
    for (let s = 0; s < k; s++) if (codes[oi[s]] !== codes[t]) diff++;
    if (diff > k / 2) abnormal++;
  }
  return { pas: abnormal / n, n };
}
