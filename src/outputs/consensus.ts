/**
 * The files of `stnmf consensus` (cNMF), built once: per rank k the consensus_k{k}/ files
 * (spectra and usages as .npy, spectra.csv, the density histogram and clustergram, markers.csv,
 * result.h5ad), and the k-selection table and plot of the sweep.
 *
 * Layer 4 (outputs): no Node APIs; runs in browsers.
 */
import { perSampleFiles } from './samples.js';
import type { Dataset } from '../dataset.js';
import { checkpoint } from '../errors.js';
import { markerOutputs } from '../io/markers-output.js';
import { factorNames, KEYS } from '../keys.js';
import { attachConsensus } from '../nmf/attach.js';
import { spectraCorrelation, type CnmfConsensus } from '../nmf/cnmf.js';
import type { NmfLoss } from '../nmf/loss.js';
import { sceneToPng } from '../plot/index.js';
import { densityHistogram, kSelectionPlot, spectraClustergram } from '../plot/k-selection.js';
import type { RunFileSink } from './hsnmf.js';

/** One row of k_selection.csv. */
export interface KSelectionRow {
  k: number;
  /** Silhouette and refit error without the density filter (cNMF's k_selection_plot). */
  stability: number;
  error: number;
  /** The same after the density filter. */
  filteredStability: number;
  filteredError: number;
  kept: number;
  total: number;
}

/** The k-selection figures of one consensus (its row of k_selection.csv). */
export function kSelectionRow(c: CnmfConsensus): KSelectionRow {
  return { k: c.k, stability: c.selection.stability, error: c.selection.error, filteredStability: c.stability, filteredError: c.error, kept: c.kept.length, total: c.spectra.length };
}

/**
 * Sends the files of the consensus of one rank to `sink` (names relative to consensus_k{k}/):
 * spectra.npy (k x p), usages.npy (n x k) and, for several samples, usages_<sample>.npy with
 * obs_names_<sample>.txt, spectra.csv, density_histogram.png,
 * clustergram.png, markers.csv (Wilcoxon statistics of the argmax programs) and result.h5ad
 * (`attachConsensus`). `densityThreshold` is the filter's, drawn on the histogram.
 */
export async function consensusRankFiles(ds: Dataset, c: CnmfConsensus, densityThreshold: number, sink: RunFileSink, signal?: AbortSignal): Promise<void> {
  const k = c.k;
  const p = ds.X.cols;
  await sink.npy('spectra.npy', c.H);
  await sink.npy('usages.npy', c.W);
  // Several samples: each one's usages of the shared spectra (usages_<sample>.npy).
  await perSampleFiles(sink, ds, c.W, 'usages');
  const names = factorNames(k);
  await sink.text('spectra.csv', 'program,' + ds.var.index.join(',') + '\n' + names.map((nm, t) => nm + ',' + Array.from(c.H.data.subarray(t * p, (t + 1) * p)).join(',')).join('\n') + '\n');
  // Every pooled spectrum's consensus program, -1 for the outliers the density filter dropped.
  const labels = new Int32Array(c.spectra.length).fill(-1);
  c.kept.forEach((a, i) => (labels[a] = c.labels[i]));
  await sink.bytes('density_histogram.png', sceneToPng(densityHistogram({ density: c.localDensity, threshold: densityThreshold, title: `Local density of replicate spectra, k=${k}` })));
  await sink.bytes('clustergram.png', sceneToPng(spectraClustergram({ correlation: spectraCorrelation(c.spectra), m: c.spectra.length, labels, density: c.localDensity, title: `Replicate spectra correlation, k=${k}` })));
  const res = attachConsensus(ds, c.W, c.H, { k, stability: c.stability, error: c.error, kSelectionStability: c.selection.stability, kSelectionError: c.selection.error, keptSpectra: c.kept.length, totalSpectra: c.spectra.length, nNeighbors: c.nNeighbors });
  const markers = await markerOutputs(res, KEYS.consensus.obs, { signal });
  if (markers) await sink.text('markers.csv', markers.csv);
  await checkpoint(signal, 'consensus');
  await sink.h5ad('result.h5ad', res);
}

/**
 * k_selection.csv and k_selection.png of a sweep (stability and error against k, the most
 * stable k marked), and that k.
 */
export async function kSelectionFiles(rows: KSelectionRow[], o: { loss: NmfLoss; densityThreshold: number; localNeighborhoodSize: number }, sink: RunFileSink): Promise<number> {
  const lines = ['k,stability,prediction_error,stability_filtered,prediction_error_filtered,kept_spectra,total_spectra,local_density_threshold,local_neighborhood_size'];
  for (const r of rows) lines.push([r.k, r.stability, r.error, r.filteredStability, r.filteredError, r.kept, r.total, o.densityThreshold, o.localNeighborhoodSize].join(','));
  await sink.text('k_selection.csv', lines.join('\n') + '\n');
  const best = rows.reduce((a, b) => (b.stability > a.stability ? b : a));
  const errorLabel = o.loss === 'poisson' ? 'Error (refit KL divergence)' : 'Error (refit sum of squared residuals)';
  await sink.bytes('k_selection.png', sceneToPng(kSelectionPlot({ ks: rows.map((r) => r.k), stability: rows.map((r) => r.stability), error: rows.map((r) => r.error), errorLabel, chosen: best.k })));
  return best.k;
}
