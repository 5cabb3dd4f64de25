/**
 * hSNMF metrics per sample (issue 18): Moran's I, CHAOS and PAS computed within each sample —
 * on the sample's block of the (block-diagonal) hybrid graph and its own coordinates — so an
 * overlap of serial sections in space never enters a score. The pooled CHAOS and PAS of a
 * multi-sample run are the observation-weighted means of these (both are means over
 * observations of a within-sample neighbourhood quantity); pooled Moran's I is computed on
 * the joined graph, which has no edge between samples.
 *
 * Layer 2 (methods): no Node APIs.
 */
import { chaos, moransI, pas } from '../../metrics/index.js';
import { subgraph, takePoints } from '../../spatial/blocks.js';
import { sampleRows } from '../../samples.js';
import { rowStochastic } from './adjacency.js';
import type { HsnmfResult } from './hsnmf.js';

/** The metrics of one sample. */
export interface SampleMetrics {
  sample: string;
  nCells: number;
  /** Clusters with at least one cell of this sample. */
  nClusters: number;
  /** Cells of this sample in each cluster (index = cluster label). */
  clusterSizes: number[];
  /** Moran's I of smoothed component 1 over the sample's hybrid graph, row-standardised (the reference's score). */
  moransI: number;
  /** Moran's I of each raw usage column W0[:, k] over the same graph (spatial coherence of every factor). */
  moransIFactors: number[];
  /** CHAOS (population SD) within the sample; NaN with fewer than 2 cells. */
  chaos: number;
  /** PAS (10 nearest neighbours) within the sample; NaN with 10 cells or fewer. */
  pas: number;
  /** Undirected edges of the sample's hybrid graph. */
  edges: number;
}

function columns(data: ArrayLike<number>, rows: Int32Array, k: number): Float64Array[] {
  return Array.from({ length: k }, (_, c) => Float64Array.from(rows, (i) => data[i * k + c]));
}

/**
 * Per-sample metrics of an hSNMF result whose graphs were built per sample
 * (`r.snmf.graphs.samples`); undefined for a one-sample run.
 */
export function perSampleMetrics(r: HsnmfResult): SampleMetrics[] | undefined {
  const g = r.snmf.graphs;
  if (!g.samples) return undefined;
  const k = r.snmf.Ws.cols;
  const rows = sampleRows(g.samples);
  return rows.map((rs, s) => {
    const n = rs.length;
    const labels = Int32Array.from(rs, (i) => r.labels[i]);
    const sizes = new Array<number>(r.nClusters).fill(0);
    for (const l of labels) sizes[l]++;
    const sub = rowStochastic(subgraph(g.hybrid, rs));
    const xy = takePoints(g.coordsUm, rs);
    const ws = columns(r.snmf.Ws64, rs, k);
    const w0 = columns(r.snmf.W0.data, rs, k);
    const m: SampleMetrics = {
      sample: g.samples!.ids[s],
      nCells: n,
      nClusters: sizes.filter((c) => c > 0).length,
      clusterSizes: sizes,
      moransI: n >= 2 ? moransI(ws[0], sub).results[0].I : NaN,
      moransIFactors: w0.map((col) => (n >= 2 ? moransI(col, sub).results[0].I : NaN)),
      chaos: n >= 2 ? chaos(xy, labels, { sdConvention: 'population' }).chaos : NaN,
      pas: n > 10 ? pas(xy, labels, 10).pas : NaN,
      edges: sub.indptr[n] / 2,
    };
    return m;
  });
}

/** Observation-weighted mean of a per-sample value over the samples where it is defined. */
export function pooledMean(per: SampleMetrics[], key: 'chaos' | 'pas'): number {
  let s = 0, n = 0;
  for (const m of per) if (Number.isFinite(m[key])) ((s += m[key] * m.nCells), (n += m.nCells));
  return n > 0 ? s / n : NaN;
}
