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
