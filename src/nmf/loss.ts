/**
 * NMF losses evaluated without forming W·H (methods-spec G1.1), accumulated in float64.
 *
 * - Frobenius: ½‖X − WH‖²_F = ½(‖X‖² − 2 Σ_nz X_ij (WH)_ij + tr((WᵀW)(HHᵀ)))
 * - Generalised KL (Poisson deviance up to a constant):
 *   D(X‖WH) = Σ_nz X_ij log(X_ij/(WH)_ij) − Σ X + Σ_t (Σ_i W_it)(Σ_j H_tj)
 */
import type { Dense } from '../linalg/dense.js';
import type { Kernels } from '../linalg/kernels.js';
import type { DataPair } from './data.js';

/** Supported losses. `poisson` is the generalised Kullback–Leibler divergence. */
export type NmfLoss = 'frobenius' | 'poisson';

/** float32 machine epsilon: scikit-learn's EPSILON for ratios and logarithms. */
export const EPSILON = 1.1920928955078125e-7;

/**
 * The loss of X ≈ W·Htᵀ. `scratch` is two k x k matrices' worth of kernel storage.
 * Frobenius returns ½‖X − WH‖² (scikit-learn's objective); poisson returns D(X‖WH) ≥ 0.
 */
export function evaluateLoss(
  kernels: Kernels,
  data: DataPair,
  W: Dense,
  Ht: Dense,
  loss: NmfLoss,
  scratch: { a: Dense; b: Dense },
): number {
  const k = W.cols;
  if (loss === 'poisson') {
    const { kl } = data.lossTerms(W, Ht, EPSILON);
    const sw = new Float64Array(k);
    const sh = new Float64Array(k);
    kernels.colSums(W, sw);
    kernels.colSums(Ht, sh);
    let sumWH = 0;
    for (let t = 0; t < k; t++) sumWH += sw[t] * sh[t];
    // Rounding can push a perfect fit a hair below zero; the divergence is non-negative.
    return Math.max(0, kl - data.sum + sumWH);
  }
  const { cross } = data.lossTerms(W, Ht, EPSILON);
  kernels.gram(W, scratch.a);
  kernels.gram(Ht, scratch.b);
  let trace = 0;
  const a = scratch.a.data, b = scratch.b.data;
  for (let q = 0; q < k * k; q++) trace += a[q] * b[q]; // tr(AB) for symmetric A, B
  return Math.max(0, 0.5 * (data.sumSquares - 2 * cross + trace));
}

/**
 * The figure scikit-learn's stopping rule compares: `_beta_divergence(..., square_root=True)`
 * = √(2·loss) for both Frobenius and KL.
 */
export function sklearnError(loss: number): number {
  return Math.sqrt(2 * loss);
}
