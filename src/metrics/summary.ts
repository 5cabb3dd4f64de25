/**
 * One call that computes the evaluation metrics of a clustering on an embedding and spatial
 * coordinates, with the camelCase keys the CLI writes to summary.json (issue 4).
 *
 * Layer 1 (metrics): no Node APIs.
 */
import { StnmfError } from '../errors.js';
import { checkPoints, type PointArray } from '../spatial/kdtree.js';
import { radiusGraph, rowStandardize, type NeighborGraph } from '../spatial/graphs.js';
import { groupRows, perGroupGraphs, subgraph, takePoints, type Groups } from '../spatial/blocks.js';
import { gearysC, moransI } from './autocorrelation.js';
import { adjustedRandIndex, chaos, daviesBouldin, encodeLabels, normalizedMutualInfo, pas, silhouette, silhouetteSubsample, type Labels } from './clustering.js';

/** Inputs of {@link computeMetrics}. */
export interface MetricsInput {
  /** Spatial coordinates, flat `[x0, y0, …]`. */
  xy: PointArray;
  /** Cluster labels (one per observation). */
  labels: Labels;
  /** Embedding (e.g. X_nmf), row-major n x dim; silhouette / Davies–Bouldin / Moran use it. */
  embedding?: PointArray;
  /** Columns of `embedding`. */
  dim?: number;
  /** Ground-truth labels for ARI / NMI (optional). */
  truth?: Labels;
  /**
   * Samples (sections) of the observations: the radius graph is built per sample and joined
   * (no edge between samples), CHAOS and PAS are computed within each sample and pooled as
   * their observation-weighted means, and `perGroup` reports each sample (issue 18).
   */
  groups?: Groups;
}

/** The spatial metrics of one sample ({@link MetricsInput.groups}). */
export interface GroupMetrics {
  group: number;
  n: number;
  moransI: number[];
  chaos: number;
  chaosHsnmf: number;
  pas: number;
}

/** Options of {@link computeMetrics}. */
export interface MetricsOptions {
  /** Radius of the spatial graph for Moran's I, Geary's C and the adjacency score (coordinate units); required. */
  radius: number;
  /** Silhouette / Davies–Bouldin subsample size (default 10,000, stratified, seed 0: hSNMF M1.5). `0` = exact on all. */
  sampleSize?: number;
  /** Subsample seed (default 0). */
  seed?: number;
  /** PAS neighbours (default 10). */
  pasK?: number;
}

/** summary.json-ready metrics (NaN where undefined). */
export interface MetricsSummary {
  n: number;
  nClusters: number;
  /** Moran's I of each embedding column over the row-standardised radius graph. */
  moransI: number[];
  moransIZ: number[];
  moransIP: number[];
  gearysC: number[];
  /** Fraction of radius-graph edges whose ends share a label (hSNMF adjacency score). */
  adjacencyScore: number;
  /** CHAOS with the sample SD (SpatialPCA). */
  chaos: number;
  /** CHAOS with the population SD (hSNMF). */
  chaosHsnmf: number;
  pas: number;
  silhouette: number;
  daviesBouldin: number;
  silhouetteSampleSize: number;
  ari?: number;
  nmi?: number;
  radius: number;
  nIslands: number;
  /** Per sample, when {@link MetricsInput.groups} was given. */
  perGroup?: GroupMetrics[];
}

/**
 * Computes every clustering / spatial metric for one labelling: Moran's I and Geary's C of
 * each embedding column (row-standardised radius graph), adjacency score, CHAOS (both SD
 * conventions), PAS, silhouette and Davies–Bouldin on the embedding (stratified subsample as
 * hSNMF), and ARI / NMI when truth is given.
 */
export function computeMetrics(input: MetricsInput, options: MetricsOptions): MetricsSummary {
  const n = checkPoints(input.xy, 2, 'computeMetrics xy');
  const enc = encodeLabels(input.labels, n, 'computeMetrics labels');
  const dim = input.dim ?? 0;
  if (input.embedding && checkPoints(input.embedding, dim, 'computeMetrics embedding') !== n) {
    throw new StnmfError('BAD_INPUT', `computeMetrics: embedding has ${input.embedding.length / dim} rows, expected ${n}`);
  }
  const groups = input.groups;
  const g: NeighborGraph = groups ? perGroupGraphs(input.xy, groups, (pts) => [radiusGraph(pts, options.radius)])[0] : radiusGraph(input.xy, options.radius);
  const per = groups ? groupMetrics(input, groups, g, options) : undefined;
  const pooled = (key: 'chaos' | 'chaosHsnmf' | 'pas'): number => {
    let a = 0, m = 0;
    for (const r of per!) if (Number.isFinite(r[key])) ((a += r[key] * r.n), (m += r.n));
    return m > 0 ? a / m : NaN;
  };
  let same = 0;
  let tot = 0;
  for (let i = 0; i < n; i++) {
    for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) {
      const j = g.indices[p];
      if (j <= i) continue;
      tot++;
      if (enc.codes[i] === enc.codes[j] && enc.codes[i] >= 0) same++;
    }
  }
  const { graph: wr, islands } = rowStandardize(g);
  const out: MetricsSummary = {
    n,
    nClusters: enc.nLabels,
    moransI: [],
    moransIZ: [],
    moransIP: [],
    gearysC: [],
    adjacencyScore: tot > 0 ? same / tot : NaN,
    chaos: per ? pooled('chaos') : chaos(input.xy, input.labels).chaos,
    chaosHsnmf: per ? pooled('chaosHsnmf') : chaos(input.xy, input.labels, { sdConvention: 'population' }).chaos,
    pas: per ? pooled('pas') : pas(input.xy, input.labels, options.pasK ?? 10).pas,
    silhouette: NaN,
    daviesBouldin: NaN,
    silhouetteSampleSize: 0,
    radius: options.radius,
    nIslands: islands,
    ...(per ? { perGroup: per } : {}),
  };
  if (input.embedding && dim > 0) {
    const emb = { rows: n, cols: dim, data: input.embedding };
    const m = moransI(emb, wr);
    out.moransI = m.results.map((r) => r.I);
    out.moransIZ = m.results.map((r) => r.zNormal);
    out.moransIP = m.results.map((r) => r.pNormal);
    out.gearysC = gearysC(emb, wr).results.map((r) => r.C);
    const size = options.sampleSize ?? 10000;
    const rows = size > 0 && size < n ? silhouetteSubsample(input.labels, n, size, options.seed ?? 0, true) : undefined;
    const labs = rows ? Array.from(rows, (i) => enc.codes[i]) : enc.codes;
    const pts = rows ? Float64Array.from({ length: rows.length * dim }, (_, t) => input.embedding![rows[Math.floor(t / dim)] * dim + (t % dim)]) : input.embedding;
    out.silhouette = silhouette(pts, dim, labs);
    out.daviesBouldin = daviesBouldin(pts, dim, labs);
    out.silhouetteSampleSize = labs.length;
  }
  if (input.truth) {
    out.ari = adjustedRandIndex(input.truth, input.labels);
    out.nmi = normalizedMutualInfo(input.truth, input.labels);
  }
  return out;
}

/** Moran's I, CHAOS and PAS within each group (NaN where a group is too small). */
function groupMetrics(input: MetricsInput, groups: Groups, g: NeighborGraph, options: MetricsOptions): GroupMetrics[] {
  const dim = input.dim ?? 0;
  const k = options.pasK ?? 10;
  return groupRows(groups).map((rows, s) => {
    const n = rows.length;
    const labels = Array.from(rows, (i) => input.labels[i]) as Labels;
    const xy = takePoints(input.xy, rows);
    const labelled = encodeLabels(labels, n, 'computeMetrics labels').codes.filter((c) => c >= 0).length;
    const r: GroupMetrics = { group: s, n, moransI: [], chaos: NaN, chaosHsnmf: NaN, pas: NaN };
    if (labelled >= 2) {
      r.chaos = chaos(xy, labels).chaos;
      r.chaosHsnmf = chaos(xy, labels, { sdConvention: 'population' }).chaos;
    }
    if (labelled > k) r.pas = pas(xy, labels, k).pas;
    if (input.embedding && dim > 0 && n >= 2) {
      const emb = { rows: n, cols: dim, data: takePoints(input.embedding, rows, dim) };
      r.moransI = moransI(emb, rowStandardize(subgraph(g, rows)).graph).results.map((x) => x.I);
    }
    return r;
  });
}
