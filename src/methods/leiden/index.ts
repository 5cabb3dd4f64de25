/**
 * Leiden clustering of a Dataset's embedding, the scanpy way (`sc.pp.neighbors` on an obsm
 * matrix, UMAP connectivities, then `sc.tl.leiden`), and storing the labels under scanpy's keys.
 * What `stnmf cluster` runs. Layer 2: composes spatial (connectivities) and graph (Leiden).
 */
import type { Dataset } from '../../dataset.js';
import { StnmfError } from '../../errors.js';
import { KEYS } from '../../keys.js';
import { leidenAsync, type LeidenResult } from '../../graph/index.js';
import { graphToCsr, umapConnectivities, type NeighborGraph } from '../../spatial/index.js';

/** Options of {@link leidenClusters}. Defaults are scanpy's. */
export interface LeidenClustersOptions {
  /** obsm key of the embedding (default `X_nmf`, what `stnmf nmf` writes). */
  use?: string;
  /** Neighbours per observation including itself (default 15, scanpy `n_neighbors`). */
  neighbors?: number;
  /** RB-configuration resolution γ (default 1, scanpy). */
  resolution?: number;
  /** Leiden iterations; negative = until stable (default 2, scanpy/leidenalg). */
  iterations?: number;
  /** Seed (default 0). */
  seed?: number;
  signal?: AbortSignal;
}

/** What {@link leidenClusters} returns: Leiden's result, the graph it ran on, and the options applied. */
export interface LeidenClusters extends LeidenResult {
  graph: NeighborGraph;
  parameters: Required<Omit<LeidenClustersOptions, 'signal'>>;
}

/**
 * Clusters the observations of `ds` on the UMAP connectivities of `obsm[use]`.
 * Cancellable: Leiden yields to the event loop and stops soon after `options.signal` fires.
 * @throws StnmfError when `obsm[use]` is missing or `neighbors` is outside 2..n.
 */
export async function leidenClusters(ds: Dataset, options: LeidenClustersOptions = {}): Promise<LeidenClusters> {
  const parameters = { use: options.use ?? KEYS.nmf.obsm, neighbors: options.neighbors ?? 15, resolution: options.resolution ?? 1, iterations: options.iterations ?? 2, seed: options.seed ?? 0 };
  const emb = ds.obsm[parameters.use];
  if (!emb) throw new StnmfError('BAD_INPUT', `${ds.meta.source}: obsm has no '${parameters.use}'; it has ${Object.keys(ds.obsm).join(', ') || 'no entries'}`);
  const graph = umapConnectivities(emb.data, emb.cols, { nNeighbors: parameters.neighbors });
  const res = await leidenAsync(graph, { resolution: parameters.resolution, nIterations: parameters.iterations, seed: parameters.seed, signal: options.signal });
  return { ...res, graph, parameters };
}

/**
 * Writes the clustering into `ds` in place (and returns it) under scanpy's names:
 * `obs[KEYS.leiden.obs]` (categories "0", "1", … with 0 the largest), `obsp[KEYS.leiden.obsp]`
 * (the connectivities) and `uns[KEYS.leiden.uns]` (scanpy's params record).
 */
export function attachLeiden(ds: Dataset, r: LeidenClusters): Dataset {
  const categories = Array.from({ length: r.nClusters }, (_, c) => String(c));
  ds.obs.columns.set(KEYS.leiden.obs, { kind: 'category', codes: r.membership, categories });
  ds.obsp[KEYS.leiden.obsp] = graphToCsr(r.graph);
  const p = r.parameters;
  ds.uns[KEYS.leiden.uns] = { params: { resolution: p.resolution, n_iterations: p.iterations, random_state: p.seed, use_rep: p.use, n_neighbors: p.neighbors } };
  return ds;
}
