/**
 * Normalisation of a count matrix before a method (`--normalize`), with scanpy's meanings:
 * `total` = `sc.pp.normalize_total` (each observation scaled to the same total), `log1p` =
 * `sc.pp.log1p` (natural log of 1 + x), `total-log1p` = both in that order. The output stays a
 * float32 CSR with the same sparsity pattern (zeros stay zero under both maps).
 */
import type { Csr } from '../../linalg/csr.js';
import type { Normalization } from '../input-options.js';
import { StnmfError } from '../../errors.js';
import { medianTargets, type SampleGroups } from '../../samples.js';

/** Result of {@link normalizeCounts}. */
export interface Normalized {
  X: Csr;
  /** The target sum used by `total` / `total-log1p` (absent for `none` / `log1p`). */
  targetSum?: number;
  /** `given` when the caller passed it, `median` when it is the median of the non-zero totals. */
  targetSource?: 'given' | 'median';
  /** With `perSample`: each sample's target sum (its median non-zero total), by sample id. */
  sampleTargets?: Record<string, number>;
}

/**
 * Normalises `X` (never modified; a new matrix is returned unless `method` is `none`).
 * `targetSum` defaults to the median of the observations' non-zero totals (scanpy's default
 * for `normalize_total(target_sum=None)`); observations with total 0 stay 0. With `perSample`,
 * each observation's target is the median of its own sample (`--normalize-per-sample`).
 * @throws StnmfError('BAD_OPTION') for a target sum that is not positive, BAD_INPUT when every
 * observation has zero counts.
 */
export function normalizeCounts(X: Csr, method: Normalization, targetSum?: number, perSample?: SampleGroups): Normalized {
  if (method === 'none') return { X };
  let data = X.data;
  let target: number | undefined;
  let source: 'given' | 'median' | undefined;
  let sampleTargets: Record<string, number> | undefined;
  if (method === 'total' || method === 'total-log1p') {
    const totals = new Float64Array(X.rows);
    for (let i = 0; i < X.rows; i++) {
      let s = 0;
      for (let p = X.indptr[i]; p < X.indptr[i + 1]; p++) s += X.data[p];
      totals[i] = s;
    }
    let targets: Float64Array;
    if (targetSum !== undefined) {
      if (!(targetSum > 0) || !Number.isFinite(targetSum)) throw new StnmfError('BAD_OPTION', `--target-sum must be a positive number, got ${targetSum}`);
      if (perSample) throw new StnmfError('BAD_OPTION', '--normalize-per-sample: --target-sum scales every sample to the same total; drop one of them');
      target = targetSum;
      source = 'given';
      targets = new Float64Array(X.rows).fill(targetSum);
    } else {
      if (!totals.some((t) => t > 0)) throw new StnmfError('BAD_INPUT', '--normalize total: every observation has zero counts; nothing to normalise');
      const m = medianTargets(totals, perSample);
      targets = m.perObs;
      if (perSample) sampleTargets = Object.fromEntries(perSample.ids.map((id, g) => [id, m.perGroup[g]]));
      else target = m.perGroup[0];
      source = 'median';
    }
    data = new Float32Array(X.data.length);
    for (let i = 0; i < X.rows; i++) {
      const f = totals[i] > 0 ? targets[i] / totals[i] : 0;
      for (let p = X.indptr[i]; p < X.indptr[i + 1]; p++) data[p] = X.data[p] * f;
    }
  }
  if (method === 'log1p' || method === 'total-log1p') {
    const src = data;
    data = new Float32Array(src.length);
    for (let p = 0; p < src.length; p++) data[p] = Math.log1p(src[p]);
  }
  return { X: { rows: X.rows, cols: X.cols, indptr: X.indptr, indices: X.indices, data }, targetSum: target, targetSource: source, ...(sampleTargets ? { sampleTargets } : {}) };
}
