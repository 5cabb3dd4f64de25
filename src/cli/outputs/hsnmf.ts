/**
 * The files `stnmf hsnmf` (and its demo step) write for one run, made by src/outputs/hsnmf.ts
 * (shared with the browser app) and written here; per_sample_metrics.csv of several samples.
 */
import type { Dataset } from '../../dataset.js';
import type { HsnmfEvaluation, HsnmfResult, SampleMetrics } from '../../methods/snmf/index.js';
import { hsnmfRunFiles } from '../../outputs/hsnmf.js';
import { csvField } from '../../csv-text.js';
import { diskSink } from './sink.js';

/**
 * `per_sample_metrics.csv` of a multi-sample run: one row per sample (cells, clusters present,
 * Moran's I of smoothed component 1, CHAOS, PAS, edges, then Moran's I of each raw factor).
 */
export function perSampleCsv(per: SampleMetrics[]): string {
  const k = per[0]?.moransIFactors.length ?? 0;
  const head = ['sample', 'n_cells', 'n_clusters', 'Moran_I_Comp1', 'CHAOS', 'PAS', 'edges', ...Array.from({ length: k }, (_, c) => `Moran_I_factor_${c + 1}`)];
  const f = (v: number) => (Number.isFinite(v) ? String(v) : '');
  const lines = per.map((m) => [csvField(m.sample), m.nCells, m.nClusters, f(m.moransI), f(m.chaos), f(m.pas), m.edges, ...m.moransIFactors.map(f)].join(','));
  return [head.join(','), ...lines].join('\n') + '\n';
}

/**
 * Writes the per-run files ({@link hsnmfRunFiles}: clusters, markers, enrichment, factors and
 * result.h5ad) to the run folder as they are made; returns their names.
 */
export async function writeRunFiles(path: (name: string) => string, ds: Dataset, r: HsnmfResult, ev: Pick<HsnmfEvaluation, 'markerNames' | 'markers' | 'enrichTerms'>, signal?: AbortSignal): Promise<string[]> {
  return hsnmfRunFiles(ds, r, ev, diskSink(path), signal);
}
