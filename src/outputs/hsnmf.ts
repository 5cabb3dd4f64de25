/**
 * The files of one hSNMF run, built once for the CLI (`stnmf hsnmf`, the demo) and the browser
 * app: clusters.csv, clusters.png and .svg, markers_top5.csv, enrichment.csv, the factor .npy
 * files, markers.csv and result.h5ad. Each file goes to a {@link RunFileSink}: the CLI's writes
 * it to the run folder as it comes (result.h5ad straight to disk), the app's keeps the bytes for
 * its downloads, so both give the same files for the same run.
 *
 * Layer 4 (outputs): no Node APIs; runs in browsers.
 */
import type { Dataset } from '../dataset.js';
import { checkpoint } from '../errors.js';
import { markerOutputs } from '../io/markers-output.js';
import { attachHsnmf, type HsnmfEvaluation, type HsnmfResult } from '../methods/snmf/index.js';
import { sceneToPng, sceneToSvg, spatialScatter } from '../plot/index.js';
import { csvField } from '../csv-text.js';

/** Where the files of a run go. Each call may write at once (CLI) or keep the bytes (app). */
export interface RunFileSink {
  /** A text file (CSV, SVG), UTF-8. */
  text(name: string, text: string): Promise<void>;
  /** A binary file (PNG). */
  bytes(name: string, bytes: Uint8Array): Promise<void>;
  /** A NumPy file of a row-major matrix. */
  npy(name: string, matrix: { rows: number; cols: number; data: Float32Array | Float64Array }): Promise<void>;
  /** An AnnData file. */
  h5ad(name: string, dataset: Dataset): Promise<void>;
}

/**
 * Sends the files of one hSNMF run to `sink`, in the order listed above, and returns their
 * names. `ev` is the run's evaluation (its marker lists and enrichment terms, when computed).
 * @param signal stops the marker statistics and the h5ad when it fires (StnmfError 'ABORTED')
 */
export async function hsnmfRunFiles(ds: Dataset, r: HsnmfResult, ev: Pick<HsnmfEvaluation, 'markerNames' | 'markers' | 'enrichTerms'>, sink: RunFileSink, signal?: AbortSignal): Promise<string[]> {
  const written: string[] = [];
  const n = ds.X.rows;
  const xy = r.snmf.graphs.coordsUm;
  const lines = ['cell_id,x_um,y_um,hsnmf'];
  for (let i = 0; i < n; i++) lines.push(`${csvField(ds.obs.index[i])},${xy[2 * i]},${xy[2 * i + 1]},${r.labels[i]}`);
  await sink.text('clusters.csv', lines.join('\n') + '\n');
  written.push('clusters.csv');
  // The domains on the tissue (coordinates in µm): what a biologist looks at first.
  const x = new Float64Array(n), y = new Float64Array(n);
  for (let i = 0; i < n; i++) (x[i] = xy[2 * i]), (y[i] = xy[2 * i + 1]);
  const names = Array.from({ length: r.nClusters }, (_, c) => String(c));
  const scene = spatialScatter({ x, y, categories: { codes: r.labels, names }, unit: 'um', title: `hSNMF domains (${r.parameters.mode})`, colorLabel: 'hsnmf' });
  await sink.bytes('clusters.png', sceneToPng(scene, { pixelRatio: 1.5 }));
  await sink.text('clusters.svg', sceneToSvg(scene));
  written.push('clusters.png', 'clusters.svg');
  if (ev.markerNames) {
    const method = ev.markers?.method;
    const ml = ['cluster,n_cells,method,markers'];
    const sizes = new Int32Array(r.nClusters);
    for (const l of r.labels) sizes[l]++;
    ev.markerNames.forEach((g, c) => ml.push(`${c},${sizes[c]},${method?.[c] ?? ''},${csvField(g.join(';'))}`));
    await sink.text('markers_top5.csv', ml.join('\n') + '\n');
    written.push('markers_top5.csv');
  }
  if (ev.enrichTerms) {
    const el = ['cluster,term,overlap,set_size,p_value,adjusted_p,genes'];
    ev.enrichTerms.forEach((t, c) => t.forEach((e) => el.push(`${c},${csvField(e.name)},${e.overlap},${e.setSize},${e.pValue},${e.adjustedP},${csvField(e.genes.join(';'))}`)));
    await sink.text('enrichment.csv', el.join('\n') + '\n');
    written.push('enrichment.csv');
  }
  for (const [name, m] of [['X_nmf.npy', r.snmf.W0], ['X_snmf.npy', r.snmf.Ws], ['H.npy', r.snmf.H]] as const) {
    await sink.npy(name, m);
    written.push(name);
  }
  // A shallow copy: the input Dataset stays as it was read.
  const out = attachHsnmf({ ...ds, obs: { index: ds.obs.index, columns: new Map(ds.obs.columns) }, obsm: { ...ds.obsm }, varm: { ...ds.varm }, uns: { ...ds.uns } }, r);
  const markers = await markerOutputs(out, 'hsnmf', { signal });
  if (markers) {
    await sink.text('markers.csv', markers.csv);
    written.push('markers.csv');
  }
  await checkpoint(signal, 'hsnmf');
  await sink.h5ad('result.h5ad', out);
  written.push('result.h5ad');
  return written;
}
