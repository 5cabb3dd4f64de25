/**
 * Niche composition (methods-spec M3.7) and cell-type co-localization (M3.8, G4.14): the paper's
 * ratio score (literal, for parity), its corrected edge-enrichment version, the skill's
 * standardised neighbour excess, the squidpy-style neighbourhood-enrichment permutation z-score
 * and the co-occurrence ratio. The source's name for these scores ("Jones-Scornecchi") is not an
 * established statistic and is not used.
 */
import { Rng } from '../../linalg/rng.js';
import { StnmfError, throwIfAborted } from '../../errors.js';
import type { NeighborLists } from './neighbors.js';

/** Integer-coded labels: `codes[i]` indexes `categories`. */
export interface CodedLabels {
  codes: Int32Array;
  categories: string[];
}

/** Codes string labels with categories in sorted order (the order ties resolve to, M3.7). */
export function encodeLabels(labels: readonly string[]): CodedLabels {
  const categories = [...new Set(labels)].sort();
  const index = new Map(categories.map((c, i) => [c, i]));
  return { codes: Int32Array.from(labels, (l) => index.get(l)!), categories };
}

/** Per-type counts of coded labels. */
export function typeCounts(codes: Int32Array, nTypes: number): Float64Array {
  const c = new Float64Array(nTypes);
  for (let i = 0; i < codes.length; i++) c[codes[i]]++;
  return c;
}

/**
 * Throws when the neighbour graph is empty: every neighbourhood statistic would be undefined.
 * @param radius the radius that produced it, for the message
 */
export function requireNeighbors(g: NeighborLists, radius: number, what = 'radius'): void {
  if (g.indptr[g.n] === 0) {
    throw new StnmfError(
      'BAD_OPTION',
      `${what} ${radius}: no pair of the ${g.n} observations lies within ${radius} coordinate units, so niches and co-localization are undefined; use a larger radius`,
    );
  }
}

/** Fraction of observations without any neighbour. */
export function isolatedFraction(g: NeighborLists): number {
  let c = 0;
  for (let i = 0; i < g.n; i++) if (g.indptr[i + 1] === g.indptr[i]) c++;
  return g.n ? c / g.n : 0;
}

/** Niche composition of every observation. */
export interface NicheComposition {
  /** Neighbours counted per observation (self included when `includeSelf`). */
  nNeighbors: Int32Array;
  /** Fraction of each type among the neighbours, row-major n x T (0 when there are none). */
  fractions: Float64Array;
  /** Most frequent neighbour type (ties → lower code, i.e. sorted order), -1 = no neighbours ("none"). */
  niche: Int32Array;
}

/**
 * Niche composition (M3.7): for each observation the fractions of every type among its
 * neighbours within the radius of `g`; niche type = most frequent.
 * @param includeSelf count the cell itself (skill parity); default false (M3.7 [T])
 */
export function nicheComposition(g: NeighborLists, codes: Int32Array, nTypes: number, includeSelf = false): NicheComposition {
  const n = g.n;
  const nNeighbors = new Int32Array(n);
  const fractions = new Float64Array(n * nTypes);
  const niche = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const base = i * nTypes;
    let cnt = 0;
    if (includeSelf) {
      fractions[base + codes[i]]++;
      cnt++;
    }
    for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) {
      fractions[base + codes[g.indices[p]]]++;
      cnt++;
    }
    nNeighbors[i] = cnt;
    if (cnt === 0) continue;
    let best = 0;
    for (let t = 0; t < nTypes; t++) {
      fractions[base + t] /= cnt;
      if (fractions[base + t] > fractions[base + best]) best = t;
    }
    niche[i] = best;
  }
  return { nNeighbors, fractions, niche };
}

/**
 * Undirected edge counts between types: `E[A*T+B]` = number of edges joining an A cell and a B
 * cell (symmetric; the diagonal counts edges inside a type once).
 */
export function edgeCountsByType(g: NeighborLists, codes: Int32Array, nTypes: number): Float64Array {
  const E = new Float64Array(nTypes * nTypes);
  for (let i = 0; i < g.n; i++) {
    const a = codes[i];
    for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) {
      const j = g.indices[p];
      if (j <= i) continue;
      const b = codes[j];
      E[a * nTypes + b]++;
      if (a !== b) E[b * nTypes + a]++;
    }
  }
  return E;
}

/** The closed-form co-localization scores of every ordered type pair, row-major T x T. */
export interface ColocalizationScores {
  categories: string[];
  /** Undirected edges joining A and B (`E_obs`). */
  edges: Float64Array;
  /** Paper's literal ratio `(E_obs − n_A n_B/n)/(n_A n_B/n)` (parity only: its "expectation" ignores |E| and r). */
  neighborRatioLiteral: Float64Array;
  /** Expected `E_AB` under random relabelling with fixed type counts. */
  expectedEdges: Float64Array;
  /** Corrected ratio `E_obs/E[E_AB] − 1`. */
  edgeEnrichmentRatio: Float64Array;
  /** `log2(E_obs/E[E_AB])` (−Infinity when no edge). */
  log2EdgeEnrichment: Float64Array;
  /** Skill's standardised neighbour excess `(mean_{i∈A} f_i(B) − p_B)/√(p_B(1 − p_B))` (asymmetric; an effect size). */
  standardizedNeighborExcess: Float64Array;
}

/**
 * Closed-form co-localization scores (M3.8). With `n` cells, type counts `n_A` and `|E|`
 * undirected edges: `E[E_AB] = |E|·2 n_A n_B/(n(n−1))` (A ≠ B), `|E|·n_A(n_A − 1)/(n(n−1))` (A = B).
 * The standardised excess uses neighbour fractions `f_i(B)` (0 for cells without neighbours,
 * skill behaviour) and is 0 when `p_B ∈ {0, 1}`.
 * @param includeSelf count each cell in its own neighbourhood for the standardised excess (skill parity); default false
 */
export function colocalizationScores(
  g: NeighborLists,
  labels: CodedLabels,
  includeSelf = false,
): ColocalizationScores {
  const T = labels.categories.length;
  const { codes } = labels;
  const n = g.n;
  const nA = typeCounts(codes, T);
  const edges = edgeCountsByType(g, codes, T);
  const totalEdges = g.indptr[n] / 2;
  const literal = new Float64Array(T * T);
  const expected = new Float64Array(T * T);
  const ratio = new Float64Array(T * T);
  const log2r = new Float64Array(T * T);
  const pairs = n * (n - 1);
  for (let a = 0; a < T; a++) {
    for (let b = 0; b < T; b++) {
      const o = a * T + b;
      const eLit = (nA[a] * nA[b]) / n;
      literal[o] = eLit > 0 ? (edges[o] - eLit) / eLit : NaN;
      const e = a === b ? (totalEdges * nA[a] * (nA[a] - 1)) / pairs : (totalEdges * 2 * nA[a] * nA[b]) / pairs;
      expected[o] = e;
      ratio[o] = e > 0 ? edges[o] / e - 1 : NaN;
      log2r[o] = e > 0 ? Math.log2(edges[o] / e) : NaN;
    }
  }
  const comp = nicheComposition(g, codes, T, includeSelf);
  const meanF = new Float64Array(T * T);
  for (let i = 0; i < n; i++) {
    const a = codes[i];
    for (let b = 0; b < T; b++) meanF[a * T + b] += comp.fractions[i * T + b];
  }
  const excess = new Float64Array(T * T);
  for (let a = 0; a < T; a++) {
    for (let b = 0; b < T; b++) {
      const p = nA[b] / n;
      const o = a * T + b;
      if (nA[a] === 0) excess[o] = NaN;
      else excess[o] = p > 0 && p < 1 ? (meanF[o] / nA[a] - p) / Math.sqrt(p * (1 - p)) : 0;
    }
  }
  return {
    categories: labels.categories.slice(),
    edges,
    neighborRatioLiteral: literal,
    expectedEdges: expected,
    edgeEnrichmentRatio: ratio,
    log2EdgeEnrichment: log2r,
    standardizedNeighborExcess: excess,
  };
}

/** Options of {@link neighborhoodEnrichment}. */
export interface NhoodOptions {
  /** Number of label permutations; default 1000 (squidpy, M3.12). */
  nPerms?: number;
  /** Seed of the permutation stream; default 0. */
  seed?: number;
  /**
   * Types with fewer cells are removed (cells and their edges) before counting, as recent squidpy
   * versions do with their default 10; default 0 = keep every type (the classic squidpy test).
   */
  minCellCount?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/** Result of the neighbourhood-enrichment permutation test, row-major T x T matrices. */
export interface NhoodEnrichment {
  categories: string[];
  /** `C_AB = Σ_{i∈A} Σ_{j∈B} adj_ij` (directed sum over a symmetric graph; diagonal counts each edge twice, as squidpy). */
  count: Float64Array;
  /** Mean of C_AB over the permutations. */
  permMean: Float64Array;
  /** Population SD (ddof 0, numpy's default as used by squidpy) over the permutations. */
  permSd: Float64Array;
  /** `(C − mean)/sd`; NaN where sd = 0 (squidpy `handle_nan='keep'`). */
  zscore: Float64Array;
  /** Empirical one-sided p-value `(1 + #{perm ≥ obs})/(1 + nPerms)`. */
  pValue: Float64Array;
  /** Analytic permutation mean `2|E|·n_A(n_B − δ_AB)/(n(n−1))` (what `permMean` estimates). */
  expected: Float64Array;
  nPerms: number;
  /** Types excluded by `minCellCount` (their entries are NaN). */
  excluded: string[];
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
 * Neighbourhood-enrichment permutation test (squidpy `nhood_enrichment`, M3.8/G4.14): counts of
 * graph edges between every pair of types, compared with `nPerms` random relabellings (labels
 * shuffled over all cells with {@link shuffleInPlace}, type counts fixed). Each permutation
 * costs O(n + |E|): only the upper triangle (i < j) of the graph is walked, each undirected
 * edge tallied once and mirrored at the end; labels are stored as bytes when T ≤ 256 so the
 * random lookups stay in cache.
 */
export function neighborhoodEnrichment(g: NeighborLists, labels: CodedLabels, options: NhoodOptions = {}): NhoodEnrichment {
  const nPerms = options.nPerms ?? 1000;
  if (!Number.isInteger(nPerms) || nPerms < 1) throw new StnmfError('BAD_OPTION', `nPerms: expected an integer ≥ 1, got ${nPerms}`);
  const T = labels.categories.length;
  if (labels.codes.length !== g.n) throw new StnmfError('BAD_INPUT', `neighborhoodEnrichment: ${labels.codes.length} labels for ${g.n} observations`);
  const minCells = options.minCellCount ?? 0;
  const counts = typeCounts(labels.codes, T);
  const keepType = Array.from(counts, (c) => c >= minCells && c > 0);
  const excluded = labels.categories.filter((_, t) => counts[t] > 0 && !keepType[t]);
  // Cells of excluded types leave with their edges (squidpy's filter_clusters_by_min_cell_count).
  const newIndex = new Int32Array(g.n).fill(-1);
  let m = 0;
  for (let i = 0; i < g.n; i++) if (keepType[labels.codes[i]]) newIndex[i] = m++;
  const lab = T <= 256 ? new Uint8Array(m) : new Int32Array(m);
  for (let i = 0; i < g.n; i++) if (newIndex[i] >= 0) lab[newIndex[i]] = labels.codes[i];
  const ptr = new Int32Array(m + 1);
  const nbr: number[] = [];
  for (let i = 0; i < g.n; i++) {
    const a = newIndex[i];
    if (a < 0) continue;
    for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) {
      const j = newIndex[g.indices[p]];
      if (j > a) nbr.push(j);
    }
    ptr[a + 1] = nbr.length;
  }
  const upper = Int32Array.from(nbr);
  const TT = T * T;
  const tally = new Int32Array(TT);
  const countOnce = (codes: Uint8Array | Int32Array, out: Float64Array) => {
    tally.fill(0);
    for (let i = 0; i < m; i++) {
      const a = codes[i] * T;
      for (let p = ptr[i], pe = ptr[i + 1]; p < pe; p++) tally[a + codes[upper[p]]]++;
    }
    for (let a = 0; a < T; a++) for (let b = 0; b < T; b++) out[a * T + b] = tally[a * T + b] + tally[b * T + a];
  };
  const observed = new Float64Array(TT);
  countOnce(lab, observed);
  const sum = new Float64Array(TT);
  const sq = new Float64Array(TT);
  const ge = new Float64Array(TT);
  const perm = new Float64Array(TT);
  const work = lab.slice();
  const rng = new Rng(options.seed ?? 0);
  for (let r = 0; r < nPerms; r++) {
    shuffleInPlace(rng, work);
    countOnce(work, perm);
    for (let o = 0; o < TT; o++) {
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
  const permMean = new Float64Array(TT);
  const permSd = new Float64Array(TT);
  const zscore = new Float64Array(TT);
  const pValue = new Float64Array(TT);
  const expected = new Float64Array(TT);
  const kept = new Float64Array(T);
  for (let i = 0; i < m; i++) kept[lab[i]]++;
  const directed = 2 * upper.length;
  for (let a = 0; a < T; a++) {
    for (let b = 0; b < T; b++) {
      const o = a * T + b;
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
      expected[o] = m > 1 ? (directed * kept[a] * (kept[b] - (a === b ? 1 : 0))) / (m * (m - 1)) : NaN;
    }
  }
  return { categories: labels.categories.slice(), count: observed, permMean, permSd, zscore, pValue, expected, nPerms, excluded };
}

/** Options of {@link coOccurrence}. */
export interface CoOccurrenceOptions {
  /**
   * Distance thresholds (ascending, ≥ 2 values) or their number; default 50 thresholds from
   * squidpy's rule: from the distance between the two points of smallest x+y to half the
   * distance between the smallest-sum and largest-sum points.
   */
  thresholds?: number | ArrayLike<number>;
  /**
   * `false` (default, methods-spec M3.8): annuli `(d_{j−1}, d_j]`; `true`: discs `d ≤ d_j`
   * (recent squidpy, which counts pairs within each threshold).
   */
  cumulative?: boolean;
  /** Above this many cells a seeded random subsample is used (pairs are O(n²)); default 20000 (M3.12 [T]). */
  maxCells?: number;
  seed?: number;
  signal?: AbortSignal;
}

/** Co-occurrence ratios `p(B|A)/p(B)` per distance bin, array `[A][B][bin]` flattened (T x T x nBins). */
export interface CoOccurrence {
  categories: string[];
  /** The thresholds; bin j covers `(thresholds[j], thresholds[j+1]]` (or `[0, thresholds[j+1]]` when cumulative). */
  thresholds: Float64Array;
  nBins: number;
  ratio: Float64Array;
  /** Ordered pair counts per bin, same layout. */
  counts: Float64Array;
  /** Cells used (after subsampling). */
  nCells: number;
}

/**
 * Co-occurrence ratio (squidpy `co_occurrence`, M3.8): for each distance bin, ordered cell pairs
 * (i ≠ j) are counted by label pair; `p(B|A) = co_AB/Σ_B' co_AB'`, `p(B)` = marginal of B over
 * all counted pairs, score = `p(B|A)/p(B)` (NaN when undefined). O(n²) pair distances.
 */
export function coOccurrence(x: ArrayLike<number>, y: ArrayLike<number>, labels: CodedLabels, options: CoOccurrenceOptions = {}): CoOccurrence {
  const T = labels.categories.length;
  let idx = Int32Array.from({ length: x.length }, (_, i) => i);
  const maxCells = options.maxCells ?? 20000;
  if (idx.length > maxCells) {
    const rng = new Rng(options.seed ?? 0);
    rng.shuffle(idx);
    idx = idx.slice(0, maxCells).sort();
  }
  const n = idx.length;
  const px = Float64Array.from(idx, (i) => x[i]);
  const py = Float64Array.from(idx, (i) => y[i]);
  const lab = Int32Array.from(idx, (i) => labels.codes[i]);
  let th: Float64Array;
  if (options.thresholds === undefined || typeof options.thresholds === 'number') {
    const steps = (options.thresholds as number | undefined) ?? 50;
    if (!(steps >= 2)) throw new StnmfError('BAD_OPTION', `thresholds: expected at least 2, got ${steps}`);
    const [lo, hi] = squidpyRange(px, py);
    th = new Float64Array(steps);
    for (let s = 0; s < steps; s++) th[s] = lo + ((hi - lo) * s) / (steps - 1);
  } else {
    th = Float64Array.from(options.thresholds).sort();
    if (th.length < 2) throw new StnmfError('BAD_OPTION', `thresholds: expected at least 2 values, got ${th.length}`);
  }
  const nBins = th.length - 1;
  const cumulative = options.cumulative ?? false;
  const th2 = th.map((t) => t * t);
  const counts = new Float64Array(T * T * nBins);
  for (let i = 0; i < n; i++) {
    if ((i & 255) === 255) throwIfAborted(options.signal, 'coOccurrence');
    const a = lab[i];
    for (let j = i + 1; j < n; j++) {
      const dx = px[i] - px[j];
      const dy = py[i] - py[j];
      const d2 = dx * dx + dy * dy;
      if (d2 > th2[nBins]) continue;
      const b = lab[j];
      if (cumulative) {
        // Every disc with threshold ≥ d gets the pair: find the first such bin.
        let s = firstAtLeast(th2, d2, 1);
        for (; s <= nBins; s++) {
          counts[(a * T + b) * nBins + s - 1]++;
          counts[(b * T + a) * nBins + s - 1]++;
        }
      } else {
        if (d2 <= th2[0]) continue;
        const s = firstAtLeast(th2, d2, 1);
        counts[(a * T + b) * nBins + s - 1]++;
        counts[(b * T + a) * nBins + s - 1]++;
      }
    }
  }
  const ratio = new Float64Array(T * T * nBins);
  const rowSum = new Float64Array(T);
  for (let s = 0; s < nBins; s++) {
    rowSum.fill(0);
    let total = 0;
    for (let a = 0; a < T; a++) for (let b = 0; b < T; b++) rowSum[a] += counts[(a * T + b) * nBins + s];
    for (let a = 0; a < T; a++) total += rowSum[a];
    for (let a = 0; a < T; a++) {
      for (let b = 0; b < T; b++) {
        // Pairs are counted both ways, so the column marginal of B equals its row sum.
        const pB = total > 0 ? rowSum[b] / total : 0;
        const o = (a * T + b) * nBins + s;
        ratio[o] = rowSum[a] > 0 && pB > 0 ? counts[o] / rowSum[a] / pB : NaN;
      }
    }
  }
  return { categories: labels.categories.slice(), thresholds: th, nBins, ratio, counts, nCells: n };
}

/** Smallest s ≥ from with `sorted[s] ≥ v` (binary search). */
function firstAtLeast(sorted: Float64Array, v: number, from: number): number {
  let lo = from, hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] >= v) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** squidpy's default threshold range (`_find_min_max`). */
function squidpyRange(x: Float64Array, y: Float64Array): [number, number] {
  const n = x.length;
  if (n < 2) throw new StnmfError('BAD_INPUT', `coOccurrence: needs at least 2 cells, got ${n}`);
  let i1 = -1, i2 = -1, iMax = 0;
  for (let i = 0; i < n; i++) {
    const s = x[i] + y[i];
    if (i1 < 0 || s < x[i1] + y[i1]) {
      i2 = i1;
      i1 = i;
    } else if (i2 < 0 || s < x[i2] + y[i2]) i2 = i;
    if (s > x[iMax] + y[iMax]) iMax = i;
  }
  const lo = Math.hypot(x[i1] - x[i2], y[i1] - y[i2]);
  const hi = Math.hypot(x[i1] - x[iMax], y[i1] - y[iMax]) / 2;
  return [lo, Math.max(hi, lo)];
}
