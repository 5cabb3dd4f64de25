/**
 * The log-normalisation hSNMF factorises (methods-spec M1.2: the reference reads a layer
 * called "lognorm" whose recipe is not published; [T] default = scanpy's
 * `normalize_total` to the median total followed by `log1p`).
 *
 * Layer 2 (methods): no Node APIs.
 */
import type { Csr } from '../../linalg/index.js';
import { medianTargets, type SampleGroups } from '../../samples.js';

/**
 * `X_ij = log1p(c_ij · target / total_i)` with `target` = the median of the positive cell
 * totals (scanpy `normalize_total(target_sum=None)`: cells with zero counts stay zero).
 * Sparse in, sparse out (same pattern); values rounded to float32 once, at the end. With
 * `perSample`, each cell's target is the median of its own sample (`--normalize-per-sample`).
 * @returns the normalised matrix and the target total (per sample, in sample order, with `perSample`)
 */
export function logNormalize(X: Csr, perSample?: SampleGroups): { X: Csr; target: number; sampleTargets?: number[] } {
  const n = X.rows;
  const totals = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let p = X.indptr[i]; p < X.indptr[i + 1]; p++) s += X.data[p];
    totals[i] = s;
  }
  const { perObs, perGroup } = medianTargets(totals, perSample);
  const data = new Float32Array(X.data.length);
  for (let i = 0; i < n; i++) {
    if (totals[i] <= 0) continue;
    const s = perObs[i] / totals[i];
    for (let p = X.indptr[i]; p < X.indptr[i + 1]; p++) data[p] = Math.log1p(X.data[p] * s);
  }
  return { X: { rows: X.rows, cols: X.cols, indptr: X.indptr, indices: X.indices, data }, target: perGroup[0], ...(perSample ? { sampleTargets: perGroup } : {}) };
}
