/**
 * The files and summary of one bcNMF run (`stnmf contrastive` and the browser app): basis.npy,
 * H_target.npy, H_background.npy, var_names.txt, history.csv, enrichment.csv, result.h5ad and,
 * for pooled sections, per_sample_enrichment.csv; summary.json's figures.
 *
 * Layer 4 (outputs): no Node APIs; runs in browsers.
 */
import type { Dataset } from '../dataset.js';
import { factorName } from '../keys.js';
import { contrastiveToDataset, perSampleEnrichment, topFeatures, type ContrastiveNmfResult } from '../methods/contrastive/index.js';
import type { RunFileSink } from './hsnmf.js';

/** The features a run factorised: the intersection when `intersect` dropped some, else the target's. */
export function contrastiveFeatures(t: Dataset, r: ContrastiveNmfResult): string[] {
  return r.featureNames ?? t.var.index;
}

/** Sends the files of one bcNMF run of target `t` against background `b` to `sink`; returns their names. */
export async function contrastiveRunFiles(t: Dataset, b: Dataset, r: ContrastiveNmfResult, sink: RunFileSink): Promise<string[]> {
  const features = contrastiveFeatures(t, r);
  await sink.npy('basis.npy', r.basis);
  await sink.npy('H_target.npy', r.hTarget);
  await sink.npy('H_background.npy', r.hBackground);
  await sink.text('var_names.txt', features.join('\n') + '\n');
  await sink.text(
    'history.csv',
    'iteration,objective,target_term,background_term,legacy_monitor\n' +
      r.history.map((h) => `${h.iteration},${h.objective},${h.targetTerm},${h.backgroundTerm},${h.legacyMonitor}`).join('\n') + '\n',
  );
  await sink.text(
    'enrichment.csv',
    'factor,enrichment_log2,target_mean,background_mean\n' +
      Array.from(r.enrichmentOrder).map((k) => `${factorName(k)},${r.enrichment[k]},${r.targetMean[k]},${r.backgroundMean[k]}`).join('\n') + '\n',
  );
  const written = ['basis.npy', 'H_target.npy', 'H_background.npy', 'var_names.txt', 'history.csv', 'enrichment.csv'];
  await sink.h5ad('result.h5ad', contrastiveToDataset(t, b, r, features));
  written.push('result.h5ad');
  // Sections pooled into the sides: each one's factor usage and enrichment over the background.
  const perSample = perSampleEnrichment(t, b, r);
  if (perSample.length) {
    const k = r.basis.rows;
    await sink.text(
      'per_sample_enrichment.csv',
      ['sample,side,n_obs,' + Array.from({ length: k }, (_, q) => `${factorName(q)}_enrichment_log2`).join(',') + ',' + Array.from({ length: k }, (_, q) => `${factorName(q)}_mean`).join(','),
        ...perSample.map((m) => [m.sample, m.side, m.nObs, ...m.enrichmentLog2, ...m.mean].join(','))].join('\n') + '\n',
    );
    written.push('per_sample_enrichment.csv');
  }
  return written;
}

/**
 * summary.json of a bcNMF run: the objective and its terms, the factors by enrichment with
 * their `top` features (default 10), the per-sample enrichment of pooled sections, the backend.
 */
export function contrastiveSummary(t: Dataset, b: Dataset, r: ContrastiveNmfResult, options: { top?: number; backend: string }): Record<string, unknown> {
  const features = contrastiveFeatures(t, r);
  const perSample = perSampleEnrichment(t, b, r);
  return {
    objective: r.objective,
    objectiveName: r.parameters.loss === 'poisson' ? 'D_KL(target) - alpha*D_KL(background)' : '||target - H W||^2 - alpha*||background - H W||^2',
    targetTerm: r.targetTerm,
    backgroundTerm: r.backgroundTerm,
    alphaEffective: r.alphaEffective,
    iterations: r.iterations,
    converged: r.converged,
    rank: r.basis.rows,
    nTarget: t.X.rows,
    nBackground: b.X.rows,
    nFeatures: features.length,
    factors: Array.from(r.enrichmentOrder).map((k) => ({
      factor: factorName(k),
      enrichmentLog2: r.enrichment[k],
      topFeatures: topFeatures(r.basis, k, options.top ?? 10, features).map((x) => x.feature),
    })),
    ...(perSample.length ? { perSample } : {}),
    backend: options.backend,
  };
}
