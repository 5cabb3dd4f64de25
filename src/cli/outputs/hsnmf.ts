/**
 * The files `stnmf hsnmf` (and its demo step) write for one run: clusters.csv/png, markers.csv,
 * enrichment.csv, the factor .npy files and result.h5ad, plus the summary.json figures.
 */
import { writeFile } from 'node:fs/promises';
import { checkpoint } from '../../errors.js';
import type { Dataset } from '../../dataset.js';
import { writeH5ad } from '../../io/h5ad.js';
import { writeMarkerOutputs } from '../../io/markers-output.js';
import { writeNpy } from '../../io/npy.js';
import { attachHsnmf, type evaluateHsnmf, type HsnmfMetrics, type HsnmfResult, type SampleMetrics } from '../../methods/snmf/index.js';
import { sceneToPng, spatialScatter } from '../../plot/index.js';

/** The summary.json figures of one run (the keys the issue names, plus context). */
export function summaryOf(m: HsnmfMetrics, r: HsnmfResult, seconds?: number): Record<string, unknown> {
  return {
    chaos: m.chaos,
    pas: m.pas,
    moransI: m.moransI,
    silhouette: m.silhouette,
    daviesBouldin: m.daviesBouldin,
    cmc: m.cmc,
    nClusters: m.nClusters,
    // Only the demo passes it (its own summary.json); finishRun moves a command's time to run.json.
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

/** Writes the per-run files: clusters, markers, enrichment, factors and result.h5ad. */
export async function writeRunFiles(
  path: (name: string) => string,
  ds: Dataset,
  r: HsnmfResult,
  markerNames: string[][] | undefined,
  method: string[] | undefined,
  terms: ReturnType<typeof evaluateHsnmf>['enrichTerms'],
  signal?: AbortSignal,
): Promise<string[]> {
  const written: string[] = [];
  const n = ds.X.rows;
  const xy = r.snmf.graphs.coordsUm;
  const lines = ['cell_id,x_um,y_um,hsnmf'];
  for (let i = 0; i < n; i++) lines.push(`${csvField(ds.obs.index[i])},${xy[2 * i]},${xy[2 * i + 1]},${r.labels[i]}`);
  await writeFile(path('clusters.csv'), lines.join('\n') + '\n');
  written.push('clusters.csv');
  // The domains on the tissue (coordinates in µm): what a biologist looks at first.
  const x = new Float64Array(n), y = new Float64Array(n);
  for (let i = 0; i < n; i++) (x[i] = xy[2 * i]), (y[i] = xy[2 * i + 1]);
  const names = Array.from({ length: r.nClusters }, (_, c) => String(c));
  const scene = spatialScatter({ x, y, categories: { codes: r.labels, names }, unit: 'um', title: `hSNMF domains (${r.parameters.mode})`, colorLabel: 'hsnmf' });
  await writeFile(path('clusters.png'), sceneToPng(scene, { pixelRatio: 1.5 }));
  written.push('clusters.png');
  if (markerNames) {
    const ml = ['cluster,n_cells,method,markers'];
    const sizes = new Int32Array(r.nClusters);
    for (const l of r.labels) sizes[l]++;
    markerNames.forEach((g, c) => ml.push(`${c},${sizes[c]},${method?.[c] ?? ''},${csvField(g.join(';'))}`));
    await writeFile(path('markers_top5.csv'), ml.join('\n') + '\n');
    written.push('markers_top5.csv');
  }
  if (terms) {
    const el = ['cluster,term,overlap,set_size,p_value,adjusted_p,genes'];
    terms.forEach((t, c) => t.forEach((x) => el.push(`${c},${csvField(x.name)},${x.overlap},${x.setSize},${x.pValue},${x.adjustedP},${csvField(x.genes.join(';'))}`)));
    await writeFile(path('enrichment.csv'), el.join('\n') + '\n');
    written.push('enrichment.csv');
  }
  writeNpy(path('X_nmf.npy'), r.snmf.W0);
  writeNpy(path('X_snmf.npy'), r.snmf.Ws);
  writeNpy(path('H.npy'), r.snmf.H);
  written.push('X_nmf.npy', 'X_snmf.npy', 'H.npy');
  {
    // A shallow copy: the input Dataset stays as it was read.
    const out = attachHsnmf({ ...ds, obs: { index: ds.obs.index, columns: new Map(ds.obs.columns) }, obsm: { ...ds.obsm }, varm: { ...ds.varm }, uns: { ...ds.uns } }, r);
    if (await writeMarkerOutputs(path('markers.csv'), out, 'hsnmf', { signal })) written.push('markers.csv');
    await checkpoint(signal, 'hsnmf');
    await writeH5ad(path('result.h5ad'), out);
    written.push('result.h5ad');
  }
  return written;
}

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
