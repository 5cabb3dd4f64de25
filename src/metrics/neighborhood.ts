/**
 * Cell-type neighbourhood statistics (methods-spec M3.8 / G4.14): squidpy-style neighbourhood
 * enrichment z-scores by label permutation, and distance-resolved co-occurrence ratios.
 *
 * Layer 1 (metrics): imports linalg and spatial only; no Node APIs.
 */
import { StnmfError } from '../errors.js';
import { Rng } from '../linalg/rng.js';
import { KDTree, checkPoints, type PointArray } from '../spatial/kdtree.js';
import { encodeLabels, type Labels } from './clustering.js';
import type { WeightMatrix } from './autocorrelation.js';

/** Result of {@link neighborhoodEnrichment}; matrices are L x L row-major, labels in sorted order. */
export interface NeighborhoodEnrichment {
  /** Label values, in code order. */
  labels: (number | string)[];
  /** Observed C_AB = number of stored graph entries (i → j) with ℓ_i = A, ℓ_j = B. */
  counts: Float64Array;
  /** Mean of C_AB over the permutations. */
  permMean: Float64Array;
  /** Standard deviation of C_AB over the permutations (divisor n_perms, as numpy/squidpy). */
  permSd: Float64Array;
  /** z_AB = (C_AB − mean)/sd (NaN when sd = 0). */
  zscore: Float64Array;
  /** Empirical one-sided p-value (1 + #{perm ≥ obs})/(1 + n_perms). */
  pValue: Float64Array;
  /** Analytic permutation expectation of C_AB: E·n_A(n_B − δ_AB)/(n(n−1)), E = stored entries. */
  expected: Float64Array;
}

/**
 * Neighbourhood enrichment (squidpy `nhood_enrichment`): counts label pairs over the stored
 * entries of a graph (weights ignored, as squidpy), then recounts under `nPerms` seeded random
 * permutations of the labels. z-scores are Monte-Carlo estimates (seeded, not bit-equal to
 * squidpy's NumPy stream).
 * @param nPerms default 1000 (squidpy). @param seed default 0.
 * @throws StnmfError when labels do not match the graph size or are missing.
 */
export function neighborhoodEnrichment(graph: WeightMatrix, labels: Labels, options: { nPerms?: number; seed?: number } = {}): NeighborhoodEnrichment {
  const n = graph.n;
  const e = encodeLabels(labels, n, 'neighborhoodEnrichment');
  for (let i = 0; i < n; i++) if (e.codes[i] < 0) throw new StnmfError('BAD_INPUT', `neighborhoodEnrichment: label ${i} is missing`);
  const nPerms = options.nPerms ?? 1000;
  if (!Number.isInteger(nPerms) || nPerms < 1) throw new StnmfError('BAD_OPTION', `neighborhoodEnrichment: nPerms must be an integer >= 1, got ${nPerms}`);
  const L = e.nLabels;
  const indptr = graph.indptr;
  const indices = graph.indices;
  // Pre-expand each stored entry's row owner so a count is one pass over the entries.
  const nnz = indptr[n];
  const owner = new Int32Array(nnz);
  for (let i = 0; i < n; i++) owner.fill(i, indptr[i], indptr[i + 1]);
  const count = (codes: Int32Array, out: Float64Array, tmp: Int32Array): void => {
    tmp.fill(0);
    for (let p = 0; p < nnz; p++) tmp[codes[owner[p]] * L + codes[indices[p]]]++;
    for (let c = 0; c < tmp.length; c++) out[c] = tmp[c];
  };
  const tmp = new Int32Array(L * L);
  const counts = new Float64Array(L * L);
  count(e.codes, counts, tmp);
  const sum = new Float64Array(L * L);
  const sumSq = new Float64Array(L * L);
  const ge = new Float64Array(L * L);
  const perm = e.codes.slice();
  const buf = new Float64Array(L * L);
  const rng = new Rng(options.seed ?? 0);
  for (let t = 0; t < nPerms; t++) {
    rng.shuffle(perm);
    count(perm, buf, tmp);
    for (let c = 0; c < L * L; c++) {
      sum[c] += buf[c];
      sumSq[c] += buf[c] * buf[c];
      if (buf[c] >= counts[c]) ge[c]++;
    }
  }
  const permMean = new Float64Array(L * L);
  const permSd = new Float64Array(L * L);
  const zscore = new Float64Array(L * L);
  const pValue = new Float64Array(L * L);
  const expected = new Float64Array(L * L);
  const size = new Float64Array(L);
  for (let i = 0; i < n; i++) size[e.codes[i]]++;
  const E = graph.indptr[n];
  for (let a = 0; a < L; a++) {
    for (let b = 0; b < L; b++) {
      const c = a * L + b;
      const m = sum[c] / nPerms;
      permMean[c] = m;
      permSd[c] = Math.sqrt(Math.max(0, sumSq[c] / nPerms - m * m));
      zscore[c] = permSd[c] > 0 ? (counts[c] - m) / permSd[c] : NaN;
      pValue[c] = (1 + ge[c]) / (1 + nPerms);
      expected[c] = n > 1 ? (E * size[a] * (size[b] - (a === b ? 1 : 0))) / (n * (n - 1)) : NaN;
    }
  }
  return { labels: e.values, counts, permMean, permSd, zscore, pValue, expected };
}

/** Result of {@link coOccurrence}. */
export interface CoOccurrence {
  labels: (number | string)[];
  /** The distance thresholds t_0 < … < t_B; annulus b is (t_b, t_{b+1}]. */
  thresholds: Float64Array;
  /** Ordered-pair counts co[b][A][B], B annuli x L x L, row-major. */
  counts: Float64Array;
  /** p(B | A) / p(B) per annulus (NaN where A has no pair in the annulus). */
  ratio: Float64Array;
}

/**
 * Co-occurrence ratio (M3.8, squidpy `co_occurrence`): for each distance annulus
 * (t_{b}, t_{b+1}], count ordered pairs (i, j), i ≠ j, with labels (A, B); score
 * p(B|A)/p(B) with p(B|A) = co_AB/Σ_B' co_AB' and p(B) = Σ_A co_AB / Σ co.
 * Default thresholds: `nSteps` (50) values evenly spaced from squidpy's heuristic range —
 * t_min = distance between the two points with the smallest x + y, t_max = half the distance
 * between the smallest-(x + y) and largest-(x + y) points. Pairs are found with a k-d tree,
 * so the cost is the number of pairs within t_max.
 */
export function coOccurrence(xy: PointArray, labels: Labels, options: { thresholds?: ArrayLike<number>; nSteps?: number } = {}): CoOccurrence {
  const n = checkPoints(xy, 2, 'coOccurrence');
  const e = encodeLabels(labels, n, 'coOccurrence');
  for (let i = 0; i < n; i++) if (e.codes[i] < 0) throw new StnmfError('BAD_INPUT', `coOccurrence: label ${i} is missing`);
  let th: Float64Array;
  if (options.thresholds) {
    th = Float64Array.from(options.thresholds);
    for (let b = 1; b < th.length; b++) if (!(th[b] > th[b - 1])) throw new StnmfError('BAD_OPTION', `coOccurrence: thresholds must increase strictly, got ${th[b - 1]} then ${th[b]}`);
    if (th.length < 2 || !(th[0] >= 0)) throw new StnmfError('BAD_OPTION', `coOccurrence: need at least 2 thresholds, the first >= 0`);
  } else {
    const steps = options.nSteps ?? 50;
    if (!Number.isInteger(steps) || steps < 2) throw new StnmfError('BAD_OPTION', `coOccurrence: nSteps must be an integer >= 2, got ${steps}`);
    if (n < 3) throw new StnmfError('BAD_INPUT', `coOccurrence: need at least 3 points for the default thresholds, got ${n}`);
    let i1 = -1, i2 = -1, imax = 0;
    for (let i = 0; i < n; i++) {
      const s = xy[2 * i] + xy[2 * i + 1];
      if (i1 < 0 || s < xy[2 * i1] + xy[2 * i1 + 1]) {
        i2 = i1;
        i1 = i;
      } else if (i2 < 0 || s < xy[2 * i2] + xy[2 * i2 + 1]) i2 = i;
      if (s > xy[2 * imax] + xy[2 * imax + 1]) imax = i;
    }
    const tmin = Math.sqrt((xy[2 * i1] - xy[2 * i2]) ** 2 + (xy[2 * i1 + 1] - xy[2 * i2 + 1]) ** 2);
    const tmax = Math.sqrt((xy[2 * i1] - xy[2 * imax]) ** 2 + (xy[2 * i1 + 1] - xy[2 * imax + 1]) ** 2) / 2;
    if (!(tmax > tmin)) throw new StnmfError('BAD_INPUT', `coOccurrence: degenerate default distance range [${tmin}, ${tmax}]; pass thresholds`);
    th = new Float64Array(steps);
    for (let b = 0; b < steps; b++) th[b] = tmin + ((tmax - tmin) * b) / (steps - 1);
    th[steps - 1] = tmax;
  }
  const B = th.length - 1;
  const L = e.nLabels;
  const counts = new Float64Array(B * L * L);
  const tree = new KDTree(xy, 2);
  const tLast = th[B];
  const th2 = th.map((t) => t * t);
  let ci = 0;
  let self = 0;
  const visit = (j: number, d2: number): void => {
    if (j === self || d2 <= th2[0]) return;
    // Binary search on squared thresholds: first b with d2 <= th2[b+1].
    let lo = 0;
    let hi = B - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (d2 <= th2[mid + 1]) hi = mid;
      else lo = mid + 1;
    }
    counts[lo * L * L + ci * L + e.codes[j]]++;
  };
  for (let i = 0; i < n; i++) {
    self = i;
    ci = e.codes[i];
    tree.within(xy, tLast, visit, 2 * i);
  }
  const ratio = new Float64Array(B * L * L);
  for (let b = 0; b < B; b++) {
    const off = b * L * L;
    let total = 0;
    const col = new Float64Array(L);
    const row = new Float64Array(L);
    for (let a = 0; a < L; a++) {
      for (let c = 0; c < L; c++) {
        const v = counts[off + a * L + c];
        total += v;
        row[a] += v;
        col[c] += v;
      }
    }
    for (let a = 0; a < L; a++) {
      for (let c = 0; c < L; c++) {
        ratio[off + a * L + c] = row[a] > 0 && col[c] > 0 ? counts[off + a * L + c] / row[a] / (col[c] / total) : NaN;
      }
    }
  }
  return { labels: e.values, thresholds: th, counts, ratio };
}
