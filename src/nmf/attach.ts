/**
 * Stores an NMF result on its Dataset under the keys every stnmf tool reads (src/keys.ts,
 * scanpy's names): W as `obsm.X_nmf`, Hᵀ as `varm.nmf`, the run's parameters in `uns.nmf`.
 */
import type { Column, Dataset } from '../dataset.js';
import { csvField } from '../csv-text.js';
import { factorNames, KEYS } from '../keys.js';
import { transposeDense, type Dense } from '../linalg/dense.js';
import type { InmfResult } from './inmf.js';
import type { NmfResult } from './nmf.js';
import type { ScaledJointResult } from './scaled-joint.js';

/**
 * Writes `result` into `ds` in place (and returns it): `obsm[KEYS.nmf.obsm]` = W (n x k),
 * `varm[KEYS.nmf.varm]` = Hᵀ (p x k), `uns[KEYS.nmf.uns]` = parameters, loss, iterations,
 * converged. This is what `stnmf nmf` stores in result.h5ad.
 */
export function attachNmf(ds: Dataset, result: Pick<NmfResult, 'W' | 'H' | 'parameters' | 'loss' | 'iterations' | 'converged'>): Dataset {
  ds.obsm[KEYS.nmf.obsm] = result.W;
  ds.varm[KEYS.nmf.varm] = transposeDense(result.H);
  ds.uns[KEYS.nmf.uns] = { params: { ...result.parameters }, loss: result.loss, iterations: result.iterations, converged: result.converged };
  return ds;
}

/**
 * The key figures of an NMF run as `stnmf nmf` writes them first in summary.json (and the
 * browser app in its summary.json download): final loss and its name, iterations, convergence,
 * rank, shape, every restart's final loss.
 */
export function nmfSummary(result: Pick<NmfResult, 'loss' | 'iterations' | 'converged' | 'parameters' | 'restartLosses'>, shape: { rows: number; cols: number }): Record<string, unknown> {
  const p = result.parameters;
  return {
    loss: result.loss,
    lossName: p.loss === 'poisson' ? 'generalized KL divergence' : '0.5 * squared Frobenius norm',
    iterations: result.iterations,
    converged: result.converged,
    rank: p.rank,
    nObs: shape.rows,
    nVars: shape.cols,
    restartLosses: result.restartLosses,
    // Row blocks X was held in (1 unless it exceeded one WebAssembly memory or --shard-nnz split it).
    shards: p.shards,
  };
}

/** `history.csv` of an NMF run: the loss every `historyEvery` iterations (its wall times belong in run.json). */
export function nmfHistoryCsv(result: Pick<NmfResult, 'history'>): string {
  return 'iteration,loss\n' + result.history.map((h) => `${h.iteration},${h.loss}`).join('\n') + '\n';
}

/**
 * Writes an iNMF result into `ds` in place (and returns it), under plain NMF's keys so every
 * reader of an NMF result finds W and the shared H: `obsm[KEYS.inmf.obsm]` = W,
 * `varm[KEYS.inmf.varm]` = Hᵀ, each sample's V_sᵀ (p x k) as `varm['inmf_V_<sample>']`, and the
 * parameters, objective and per-sample shares in `uns[KEYS.inmf.uns]`.
 */
export function attachInmf(ds: Dataset, result: InmfResult): Dataset {
  ds.obsm[KEYS.inmf.obsm] = result.W;
  ds.varm[KEYS.inmf.varm] = transposeDense(result.H);
  // HDF5 names cannot hold '/'.
  for (const s of result.samples) ds.varm[KEYS.inmf.varmSamplePrefix + s.id.replace(/\//g, '_')] = transposeDense(s.V);
  ds.uns[KEYS.inmf.uns] = {
    params: { ...result.parameters },
    objective: result.objective,
    loss: result.loss,
    iterations: result.iterations,
    converged: result.converged,
    samples: result.samples.map((s) => s.id),
    specific_share: result.samples.map((s) => s.specificShare),
  };
  return ds;
}

/** The key figures of an iNMF run for summary.json: objective, loss, convergence and each sample's own share of its fit. */
export function inmfSummary(result: InmfResult, shape: { rows: number; cols: number }): Record<string, unknown> {
  return {
    loss: result.loss,
    lossName: '0.5 * squared Frobenius norm of X_s - W_s (H + V_s), summed over samples',
    objective: result.objective,
    objectiveName: "LIGER's: sum_s ||X_s - W_s (H + V_s)||^2 + lambda sum_s ||W_s V_s||^2",
    lambda: result.parameters.lambda,
    iterations: result.iterations,
    converged: result.converged,
    rank: result.parameters.rank,
    nObs: shape.rows,
    nVars: shape.cols,
    perSample: result.samples.map((s) => ({ sample: s.id, observations: s.rows.length, loss: s.loss, specificShare: s.specificShare })),
  };
}

/** `history.csv` of an iNMF run: LIGER's objective after every iteration. */
export function inmfHistoryCsv(result: Pick<InmfResult, 'history'>): string {
  return 'iteration,objective\n' + result.history.map((h) => `${h.iteration},${h.objective}`).join('\n') + '\n';
}

/**
 * Writes a scaled joint NMF result into `ds` in place (and returns it), under plain NMF's keys:
 * W, Hᵀ, and the scales as `varm[KEYS.scaledJoint.varmScaling]` (features x samples, in the
 * order of `uns.nmf.samples`).
 */
export function attachScaledJoint(ds: Dataset, result: ScaledJointResult): Dataset {
  const S = result.samples.length, p = result.H.cols;
  const phi = new Float32Array(p * S);
  result.samples.forEach((smp, s) => {
    for (let j = 0; j < p; j++) phi[j * S + s] = smp.phi[j];
  });
  ds.obsm[KEYS.scaledJoint.obsm] = result.W;
  ds.varm[KEYS.scaledJoint.varm] = transposeDense(result.H);
  ds.varm[KEYS.scaledJoint.varmScaling] = { rows: p, cols: S, data: phi };
  ds.uns[KEYS.scaledJoint.uns] = { params: { ...result.parameters }, loss: result.loss, iterations: result.iterations, converged: result.converged, samples: result.samples.map((s) => s.id) };
  return ds;
}

/** The key figures of a scaled joint NMF run for summary.json: loss, convergence and each sample's scales (median and 10th/90th percentiles over features). */
export function scaledJointSummary(result: ScaledJointResult, shape: { rows: number; cols: number }): Record<string, unknown> {
  const pct = (v: Float32Array, q: number) => {
    const s = Float64Array.from(v).sort();
    return s.length ? s[Math.min(s.length - 1, Math.floor(q * (s.length - 1) + 0.5))] : NaN;
  };
  return {
    loss: result.loss,
    lossName: '0.5 * squared Frobenius norm of X_s - W_s H diag(phi_s), summed over samples',
    iterations: result.iterations,
    converged: result.converged,
    rank: result.parameters.rank,
    nObs: shape.rows,
    nVars: shape.cols,
    scalingReference: result.reference,
    perSample: result.samples.map((s) => ({ sample: s.id, observations: s.rows.length, loss: s.loss, scaleMedian: pct(s.phi, 0.5), scaleP10: pct(s.phi, 0.1), scaleP90: pct(s.phi, 0.9) })),
  };
}

/** `sample_scaling.csv`: one row per feature, its scale φ in every sample (1 on the reference). */
export function sampleScalingCsv(result: ScaledJointResult, features: string[]): string {
  const head = ['feature', ...result.samples.map((s) => s.id)].map(csvField).join(',');
  return head + '\n' + features.map((f, j) => [csvField(f), ...result.samples.map((s) => String(s.phi[j]))].join(',')).join('\n') + '\n';
}

/**
 * A copy of `ds` with a cNMF consensus of rank k attached (`stnmf consensus` writes it as each
 * consensus_k{k}/result.h5ad): usages W as `obsm[KEYS.consensus.obsm]`, spectra Hᵀ as
 * `varm[KEYS.consensus.varm]`, each observation's argmax program as the category
 * `obs[KEYS.consensus.obs]`, and `stats` (stability, error, …) in `uns[KEYS.consensus.uns]`.
 */
export function attachConsensus(ds: Dataset, W: Dense, H: Dense, stats: Record<string, number>): Dataset {
  const k = H.rows;
  const codes = new Int32Array(W.rows);
  for (let i = 0; i < W.rows; i++) {
    let best = 0;
    for (let t = 1; t < k; t++) if (W.data[i * k + t] > W.data[i * k + best]) best = t;
    codes[i] = best;
  }
  const obs = { index: ds.obs.index, columns: new Map<string, Column>([...ds.obs.columns, [KEYS.consensus.obs, { kind: 'category', codes, categories: factorNames(k) }]]) };
  return {
    ...ds,
    obs,
    obsm: { ...ds.obsm, [KEYS.consensus.obsm]: W },
    varm: { ...ds.varm, [KEYS.consensus.varm]: transposeDense(H) },
    uns: { ...ds.uns, [KEYS.consensus.uns]: { ...stats, factor_names: factorNames(k) } },
  };
}
