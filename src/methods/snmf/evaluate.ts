/**
 * The evaluation of hSNMF exactly as the reference computes it (methods-spec M1.5): adjacency
 * scores, CHAOS with the population SD, Moran's I of the first smoothed component over the
 * hybrid graph (row-standardised), silhouette and Davies–Bouldin on the smoothed usages over
 * a stratified 10,000-cell subsample (seed 0), the marker scores, reconstruction of the
 * smoothed model, and the optional gene-set enrichment. PAS (G4.4), Moran's I of the raw
 * W0 (discrepancy register item 2) and ARI/NMI against reference labels are toolkit extras.
 *
 * Layer 2 (methods): no Node APIs.
 */
import { optionDefault } from '../../options.js';
import { HSNMF_EVALUATE_OPTIONS } from './options.js';
import {
  adjustedRandIndex,
  chaosSteps,
  clusterMarkersSteps,
  daviesBouldin,
  enrichmentScore,
  markerScoresSteps,
  moransISteps,
  normalizedMutualInfo,
  pasSteps,
  silhouetteSteps,
  silhouetteSubsample,
  type ClusterMarkers,
  type GeneSet,
  type Labels,
} from '../../metrics/index.js';
import { runSteps, runStepsCancellable, type Steps } from '../../errors.js';
import type { Csr, Dense } from '../../linalg/index.js';
import type { NeighborGraph } from '../../spatial/index.js';
import { rowStochasticSteps } from './adjacency.js';
import type { HsnmfResult } from './hsnmf.js';
import { perSampleMetrics, pooledMean, type SampleMetrics } from './per-sample.js';

/** Options of {@link evaluateHsnmf} (defaults M1.4). */
export interface EvaluateOptions {
  /** Silhouette/DBI subsample size (default 10,000, stratified by label). */
  subsample?: number;
  /** Subsample seed (default 0). */
  seed?: number;
  /** Minimum cluster size for Wilcoxon markers (default 100). */
  minClusterSize?: number;
  /** Gene names (var index) for marker lists and enrichment. */
  geneNames?: string[];
  /** Gene sets (parsed GMT) for the over-representation score; none = Enrich NaN. */
  geneSets?: GeneSet[];
  /** Reference labels (e.g. published regions) for ARI/NMI; null/'' = unlabelled, skipped. */
  referenceLabels?: Labels;
  /** Skip the marker scores (CMC, MER, specificity) and enrichment. */
  skipMarkers?: boolean;
}

/** One row of the metric table (the reference's CSV columns, camelCase, plus extras). */
export interface HsnmfMetrics {
  rank: number;
  resolution: number;
  mode: string;
  nCells: number;
  nClusters: number;
  silhouette: number;
  daviesBouldin: number;
  adjContact: number;
  adjRadius: number;
  adjHybrid: number;
  /** Moran's I of Ws[:, 0] over the hybrid graph, row-standardised (M1.5 item 3). */
  moransI: number;
  /** The same for the unsmoothed W0[:, 0] (how much of I the smoothing made). */
  moransIRaw: number;
  /** CHAOS, population SD (hSNMF). */
  chaos: number;
  /** PAS (SpatialPCA, 10 nearest neighbours). */
  pas: number;
  /** CMC = MarkerFraction. */
  cmc: number;
  weightedMF: number;
  mer: number;
  /** A count of cells (the reference's MarkerZeroRate). */
  markerZero: number;
  specificity: number;
  /** MSE of X vs Ws·H over all n·p entries. */
  reconstruction: number;
  explainedVariance: number;
  /** Median −log10(min adjusted p) over clusters with a significant term; NaN without gene sets. */
  enrich: number;
  ari: number;
  nmi: number;
  /** Composites of the Pareto analysis (M1.5 item 13). */
  moranChaos: number;
  silDbi: number;
  cmcEnrich: number;
}

/** Fraction of the graph's undirected edges whose endpoints share a label (unweighted). */
export function adjacencyScore(g: NeighborGraph, labels: ArrayLike<number>): number {
  let same = 0, total = 0;
  for (let i = 0; i < g.n; i++) {
    for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) {
      const j = g.indices[p];
      if (j <= i) continue;
      total++;
      if (labels[i] === labels[j]) same++;
    }
  }
  return total === 0 ? 0 : same / total;
}

/**
 * Reconstruction MSE of X by W·H over all n·p entries and the explained variance
 * `1 − MSE / mean((X − column means)²)` (M1.5 item 10), without materialising W·H:
 * Σ(X − R)² = Σ R² − 2 Σ_nz X·R + Σ_nz X², with Σ R² = Σ_i w_i (H Hᵀ) w_iᵀ. Float64.
 */
export function reconstructionScores(X: Csr, W: ArrayLike<number>, H: Dense): { mse: number; explainedVariance: number } {
  const n = X.rows, p = X.cols, k = H.rows;
  const HHt = new Float64Array(k * k);
  for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) {
    let s = 0;
    for (let j = 0; j < p; j++) s += H.data[a * p + j] * H.data[b * p + j];
    HHt[a * k + b] = s;
  }
  let rr = 0, xr = 0, xx = 0;
  const colSum = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    const wi = i * k;
    for (let a = 0; a < k; a++) {
      const wa = W[wi + a];
      if (wa === 0) continue;
      let s = 0;
      for (let b = 0; b < k; b++) s += HHt[a * k + b] * W[wi + b];
      rr += wa * s;
    }
    for (let q = X.indptr[i]; q < X.indptr[i + 1]; q++) {
      const j = X.indices[q];
      const x = X.data[q];
      let r = 0;
      for (let a = 0; a < k; a++) r += W[wi + a] * H.data[a * p + j];
      xr += x * r;
      xx += x * x;
      colSum[j] += x;
    }
  }
  const N = n * p;
  const mse = (rr - 2 * xr + xx) / N;
  let meanSq = 0;
  for (let j = 0; j < p; j++) meanSq += (colSum[j] / n) ** 2;
  const totalVar = (xx - n * meanSq) / N;
  return { mse, explainedVariance: totalVar > 0 ? 1 - mse / totalVar : 0 };
}

/** The Pareto composites (M1.5 item 13). */
function composites(m: { moransI: number; chaos: number; silhouette: number; daviesBouldin: number; cmc: number; enrich: number }) {
  return { moranChaos: m.moransI / (m.chaos * 100), silDbi: m.silhouette / m.daviesBouldin, cmcEnrich: m.cmc * m.enrich };
}

/**
 * Every M1.5 metric of an hSNMF result (plus PAS, Moran of W0, ARI/NMI when reference labels
 * are given). Silhouette and DBI use the same stratified subsample (seed 0), as the reference
 * does by reseeding; the draw differs from NumPy's generator.
 */
export function evaluateHsnmf(r: HsnmfResult, options: EvaluateOptions = {}): HsnmfEvaluation {
  return runSteps(evaluateHsnmfSteps(r, options));
}

/**
 * {@link evaluateHsnmf} that can be interrupted: `signal` firing stops it within a few tens of
 * milliseconds with `StnmfError('ABORTED')` (the silhouette alone is seconds on Xenium).
 */
export function evaluateHsnmfAsync(r: HsnmfResult, options: EvaluateOptions & { signal?: AbortSignal } = {}): Promise<HsnmfEvaluation> {
  return runStepsCancellable(evaluateHsnmfSteps(r, options), options.signal, 'hsnmf evaluation');
}

/** What {@link evaluateHsnmf} returns: the metrics and the markers they were scored with. */
export interface HsnmfEvaluation {
  metrics: HsnmfMetrics;
  markers?: ClusterMarkers;
  markerNames?: string[][];
  enrichTerms?: ReturnType<typeof enrichmentScore>['terms'];
  perSample?: SampleMetrics[];
}

/** {@link evaluateHsnmf} as cancellable steps (errors.ts `Steps`). */
function* evaluateHsnmfSteps(r: HsnmfResult, options: EvaluateOptions): Steps<HsnmfEvaluation> {
  const s = r.snmf;
  const labels = r.labels;
  const n = labels.length;
  const k = s.Ws.cols;
  const g = s.graphs;
  const rowStd = yield* rowStochasticSteps(g.hybrid);
  // Factor 1 of the smoothed and of the raw usages in one call: the weight sums (most of the
  // cost, 5 s at 300,000 cells) are computed once.
  const both = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    both[2 * i] = s.Ws64[i * k];
    both[2 * i + 1] = s.W0.data[i * k];
  }
  const moranBoth = (yield* moransISteps({ rows: n, cols: 2, data: both }, rowStd)).results;
  const moran = moranBoth[0].I;
  const moranRaw = moranBoth[1].I;
  // Several samples: neighbourhoods only within a sample (their coordinates overlap); pooled
  // CHAOS/PAS are the cell-weighted means of the per-sample values (per-sample.ts).
  yield;
  const perSample = perSampleMetrics(r);
  yield;
  const chaosV = perSample ? pooledMean(perSample, 'chaos') : (yield* chaosSteps(g.coordsUm, labels, { sdConvention: 'population' })).chaos;
  const pasV = perSample ? pooledMean(perSample, 'pas') : n > 10 ? (yield* pasSteps(g.coordsUm, labels, 10)).pas : NaN;
  const sub = options.subsample ?? optionDefault<number>(HSNMF_EVALUATE_OPTIONS, 'subsample');
  const seed = options.seed ?? 0;
  let sil = NaN, dbi = NaN;
  if (r.nClusters >= 2) {
    const rows = silhouetteSubsample(labels, n, Math.max(2, sub), seed, true);
    yield;
    sil = yield* silhouetteSteps(s.Ws64, k, labels, { sampleSize: Math.max(2, sub), seed, stratified: true });
    dbi = daviesBouldin(s.Ws64, k, labels, { rows });
  }
  yield;
  const rec = reconstructionScores(s.X, s.Ws64, s.H);
  yield;
  let cmc = NaN, weightedMF = NaN, mer = NaN, markerZero = NaN, specificity = NaN, enrich = NaN;
  let markers: ClusterMarkers | undefined;
  let markerNames: string[][] | undefined;
  let enrichTerms: ReturnType<typeof enrichmentScore>['terms'] | undefined;
  if (!options.skipMarkers) {
    markers = yield* clusterMarkersSteps(s.X, labels, { minClusterSize: options.minClusterSize ?? optionDefault<number>(HSNMF_EVALUATE_OPTIONS, 'minClusterSize') });
    yield;
    const ms = yield* markerScoresSteps(s.X, labels, markers);
    ({ cmc, weightedMF, mer, markerZero, specificity } = ms);
    if (options.geneNames) {
      const names = options.geneNames;
      markerNames = markers.markers.map((m) => Array.from(m, (j) => names[j]));
      if (options.geneSets) {
        const e = enrichmentScore(markerNames, options.geneSets, names);
        enrich = e.enrich;
        enrichTerms = e.terms;
      }
    }
  }
  let ari = NaN, nmi = NaN;
  if (options.referenceLabels) {
    // Score only cells with a reference label.
    const ref = options.referenceLabels;
    const keep: number[] = [];
    for (let i = 0; i < n; i++) {
      const v = ref[i] as unknown;
      if (v === null || v === undefined || v === '' || (typeof v === 'number' && (Number.isNaN(v) || v < 0))) continue;
      keep.push(i);
    }
    const a = keep.map((i) => ref[i] as string | number);
    const b = keep.map((i) => labels[i]);
    ari = adjustedRandIndex(a as Labels, b);
    nmi = normalizedMutualInfo(a as Labels, b);
  }
  const base = {
    rank: k,
    resolution: Number(r.parameters.resolution),
    mode: r.mode,
    nCells: n,
    nClusters: r.nClusters,
    silhouette: sil,
    daviesBouldin: dbi,
    adjContact: adjacencyScore(g.contact, labels),
    adjRadius: adjacencyScore(g.context, labels),
    adjHybrid: adjacencyScore(g.hybrid, labels),
    moransI: moran,
    moransIRaw: moranRaw,
    chaos: chaosV,
    pas: pasV,
    cmc,
    weightedMF,
    mer,
    markerZero,
    specificity,
    reconstruction: rec.mse,
    explainedVariance: rec.explainedVariance,
    enrich,
    ari,
    nmi,
  };
  return { metrics: { ...base, ...composites(base) }, markers, markerNames, enrichTerms, ...(perSample ? { perSample } : {}) };
}

/**
 * summary.json of an hSNMF run (CLI and app): the headline metrics, then context. `seconds` only
 * for the demo's own summary; a command's wall time goes to run.json.
 */
export function hsnmfSummary(m: HsnmfMetrics, r: HsnmfResult, seconds?: number): Record<string, unknown> {
  return {
    chaos: m.chaos,
    pas: m.pas,
    moransI: m.moransI,
    silhouette: m.silhouette,
    daviesBouldin: m.daviesBouldin,
    cmc: m.cmc,
    nClusters: m.nClusters,
    ...(seconds === undefined ? {} : { seconds }),
    mode: r.mode,
    rank: m.rank,
    resolution: m.resolution,
    nCells: m.nCells,
    moransIUnsmoothed: m.moransIRaw,
    adjHybrid: m.adjHybrid,
    enrich: m.enrich,
    ari: m.ari,
    nmi: m.nmi,
    leidenQuality: r.quality,
    nmfIterations: r.snmf.nmf?.iterations,
    nmfConverged: r.snmf.nmf?.converged,
  };
}

/** The metric table columns in the reference CSV's order (authors' names), then the extras. */
export const METRIC_COLUMNS: [string, keyof HsnmfMetrics][] = [
  ['Rank', 'rank'],
  ['Resolution', 'resolution'],
  ['Mode', 'mode'],
  ['n_cells', 'nCells'],
  ['n_clusters', 'nClusters'],
  ['Silhouette', 'silhouette'],
  ['DBI_NMF', 'daviesBouldin'],
  ['Adj_Score_Contact', 'adjContact'],
  ['Adj_Score_Radius', 'adjRadius'],
  ['Adj_Score_Hybrid', 'adjHybrid'],
  ['Moran_I_Comp1', 'moransI'],
  ['Moran_I_Comp1_unsmoothed', 'moransIRaw'],
  ['CHAOS', 'chaos'],
  ['PAS', 'pas'],
  ['MarkerFraction', 'cmc'],
  ['WeightedMF', 'weightedMF'],
  ['MarkerExclusionRate', 'mer'],
  ['MarkerZeroRate', 'markerZero'],
  ['Specificity', 'specificity'],
  ['Reconstruction', 'reconstruction'],
  ['Expl_Var', 'explainedVariance'],
  ['Enrich', 'enrich'],
  ['ARI', 'ari'],
  ['NMI', 'nmi'],
  ['MoranChaos', 'moranChaos'],
  ['Sil_DBI', 'silDbi'],
  ['CMC_x_Enrich', 'cmcEnrich'],
];

/** CSV text (header + one line per row) of metric rows; NaN as empty, like pandas. */
export function metricsCsv(rows: HsnmfMetrics[], extra: { name: string; values: (string | number | boolean)[] }[] = []): string {
  const header = [...METRIC_COLUMNS.map(([h]) => h), ...extra.map((e) => e.name)];
  const lines = [header.join(',')];
  rows.forEach((r, t) => {
    const cells = METRIC_COLUMNS.map(([, key]) => cell(r[key]));
    for (const e of extra) cells.push(cell(e.values[t]));
    lines.push(cells.join(','));
  });
  return lines.join('\n') + '\n';
}

function cell(v: unknown): string {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  const s = String(v ?? '');
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
