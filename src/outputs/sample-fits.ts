/**
 * The run files of the sample-aware joint fits (`stnmf nmf --inmf`, `--sample-scaling`): what
 * the plain joint NMF writes — W.npy, the shared H.npy, each sample's W_<sample>.npy with
 * obs_names_<sample>.txt, obs_names.txt, var_names.txt, result.h5ad, history.csv — plus each
 * sample's V_<sample>.npy (iNMF) or sample_scaling.csv (the scales).
 *
 * Layer 4 (outputs): no Node APIs; files go to a `RunFileSink`.
 */
import type { Dataset } from '../dataset.js';
import type { Dense } from '../linalg/dense.js';
import { attachInmf, attachScaledJoint, inmfHistoryCsv, nmfHistoryCsv, sampleScalingCsv, type InmfResult, type ScaledJointResult } from '../nmf/index.js';
import type { RunFileSink } from './hsnmf.js';
import { perSampleFiles, sampleMatrixFiles } from './samples.js';

/** W, H, the per-sample W and the name lists; returns the per-sample file names. */
async function jointFactorFiles(ds: Dataset, W: Dense, H: Dense, sink: RunFileSink): Promise<string[]> {
  await sink.npy('W.npy', W);
  await sink.npy('H.npy', H);
  const perSample = await perSampleFiles(sink, ds, W);
  await sink.text('obs_names.txt', ds.obs.index.join('\n') + '\n');
  await sink.text('var_names.txt', ds.var.index.join('\n') + '\n');
  return perSample;
}

/**
 * Sends an iNMF run's files to `sink` and stores the result in `ds` (`attachInmf`); returns the
 * per-sample file names (W_<sample>.npy, obs_names_<sample>.txt, V_<sample>.npy).
 */
export async function inmfRunFiles(ds: Dataset, r: InmfResult, sink: RunFileSink): Promise<string[]> {
  const perSample = await jointFactorFiles(ds, r.W, r.H, sink);
  perSample.push(...(await sampleMatrixFiles(sink, r.samples.map((s) => s.id), r.samples.map((s) => s.V), 'V')));
  await sink.h5ad('result.h5ad', attachInmf(ds, r));
  await sink.text('history.csv', inmfHistoryCsv(r));
  return perSample;
}

/**
 * Sends a scaled joint NMF run's files to `sink` and stores the result in `ds`
 * (`attachScaledJoint`); returns the per-sample file names and sample_scaling.csv.
 */
export async function scaledJointRunFiles(ds: Dataset, r: ScaledJointResult, sink: RunFileSink): Promise<string[]> {
  const perSample = await jointFactorFiles(ds, r.W, r.H, sink);
  await sink.text('sample_scaling.csv', sampleScalingCsv(r, ds.var.index));
  await sink.h5ad('result.h5ad', attachScaledJoint(ds, r));
  await sink.text('history.csv', nmfHistoryCsv({ history: r.history.map((h) => ({ ...h, seconds: 0 })) }));
  return [...perSample, 'sample_scaling.csv'];
}
