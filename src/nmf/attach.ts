/**
 * Stores an NMF result on its Dataset under the keys every stnmf tool reads (src/keys.ts,
 * scanpy's names): W as `obsm.X_nmf`, Hᵀ as `varm.nmf`, the run's parameters in `uns.nmf`.
 */
import type { Dataset } from '../dataset.js';
import { KEYS } from '../keys.js';
import { transposeDense } from '../linalg/dense.js';
import type { NmfResult } from './nmf.js';

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
  };
}

/** `history.csv` of an NMF run: the loss every `historyEvery` iterations (its wall times belong in run.json). */
export function nmfHistoryCsv(result: Pick<NmfResult, 'history'>): string {
  return 'iteration,loss\n' + result.history.map((h) => `${h.iteration},${h.loss}`).join('\n') + '\n';
}
