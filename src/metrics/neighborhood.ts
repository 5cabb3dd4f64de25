/**
 * Cell-type neighbourhood statistics (methods-spec M3.8 / G4.14): squidpy-style neighbourhood
 * enrichment z-scores by label permutation, and distance-resolved co-occurrence ratios.
 *
 * Layer 1 (metrics): imports linalg and spatial only; no Node APIs.
 */
import { runSteps, runStepsCancellable, StnmfError, throwIfAborted, type Steps } from '../errors.js';
import { Rng } from '../linalg/rng.js';
import { checkPoints, type PointArray } from '../spatial/kdtree.js';
import { encodeLabels, type EncodedLabels, type Labels } from './clustering.js';

/**
 * The structure of a graph in CSR form: row i's neighbours are `indices[indptr[i] .. indptr[i+1])`.
 * Weights, when present, are ignored by the neighbourhood statistics (as squidpy).
 */
export interface AdjacencyStructure {
  readonly n: number;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
}

/** Options of {@link neighborhoodEnrichment}. */
export interface NeighborhoodEnrichmentOptions {
  /** Number of label permutations; default 1000 (squidpy, M3.12). */
  nPerms?: number;
  /** Seed of the permutation stream; default 0. */
  seed?: number;
  /**
   * Labels with fewer observations are removed (observations and their edges) before counting,
   * as recent squidpy versions do with their default 10; default 0 = keep every label (the
   * classic squidpy test).
   */
  minCellCount?: number;
  signal?: AbortSignal;
  /** Called every 64 permutations and at the end with (done, total). */
  onProgress?: (done: number, total: number) => void;
}

/** Result of {@link neighborhoodEnrichment}; matrices are L x L row-major, labels in sorted order. */
export interface NeighborhoodEnrichment {
  /** Label values, in code order. */
  labels: (number | string)[];
  /**
   * Observed C_AB = number of stored graph entries (i → j) with ℓ_i = A, ℓ_j = B (a symmetric
   * graph stores each undirected edge twice, so the diagonal counts an edge inside A twice, as squidpy).
   */
  counts: Float64Array;
  /** Mean of C_AB over the permutations. */
  permMean: Float64Array;
  /** Standard deviation of C_AB over the permutations (divisor n_perms, as numpy/squidpy). */
  permSd: Float64Array;
  /** z_AB = (C_AB − mean)/sd (NaN when sd = 0, squidpy `handle_nan='keep'`). */
  zscore: Float64Array;
  /** Empirical one-sided p-value (1 + #{perm ≥ obs})/(1 + n_perms). */
  pValue: Float64Array;
  /** Analytic permutation expectation of C_AB: E·n_A(n_B − δ_AB)/(n(n−1)), E = stored entries. */
  expected: Float64Array;
  nPerms: number;
  /** Labels removed by `minCellCount` (their rows and columns are NaN). */
  excluded: (number | string)[];
}

/**
 * In-place uniform shuffle (Fisher–Yates) drawing each index with Lemire's multiply-shift
 * method (unbiased: the rare biased draws are rejected). About 3x faster than a modulo-based
 * bounded draw, which dominates the permutation test on large tissues. Products stay below
 * 2^53, so double arithmetic is exact.
 */
export function shuffleInPlace(rng: Rng, a: { length: number; [i: number]: number }): void {
  for (let i = a.length - 1; i > 0; i--) {
    const s = i + 1;
    let m = rng.nextUint32() * s;
    let low = m >>> 0;
    if (low < s) {
      const threshold = (4294967296 - s) % s;
      while (low < threshold) {
        m = rng.nextUint32() * s;
        low = m >>> 0;
      }
    }
    const j = Math.floor(m * 2.3283064365386963e-10);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

/**
 * Neighbourhood enrichment (squidpy `nhood_enrichment`, M3.8/G4.14): counts label pairs over the
 * stored entries of a graph (weights ignored, as squidpy), then recounts under `nPerms` seeded
 * random permutations of the labels (type counts fixed, drawn with {@link shuffleInPlace}).
 * z-scores are Monte-Carlo estimates (seeded, not bit-equal to squidpy's NumPy stream).
 * Options: `nPerms` default 1000 (squidpy), `seed` default 0.
 * @throws StnmfError when labels do not match the graph size or are missing.
 */
export function neighborhoodEnrichment(graph: AdjacencyStructure, labels: Labels, options: NeighborhoodEnrichmentOptions = {}): NeighborhoodEnrichment {
  const e = encodeLabels(labels, graph.n, 'neighborhoodEnrichment');
  for (let i = 0; i < graph.n; i++) if (e.codes[i] < 0) throw new StnmfError('BAD_INPUT', `neighborhoodEnrichment: label ${i} is missing`);
  return neighborhoodEnrichmentEncoded(graph, e, options);
}

/**
 * {@link neighborhoodEnrichment} on labels already coded 0..nLabels−1 (every code in range;
 * labels without observations get NaN entries). Each permutation costs O(n + |E|): on a
 * symmetric graph only the upper triangle (i < j) is walked, each undirected edge tallied once
 * and mirrored at the end (other graphs walk every stored entry); labels are stored as bytes
 * when there are at most 256, so the random lookups stay in cache.
 * Synchronous (`options.signal` is seen only if it fired before the call); use
 * {@link neighborhoodEnrichmentEncodedAsync} where the run must stop on Ctrl-C.
 * @throws StnmfError for codes out of range, a length mismatch or nPerms < 1.
 */
export function neighborhoodEnrichmentEncoded(graph: AdjacencyStructure, labels: EncodedLabels, options: NeighborhoodEnrichmentOptions = {}): NeighborhoodEnrichment {
  return runSteps(enrichmentSteps(graph, labels, options));
}

/**
 * {@link neighborhoodEnrichmentEncoded} that yields to the event loop between permutations
 * (about every 50 ms) and stops with `StnmfError('ABORTED')` soon after `options.signal` fires.
 * Same result for the same input.
 */
export function neighborhoodEnrichmentEncodedAsync(graph: AdjacencyStructure, labels: EncodedLabels, options: NeighborhoodEnrichmentOptions = {}): Promise<NeighborhoodEnrichment> {
  return runStepsCancellable(enrichmentSteps(graph, labels, options), options.signal, 'neighborhoodEnrichment');
}

function* enrichmentSteps(graph: AdjacencyStructure, labels: EncodedLabels, options: NeighborhoodEnrichmentOptions): Steps<NeighborhoodEnrichment> {
  const nPerms = options.nPerms ?? 1000;
  if (!Number.isInteger(nPerms) || nPerms < 1) throw new StnmfError('BAD_OPTION', `neighborhoodEnrichment: nPerms must be an integer >= 1, got ${nPerms}`);
  const n = graph.n;
  const L = labels.nLabels;
  const codes = labels.codes;
  if (codes.length !== n) throw new StnmfError('BAD_INPUT', `neighborhoodEnrichment: ${codes.length} labels for ${n} observations`);
  const size = new Float64Array(L);
  for (let i = 0; i < n; i++) {
    const c = codes[i];
    if (!(c >= 0 && c < L)) throw new StnmfError('BAD_INPUT', `neighborhoodEnrichment: label code ${c} of observation ${i} is outside 0..${L - 1}`);
    size[c]++;
  }
  const minCells = options.minCellCount ?? 0;
  const keepType = Array.from(size, (c) => c >= minCells && c > 0);
  const excluded = labels.values.filter((_, t) => size[t] > 0 && !keepType[t]);
  // Observations of excluded labels leave with their edges (squidpy's filter_clusters_by_min_cell_count).
  const newIndex = new Int32Array(n).fill(-1);
  let m = 0;
  for (let i = 0; i < n; i++) if (keepType[codes[i]]) newIndex[i] = m++;
  const lab = L <= 256 ? new Uint8Array(m) : new Int32Array(m);
  for (let i = 0; i < n; i++) if (newIndex[i] >= 0) lab[newIndex[i]] = codes[i];
  const sym = isSymmetricPattern(graph);
  const { indptr, indices } = graph;
  // Kept entries in compact numbering: j > i only on a symmetric graph, self-entries apart.
  const ptr = new Int32Array(m + 1);
  const loops: number[] = [];
  const keepEntry = (a: number, j: number) => j >= 0 && j !== a && (!sym || j > a);
  for (let i = 0; i < n; i++) {
    const a = newIndex[i];
    if (a < 0) continue;
    let d = 0;
    for (let p = indptr[i]; p < indptr[i + 1]; p++) {
      const j = newIndex[indices[p]];
      if (j === a) loops.push(a);
      else if (keepEntry(a, j)) d++;
    }
    ptr[a + 1] = ptr[a] + d;
  }
  const nbr = new Int32Array(ptr[m]);
  for (let i = 0, len = 0; i < n; i++) {
    const a = newIndex[i];
    if (a < 0) continue;
    for (let p = indptr[i]; p < indptr[i + 1]; p++) {
      const j = newIndex[indices[p]];
      if (keepEntry(a, j)) nbr[len++] = j;
    }
  }
  const LL = L * L;
  const tally = new Int32Array(LL);
  const countOnce = (c: Uint8Array | Int32Array, out: Float64Array) => {
    tally.fill(0);
    for (let i = 0; i < m; i++) {
      const a = c[i] * L;
      for (let p = ptr[i], pe = ptr[i + 1]; p < pe; p++) tally[a + c[nbr[p]]]++;
    }
    if (sym) for (let a = 0; a < L; a++) for (let b = 0; b < L; b++) out[a * L + b] = tally[a * L + b] + tally[b * L + a];
    else for (let o = 0; o < LL; o++) out[o] = tally[o];
    for (const i of loops) out[c[i] * (L + 1)]++;
  };
  const observed = new Float64Array(LL);
  countOnce(lab, observed);
  const sum = new Float64Array(LL);
  const sq = new Float64Array(LL);
  const ge = new Float64Array(LL);
  const perm = new Float64Array(LL);
  const work = lab.slice();
  const rng = new Rng(options.seed ?? 0);
  for (let r = 0; r < nPerms; r++) {
    yield; // a cancellation point per permutation (one costs O(n + |E|))
    shuffleInPlace(rng, work);
    countOnce(work, perm);
    for (let o = 0; o < LL; o++) {
      const v = perm[o];
      sum[o] += v;
      sq[o] += v * v;
      if (v >= observed[o]) ge[o]++;
    }
    if ((r & 63) === 63) {
      throwIfAborted(options.signal, 'neighborhoodEnrichment');
      options.onProgress?.(r + 1, nPerms);
    }
  }
  options.onProgress?.(nPerms, nPerms);
  const permMean = new Float64Array(LL);
  const permSd = new Float64Array(LL);
  const zscore = new Float64Array(LL);
  const pValue = new Float64Array(LL);
  const expected = new Float64Array(LL);
  const kept = new Float64Array(L);
  for (let i = 0; i < m; i++) kept[lab[i]]++;
  const E = (sym ? 2 : 1) * nbr.length + loops.length;
  for (let a = 0; a < L; a++) {
    for (let b = 0; b < L; b++) {
      const o = a * L + b;
      if (!keepType[a] || !keepType[b]) {
        observed[o] = permMean[o] = permSd[o] = zscore[o] = pValue[o] = expected[o] = NaN;
        continue;
      }
      const mean = sum[o] / nPerms;
      const sd = Math.sqrt(Math.max(0, sq[o] / nPerms - mean * mean));
      permMean[o] = mean;
      permSd[o] = sd;
      zscore[o] = sd > 0 ? (observed[o] - mean) / sd : NaN;
      pValue[o] = (1 + ge[o]) / (1 + nPerms);
      expected[o] = m > 1 ? (E * kept[a] * (kept[b] - (a === b ? 1 : 0))) / (m * (m - 1)) : NaN;
    }
  }
  return { labels: labels.values.slice(), counts: observed, permMean, permSd, zscore, pValue, expected, nPerms, excluded };
}

/** True when the stored entries are symmetric as a multiset of (i, j) pairs. O(nnz), plus sorting unsorted rows. */
function isSymmetricPattern(g: AdjacencyStructure): boolean {
  const { n, indptr, indices } = g;
  const nnz = indptr[n];
  const tptr = new Int32Array(n + 1);
  for (let p = 0; p < nnz; p++) tptr[indices[p] + 1]++;
  for (let i = 0; i < n; i++) if (tptr[i + 1] !== indptr[i + 1] - indptr[i]) return false;
  for (let i = 0; i < n; i++) tptr[i + 1] += tptr[i];
  const next = tptr.slice(0, n);
  // Rows of the transpose come out sorted because sources are visited in increasing order.
  const tind = new Int32Array(nnz);
  for (let i = 0; i < n; i++) for (let p = indptr[i]; p < indptr[i + 1]; p++) tind[next[indices[p]]++] = i;
  let row = new Int32Array(16);
  for (let i = 0; i < n; i++) {
    const s = indptr[i], d = indptr[i + 1] - s;
    let sorted = true;
    for (let p = s + 1; p < s + d; p++) if (indices[p] < indices[p - 1]) sorted = false;
    let src: Int32Array = indices.subarray(s, s + d);
    if (!sorted) {
      if (row.length < d) row = new Int32Array(d);
      src = row.subarray(0, d);
      src.set(indices.subarray(s, s + d));
      src.sort();
    }
    for (let t = 0; t < d; t++) if (src[t] !== tind[tptr[i] + t]) return false;
  }
  return true;
}

/** Options of {@link coOccurrence}. */
export interface CoOccurrenceOptions {
  /** Distance thresholds t_0 < … < t_B (≥ 2, t_0 ≥ 0); default: `nSteps` from squidpy's range. */
  thresholds?: ArrayLike<number>;
  /** Number of default thresholds; default 50 (squidpy, G4.14). */
  nSteps?: number;
  /**
   * `false` (default, methods-spec M3.8): annuli `(t_b, t_{b+1}]`; `true`: discs `d ≤ t_{b+1}`
   * (recent squidpy, which counts every pair within each threshold).
   */
  cumulative?: boolean;
  /**
   * Above this many observations a seeded random subsample of this size is scored (pairs grow as
   * n²); default: all observations.
   */
  maxCells?: number;
  /** Seed of the subsample; default 0. */
  seed?: number;
  /**
   * The sample of each observation (codes ≥ 0): pairs are counted only within a sample, so
   * serial sections whose coordinates overlap are never paired. Default: one sample.
   */
  groups?: Int32Array;
  signal?: AbortSignal;
}

/** Result of {@link coOccurrence}. */
export interface CoOccurrence {
  labels: (number | string)[];
  /** The distance thresholds t_0 < … < t_B; bin b is (t_b, t_{b+1}] (or [0, t_{b+1}] when cumulative). */
  thresholds: Float64Array;
  /** Ordered-pair counts co[b][A][B], B bins x L x L, row-major. */
  counts: Float64Array;
  /** p(B | A) / p(B) per bin (NaN where A has no pair in the bin). */
  ratio: Float64Array;
  /** Observations scored (after subsampling). */
  nCells: number;
}

/**
 * Co-occurrence ratio (M3.8, squidpy `co_occurrence`): for each distance bin count ordered pairs
 * (i, j), i ≠ j, with labels (A, B); score p(B|A)/p(B) with p(B|A) = co_AB/Σ_B' co_AB' and
 * p(B) = Σ_A co_AB / Σ co. Default thresholds: `nSteps` (50) values evenly spaced from
 * squidpy's heuristic range — t_min = distance between the two points with the smallest x + y,
 * t_max = half the distance between the smallest-(x + y) and largest-(x + y) points. Pairs are
 * found by a sweep along x, so the cost is the number of pairs less than t_max apart in x.
 * @param xy flat `[x0, y0, x1, y1, …]`, finite.
 * @throws StnmfError on missing labels, bad thresholds, or a degenerate default range.
 */
export function coOccurrence(xy: PointArray, labels: Labels, options: CoOccurrenceOptions = {}): CoOccurrence {
  const n = checkPoints(xy, 2, 'coOccurrence');
  const e = encodeLabels(labels, n, 'coOccurrence');
  for (let i = 0; i < n; i++) if (e.codes[i] < 0) throw new StnmfError('BAD_INPUT', `coOccurrence: label ${i} is missing`);
  return coOccurrenceEncoded(xy, e, options);
}

/**
 * {@link coOccurrence} on labels already coded 0..nLabels−1 (labels without observations get NaN
 * ratios). Synchronous; {@link coOccurrenceEncodedAsync} is the cancellable one.
 */
export function coOccurrenceEncoded(xyAll: PointArray, labels: EncodedLabels, options: CoOccurrenceOptions = {}): CoOccurrence {
  return runSteps(coOccurrenceSteps(xyAll, labels, options));
}

/**
 * {@link coOccurrenceEncoded} that yields to the event loop during the pair sweep (about every
 * 50 ms) and stops with `StnmfError('ABORTED')` soon after `options.signal` fires.
 */
export function coOccurrenceEncodedAsync(xyAll: PointArray, labels: EncodedLabels, options: CoOccurrenceOptions = {}): Promise<CoOccurrence> {
  return runStepsCancellable(coOccurrenceSteps(xyAll, labels, options), options.signal, 'coOccurrence');
}

function* coOccurrenceSteps(xyAll: PointArray, labels: EncodedLabels, options: CoOccurrenceOptions): Steps<CoOccurrence> {
  const nAll = checkPoints(xyAll, 2, 'coOccurrence');
  const L = labels.nLabels;
  if (labels.codes.length !== nAll) throw new StnmfError('BAD_INPUT', `coOccurrence: ${labels.codes.length} labels for ${nAll} observations`);
  for (let i = 0; i < nAll; i++) {
    const c = labels.codes[i];
    if (!(c >= 0 && c < L)) throw new StnmfError('BAD_INPUT', `coOccurrence: label code ${c} of observation ${i} is outside 0..${L - 1}`);
  }
  if (options.groups && options.groups.length !== nAll) throw new StnmfError('BAD_INPUT', `coOccurrence: ${options.groups.length} sample codes for ${nAll} observations`);
  let xy: PointArray = xyAll;
  let codes = labels.codes;
  let groups = options.groups;
  const maxCells = options.maxCells ?? Infinity;
  if (!(maxCells >= 2)) throw new StnmfError('BAD_OPTION', `coOccurrence: maxCells must be >= 2, got ${maxCells}`);
  if (nAll > maxCells) {
    const rng = new Rng(options.seed ?? 0);
    const idx = Int32Array.from({ length: nAll }, (_, i) => i);
    rng.shuffle(idx);
    const keep = idx.slice(0, maxCells).sort();
    const sub = new Float64Array(2 * keep.length);
    keep.forEach((i, t) => {
      sub[2 * t] = xyAll[2 * i];
      sub[2 * t + 1] = xyAll[2 * i + 1];
    });
    xy = sub;
    codes = Int32Array.from(keep, (i) => labels.codes[i]);
    if (groups) groups = Int32Array.from(keep, (i) => (groups as Int32Array)[i]);
  }
  const n = codes.length;
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
  const cumulative = options.cumulative ?? false;
  const counts = new Float64Array(B * L * L);
  const th2 = th.map((t) => t * t);
  // Sweep along x: each unordered pair with |Δx| ≤ t_max is met once and counted both ways. With
  // squidpy's range (t_max = half the extent) most pairs qualify, where this tight loop beats a
  // k-d tree that meets every pair from both ends; small thresholds still prune by the x band.
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => xy[2 * a] - xy[2 * b] || a - b);
  const LL = L * L;
  // Tallied pair-major (the bins of one label pair share cache lines), returned bin-major.
  const byPair = new Float64Array(B * LL);
  // One sweep per sample (all observations when there is one), into the same tallies.
  const sweeps: Int32Array[] = [];
  if (groups) {
    const g = groups;
    const by = new Map<number, number[]>();
    for (const i of order) {
      if (!(g[i] >= 0)) throw new StnmfError('BAD_INPUT', `coOccurrence: observation ${i} has no sample`);
      let list = by.get(g[i]);
      if (!list) by.set(g[i], (list = []));
      list.push(i);
    }
    for (const list of by.values()) sweeps.push(Int32Array.from(list));
  } else sweeps.push(order);
  for (const idx of sweeps) {
    const xs = Float64Array.from(idx, (i) => xy[2 * i]);
    const ys = Float64Array.from(idx, (i) => xy[2 * i + 1]);
    const cs = Int32Array.from(idx, (i) => codes[i]);
    yield* tallyPairs(xs, ys, cs, L, th2, cumulative, byPair, options.signal);
  }
  for (let o = 0; o < LL; o++) for (let b = 0; b < B; b++) counts[b * LL + o] = byPair[o * B + b];
  const ratio = new Float64Array(B * L * L);
  const row = new Float64Array(L);
  for (let b = 0; b < B; b++) {
    const off = b * L * L;
    let total = 0;
    row.fill(0);
    for (let a = 0; a < L; a++) for (let c = 0; c < L; c++) row[a] += counts[off + a * L + c];
    for (let a = 0; a < L; a++) total += row[a];
    for (let a = 0; a < L; a++) {
      for (let c = 0; c < L; c++) {
        // Pairs are counted both ways, so the column marginal of c equals its row sum.
        ratio[off + a * L + c] = row[a] > 0 && row[c] > 0 ? counts[off + a * L + c] / row[a] / (row[c] / total) : NaN;
      }
    }
  }
  return { labels: labels.values.slice(), thresholds: th, counts, ratio, nCells: n };
}

/**
 * Adds every pair (i < j) of x-sorted points with d ≤ t_B to `byPair[(ℓ_i·L + ℓ_j)·B + bin]` and
 * its mirror: bin = the annulus (t_b, t_{b+1}] holding d (pairs at d ≤ t_0 skipped), or with
 * `cumulative` every disc from that annulus on (pairs at d ≤ t_0 in all of them).
 */
function* tallyPairs(xs: Float64Array, ys: Float64Array, cs: Int32Array, L: number, th2: Float64Array, cumulative: boolean, byPair: Float64Array, signal?: AbortSignal): Steps<void> {
  const n = xs.length;
  const B = th2.length - 1;
  const outer2 = th2[B];
  // Annuli leave out pairs at d ≤ t_0; discs keep them (-1 is below every d²).
  const inner2 = cumulative ? -1 : th2[0];
  // A bin guess from a table over [0, t_B], corrected by exact comparisons on d²: a binary
  // search's branches mispredict on every pair, which made it the cost of the whole loop.
  const K = Math.max(64, 8 * B);
  const scale = outer2 > 0 ? K / Math.sqrt(outer2) : 0;
  const guess = new Int32Array(K + 1);
  for (let k = 0, b = 0; k <= K; k++) {
    const d = k / scale;
    while (b < B - 1 && d * d > th2[b + 1]) b++;
    guess[k] = b;
  }
  for (let i = 0; i < n; i++) {
    if ((i & 255) === 255) {
      throwIfAborted(signal, 'coOccurrence');
      yield;
    }
    const xi = xs[i], yi = ys[i], ci = cs[i];
    for (let j = i + 1; j < n; j++) {
      const dx = xs[j] - xi;
      // dx only grows along the sweep; comparing squares keeps the exact d² ≤ t_B² rule.
      if (dx * dx > outer2) break;
      const dy = yi - ys[j];
      const d2 = dx * dx + dy * dy;
      if (d2 > outer2 || d2 <= inner2) continue;
      // The bin: first b with d2 <= th2[b+1].
      let b = guess[Math.min(K, (Math.sqrt(d2) * scale) | 0)];
      while (b > 0 && d2 <= th2[b]) b--;
      while (b < B - 1 && d2 > th2[b + 1]) b++;
      const cj = cs[j];
      const ab = (ci * L + cj) * B, ba = (cj * L + ci) * B;
      if (cumulative) {
        for (let c = b; c < B; c++) {
          byPair[ab + c]++;
          byPair[ba + c]++;
        }
      } else {
        byPair[ab + b]++;
        byPair[ba + b]++;
      }
    }
  }
}
