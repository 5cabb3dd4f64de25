/**
 * hSNMF (methods-spec M1.3 steps 5–8): SNMF, a feature kNN graph on the smoothed usages
 * weighted by UMAP connectivities, the α-mixed row-stochastic adjacency, and Leiden on it.
 * Three clustering modes as the reference script's three branches: `hybrid` (hSNMF),
 * `spatial` (Leiden on the row-stochastic spatial graph, resolution × 0.8) and `feature`
 * (Leiden on the kNN connectivities).
 *
 * Layer 2 (methods): no Node APIs.
 */
import { checkOptions, optionDefault } from '../../options.js';
import { HSNMF_OPTIONS } from './options.js';
import type { Dataset } from '../../dataset.js';
import { checkpoint, runSteps, runStepsCancellable, StnmfError, type Steps } from '../../errors.js';
import { leidenAsync, type Graph } from '../../graph/index.js';
import { umapConnectivitiesSteps, type NeighborGraph } from '../../spatial/index.js';
import { maxScaled, mixAdjacencySteps, rowStochastic, symmetrizeSumSteps, type SparseSquare } from './adjacency.js';
import { snmf, type SnmfOptions, type SnmfResult } from './snmf.js';

/** Clustering mode (M1.3 step 8). */
export type HsnmfMode = 'hybrid' | 'spatial' | 'feature';

/** Options of {@link hsnmf}: the SNMF options plus the clustering ones (defaults M1.4). */
export interface HsnmfOptions extends SnmfOptions {
  /** `hybrid` (default), `spatial` or `feature`. */
  mode?: HsnmfMode;
  /** Spatial weight α of the mix in [0, 1] (default 0.5). */
  alpha?: number;
  /** Leiden resolution ρ (default 0.4). */
  resolution?: number;
  /** Feature kNN size including the cell itself (default 15, scanpy `n_neighbors`). */
  nNeighbors?: number;
  /** Resolution factor of the `spatial` mode (default 0.8, the reference's scaling). */
  spatialResolutionFactor?: number;
  /** Row-stochastic normalisation of the adjacencies (default true; false = divide by the max). */
  rowStochastic?: boolean;
  /** Renormalise the mix to row sums 1 (default true; only with rowStochastic). */
  renormalizeMix?: boolean;
  /** Leiden iterations (default 2) and seed (default 0). */
  leidenIterations?: number;
  seed?: number;
  /** A finished SNMF to cluster (skips NMF, graphs and smoothing; sweeps reuse it). */
  snmfResult?: SnmfResult;
  /** A finished feature graph for `snmfResult` (sweeps reuse it across resolutions). */
  featureGraph?: NeighborGraph;
}

/** Result of {@link hsnmf}. */
export interface HsnmfResult {
  snmf: SnmfResult;
  mode: HsnmfMode;
  /** Cluster of each cell, 0 = largest (`obs.hsnmf`). */
  labels: Int32Array;
  nClusters: number;
  /** leidenalg's quality() of the partition on the graph Leiden saw (un-normalised Q_RB). */
  quality: number;
  /** quality / (2m) of that graph, comparable across graph sizes. */
  qualityNormalized: number;
  modularity: number;
  /** UMAP connectivities of the kNN graph on Ws (symmetric). */
  featureGraph: NeighborGraph;
  /** The adjacency before symmetrisation: A_mix (hybrid), A_s (spatial) or the connectivities (feature). */
  adjacency: SparseSquare;
  /** The undirected graph Leiden ran on (`adjacency + adjacencyᵀ`). */
  leidenGraph: Graph;
  /** The resolution passed to Leiden (0.8ρ in `spatial` mode). */
  leidenResolution: number;
  parameters: Record<string, unknown>;
  seconds: { snmf: number; features: number; leiden: number };
}

/** The resolved clustering parameters. */
export function hsnmfDefaults(o: HsnmfOptions) {
  return {
    mode: o.mode ?? optionDefault<HsnmfMode>(HSNMF_OPTIONS, 'mode'),
    alpha: o.alpha ?? optionDefault<number>(HSNMF_OPTIONS, 'alpha'),
    resolution: o.resolution ?? optionDefault<number>(HSNMF_OPTIONS, 'resolution'),
    nNeighbors: o.nNeighbors ?? optionDefault<number>(HSNMF_OPTIONS, 'nNeighbors'),
    spatialResolutionFactor: o.spatialResolutionFactor ?? 0.8,
    rowStochastic: o.rowStochastic ?? true,
    renormalizeMix: o.renormalizeMix ?? true,
    leidenIterations: o.leidenIterations ?? 2,
    seed: o.seed ?? optionDefault<number>(HSNMF_OPTIONS, 'seed'),
  };
}

/**
 * The feature graph of M1.3 step 5: exact kNN on the smoothed usages (Euclidean,
 * `nNeighbors` including the cell itself), weighted by UMAP fuzzy-simplicial-set
 * connectivities. scanpy switches to approximate neighbours above a few thousand cells; the
 * toolkit always uses exact neighbours.
 */
export function featureGraph(s: SnmfResult, nNeighbors = 15): NeighborGraph {
  return runSteps(featureGraphSteps(s, nNeighbors));
}

/** {@link featureGraph} as cancellable steps (errors.ts `Steps`). */
export function* featureGraphSteps(s: SnmfResult, nNeighbors = 15): Steps<NeighborGraph> {
  const n = s.Ws.rows;
  if (!Number.isInteger(nNeighbors) || nNeighbors < 2 || nNeighbors > n) {
    throw new StnmfError('BAD_OPTION', `hsnmf: nNeighbors must be an integer in [2, ${n}] (cells), got ${nNeighbors}`);
  }
  return yield* umapConnectivitiesSteps(s.Ws64, s.Ws.cols, { nNeighbors });
}

/**
 * The adjacency Leiden clusters in each mode (before sum-symmetrisation) and its resolution.
 */
export function clusteringAdjacency(
  s: SnmfResult,
  conn: NeighborGraph,
  p: ReturnType<typeof hsnmfDefaults>,
): { adjacency: SparseSquare; resolution: number } {
  return runSteps(clusteringAdjacencySteps(s, conn, p));
}

/** {@link clusteringAdjacency} as cancellable steps (errors.ts `Steps`). */
export function* clusteringAdjacencySteps(
  s: SnmfResult,
  conn: NeighborGraph,
  p: ReturnType<typeof hsnmfDefaults>,
): Steps<{ adjacency: SparseSquare; resolution: number }> {
  switch (p.mode) {
    case 'hybrid':
      return { adjacency: yield* mixAdjacencySteps(s.graphs.hybrid, conn, p.alpha, { rowStochastic: p.rowStochastic, renormalize: p.renormalizeMix }), resolution: p.resolution };
    case 'spatial': {
      const spatial = p.rowStochastic ? rowStochastic(s.graphs.hybrid) : maxScaled(s.graphs.hybrid);
      return { adjacency: spatial, resolution: p.resolution * p.spatialResolutionFactor };
    }
    case 'feature':
      // scanpy clusters the raw symmetric connectivities (`neighbors_key`), not the normalised ones.
      return { adjacency: conn, resolution: p.resolution };
  }
}

/**
 * hSNMF end to end: SNMF (unless `snmfResult` is given), the feature graph, the mode's
 * adjacency, then Leiden (RB-configuration, 2 iterations, seed 0) on `A + Aᵀ` — the
 * undirected multigraph scanpy builds from an asymmetric adjacency (M1.3 step 7).
 * @throws StnmfError for bad options or inputs (see {@link snmf}).
 */
export async function hsnmf(dataset: Dataset, options: HsnmfOptions = {}): Promise<HsnmfResult> {
  // Types, ranges and choices as declared once in HSNMF_OPTIONS (the CLI's flags come from it).
  checkOptions(HSNMF_OPTIONS, options, 'hsnmf');
  const p = hsnmfDefaults(options);
  const t0 = Date.now();
  const s = options.snmfResult ?? (await snmf(dataset, options));
  const t1 = Date.now();
  await checkpoint(options.signal, 'hsnmf');
  options.onProgress?.({ stage: 'features', done: 0, total: 1 });
  const { conn, adjacency, resolution, g } = await runStepsCancellable(
    (function* () {
      const conn = options.featureGraph ?? (yield* featureGraphSteps(s, p.nNeighbors));
      const { adjacency, resolution } = yield* clusteringAdjacencySteps(s, conn, p);
      // = graphFromAdjacency(adjacency, 'sum'), in O(nnz) (adjacency.ts); symmetric by
      // construction with checked weights, so Leiden skips its own symmetry check.
      const g = yield* symmetrizeSumSteps(adjacency);
      return { conn, adjacency, resolution, g };
    })(),
    options.signal,
    'hsnmf',
  );
  const t2 = Date.now();
  await checkpoint(options.signal, 'hsnmf');
  options.onProgress?.({ stage: 'leiden', done: 0, total: 1 });
  const res = await leidenAsync(g, { resolution, objective: 'rb', nIterations: p.leidenIterations, seed: p.seed, signal: options.signal, validate: false });
  const t3 = Date.now();
  let twoM = 0;
  for (let q = 0; q < g.weights.length; q++) twoM += g.weights[q];
  options.onProgress?.({ stage: 'leiden', done: 1, total: 1, detail: `${res.nClusters} clusters` });
  return {
    snmf: s,
    mode: p.mode,
    labels: res.membership,
    nClusters: res.nClusters,
    quality: res.quality,
    qualityNormalized: twoM > 0 ? res.quality / twoM : 0,
    modularity: res.modularity,
    featureGraph: conn,
    adjacency,
    leidenGraph: g,
    leidenResolution: resolution,
    parameters: { ...s.parameters, ...p, leidenResolution: resolution },
    seconds: { snmf: (t1 - t0) / 1000, features: (t2 - t1) / 1000, leiden: (t3 - t2) / 1000 },
  };
}
