/**
 * Niche composition (methods-spec M3.7) and cell-type co-localization (M3.8, G4.14): the paper's
 * ratio score (literal, for parity), its corrected edge-enrichment version, the skill's
 * standardised neighbour excess, and the method's views of the squidpy-style
 * neighbourhood-enrichment permutation z-score and co-occurrence ratio (both computed by
 * `metrics`). The source's name for these scores ("Jones-Scornecchi") is not an established
 * statistic and is not used.
 */
import { StnmfError } from '../../errors.js';
import { radiusGraph, type NeighborGraph } from '../../spatial/index.js';
import {
  coOccurrenceEncoded,
  coOccurrenceEncodedAsync,
  encodeLabels as encodeMetricLabels,
  neighborhoodEnrichmentEncoded,
  neighborhoodEnrichmentEncodedAsync,
  type AdjacencyStructure,
  type CoOccurrenceOptions as MetricsCoOccurrenceOptions,
  type EncodedLabels,
  type NeighborhoodEnrichment,
  type NeighborhoodEnrichmentOptions,
} from '../../metrics/index.js';

/**
 * Neighbour lists in CSR layout (neighbours of i = `indices[indptr[i] .. indptr[i+1])`): a
 * `spatial` radius graph qualifies; weights are not used, every consumer here counts neighbours.
 */
export type NeighborLists = AdjacencyStructure;

/**
 * The radius graph of the cells (M3.7): every pair at Euclidean distance `d ≤ radius`, coincident
 * cells included (scipy `cKDTree.query_pairs` / sklearn `radius_neighbors_graph` inclusion), built
 * by `spatial.radiusGraph`. Symmetric, no self loops, rows sorted.
 * @param x x coordinates (length n), any unit
 * @param y y coordinates, same unit
 * @param radius in the coordinate unit, finite and > 0 (M3.7 default 50)
 * @throws StnmfError on non-finite coordinates or a bad radius.
 */
export function radiusNeighbors(x: ArrayLike<number>, y: ArrayLike<number>, radius: number): NeighborGraph {
  return radiusGraph(interleave(x, y), radius, { dropCoincident: false });
}

/** Flat `[x0, y0, x1, y1, …]`, the point layout of `spatial` and `metrics`. */
export function interleave(x: ArrayLike<number>, y: ArrayLike<number>): Float64Array {
  const xy = new Float64Array(2 * x.length);
  for (let i = 0; i < x.length; i++) {
    xy[2 * i] = x[i];
    xy[2 * i + 1] = y[i];
  }
  return xy;
}

/** Integer-coded labels: `codes[i]` indexes `categories`. */
export interface CodedLabels {
  codes: Int32Array;
  categories: string[];
}

/**
 * Codes string labels with categories in sorted order (the order ties resolve to, M3.7):
 * `metrics.encodeLabels` with the type names as `categories`. Every cell has a type here, so an
 * empty label (which `metrics` reads as unlabelled) is refused rather than dropped.
 */
export function encodeLabels(labels: readonly string[]): CodedLabels {
  const e = encodeMetricLabels(labels, undefined, 'cell types');
  const unlabelled = e.codes.indexOf(-1);
  if (unlabelled >= 0) throw new StnmfError('BAD_INPUT', `cell types: cell ${unlabelled} has an empty type label`);
  return { codes: e.codes, categories: e.values.map(String) };
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

/** Options of {@link neighborhoodEnrichment} (see `metrics` for each field; nPerms default 1000, M3.12). */
export type NhoodOptions = NeighborhoodEnrichmentOptions;

/**
 * Result of the neighbourhood-enrichment permutation test, row-major T x T matrices: the
 * `metrics` result with the type names as `categories` and the observed counts as `count`.
 */
export interface NhoodEnrichment extends Omit<NeighborhoodEnrichment, 'labels' | 'counts' | 'excluded'> {
  categories: string[];
  /** `C_AB = Σ_{i∈A} Σ_{j∈B} adj_ij` (directed sum over a symmetric graph; diagonal counts each edge twice, as squidpy). */
  count: Float64Array;
  /** Types excluded by `minCellCount` (their entries are NaN). */
  excluded: string[];
}

const encoded = (labels: CodedLabels): EncodedLabels => ({ codes: labels.codes, nLabels: labels.categories.length, values: labels.categories });

/**
 * Neighbourhood-enrichment permutation test (squidpy `nhood_enrichment`, M3.8/G4.14) of the
 * cell types over the neighbour graph: `metrics.neighborhoodEnrichmentEncoded` (labels
 * shuffled over all cells with `metrics.shuffleInPlace`, each undirected edge walked once per
 * permutation), reported with the type names.
 */
export function neighborhoodEnrichment(g: NeighborLists, labels: CodedLabels, options: NhoodOptions = {}): NhoodEnrichment {
  return nhoodFromMetrics(neighborhoodEnrichmentEncoded(g, encoded(labels), options), labels);
}

/** {@link neighborhoodEnrichment}, cancellable: yields between permutations and stops soon after `options.signal` fires. */
export async function neighborhoodEnrichmentAsync(g: NeighborLists, labels: CodedLabels, options: NhoodOptions = {}): Promise<NhoodEnrichment> {
  return nhoodFromMetrics(await neighborhoodEnrichmentEncodedAsync(g, encoded(labels), options), labels);
}

function nhoodFromMetrics(r: NeighborhoodEnrichment, labels: CodedLabels): NhoodEnrichment {
  return {
    categories: labels.categories.slice(),
    count: r.counts,
    permMean: r.permMean,
    permSd: r.permSd,
    zscore: r.zscore,
    pValue: r.pValue,
    expected: r.expected,
    nPerms: r.nPerms,
    excluded: r.excluded.map(String),
  };
}

/** Options of {@link coOccurrence}. */
export interface CoOccurrenceOptions extends Omit<MetricsCoOccurrenceOptions, 'thresholds' | 'nSteps' | 'maxCells'> {
  /**
   * Distance thresholds (≥ 2 values, sorted here) or their number; default 50 thresholds from
   * squidpy's rule: from the distance between the two points of smallest x+y to half the
   * distance between the smallest-sum and largest-sum points.
   */
  thresholds?: number | ArrayLike<number>;
  /** Above this many cells a seeded random subsample is used (pairs are O(n²)); default 20000 (M3.12 [T]). */
  maxCells?: number;
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
 * Co-occurrence ratio of the cell types (squidpy `co_occurrence`, M3.8): `metrics.coOccurrence`
 * (annuli by default, discs with `cumulative`) on at most `maxCells` cells, reported per type
 * pair with the bins innermost, the layout of `co_occurrence.csv`.
 */
export function coOccurrence(x: ArrayLike<number>, y: ArrayLike<number>, labels: CodedLabels, options: CoOccurrenceOptions = {}): CoOccurrence {
  return coOccurrenceFromMetrics(coOccurrenceEncoded(interleave(x, y), encoded(labels), coOccurrenceMetricsOptions(options)), labels);
}

/** {@link coOccurrence}, cancellable: yields during the pair sweep and stops soon after `options.signal` fires. */
export async function coOccurrenceAsync(x: ArrayLike<number>, y: ArrayLike<number>, labels: CodedLabels, options: CoOccurrenceOptions = {}): Promise<CoOccurrence> {
  return coOccurrenceFromMetrics(await coOccurrenceEncodedAsync(interleave(x, y), encoded(labels), coOccurrenceMetricsOptions(options)), labels);
}

function coOccurrenceMetricsOptions(options: CoOccurrenceOptions): MetricsCoOccurrenceOptions {
  const { thresholds: th, ...rest } = options;
  return {
    ...rest,
    maxCells: options.maxCells ?? 20000,
    ...(typeof th === 'number' ? { nSteps: th } : th !== undefined ? { thresholds: Float64Array.from(th).sort() } : {}),
  };
}

function coOccurrenceFromMetrics(r: ReturnType<typeof coOccurrenceEncoded>, labels: CodedLabels): CoOccurrence {
  const T = labels.categories.length;
  const nBins = r.thresholds.length - 1;
  const ratio = new Float64Array(T * T * nBins);
  const counts = new Float64Array(T * T * nBins);
  for (let s = 0; s < nBins; s++) {
    for (let o = 0; o < T * T; o++) {
      ratio[o * nBins + s] = r.ratio[s * T * T + o];
      counts[o * nBins + s] = r.counts[s * T * T + o];
    }
  }
  return { categories: labels.categories.slice(), thresholds: r.thresholds, nBins, ratio, counts, nCells: r.nCells };
}
