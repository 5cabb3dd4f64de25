/**
 * NMF initialisations with scikit-learn semantics (methods-spec G1.5): random, NNDSVD
 * (Boutsidis & Gallopoulos 2008), NNDSVDa (zeros ← mean X) and NNDSVDar (zeros ← small random).
 * Factors are written into kernel storage: W (n x k) and Ht (p x k, H transposed).
 */
import type { Dense } from '../linalg/dense.js';
import type { Kernels } from '../linalg/kernels.js';
import { Rng } from '../linalg/rng.js';
import type { DataPair } from './data.js';
import { truncatedSvd } from './svd.js';

/** Initialisation schemes. `custom` means user-supplied W0 and H0. */
export type NmfInit = 'random' | 'nndsvd' | 'nndsvda' | 'nndsvdar' | 'custom';

/** Entries of NNDSVD factors below this are set to zero (scikit-learn's `eps=1e-6`). */
const NNDSVD_ZERO = 1e-6;

/**
 * Fills W and Ht for the given scheme. `mean` is mean(X) over all n·p entries.
 * NNDSVD's randomized SVD and the random draws use `seed`. `perturb` > 0 then multiplies every
 * entry by exp(perturb · N(0, 1)) (seeded; used for restarts). Default 0.
 */
export function initializeFactors(
  kernels: Kernels,
  data: DataPair,
  init: Exclude<NmfInit, 'custom'>,
  W: Dense,
  Ht: Dense,
  seed: number,
  perturb = 0,
): void {
  fillFactors(kernels, data, init, W, Ht, seed);
  if (perturb > 0) {
    // Restarts: every entry times a seeded log-normal factor, so a start keeps its basin's
    // shape (and its non-zeros, which multiplicative updates need) but runs a different path.
    const rng = new Rng(seed ^ 0x5bd1e995);
    for (const a of [W.data, Ht.data]) for (let q = 0; q < a.length; q++) a[q] *= Math.exp(perturb * rng.normal());
  }
}

/**
 * scikit-learn's random start: every entry √(mean/k)·|N(0, 1)|, Hᵀ drawn before W (the order is
 * kept although the streams differ). `mean` = mean(X) over all n·p entries.
 */
function fillRandom(W: Float32Array, Ht: Float32Array, mean: number, k: number, rng: Rng): void {
  const scale = Math.sqrt(mean / k);
  for (let q = 0; q < Ht.length; q++) Ht[q] = scale * Math.abs(rng.normal());
  for (let q = 0; q < W.length; q++) W[q] = scale * Math.abs(rng.normal());
}

/**
 * The random start of `initializeFactors` (`init: 'random'`) from X's sum alone, for a fit
 * that never holds X (the streamed joint NMF): the same W (n x k) and H (k x p) for the same
 * n, p, sum and seed.
 */
export function randomStart(n: number, p: number, k: number, sum: number, seed: number): { W: Dense; H: Dense } {
  const W = new Float32Array(n * k), Ht = new Float32Array(p * k);
  fillRandom(W, Ht, sum / (n * p), k, new Rng(seed));
  const H = new Float32Array(k * p);
  for (let j = 0; j < p; j++) for (let t = 0; t < k; t++) H[t * p + j] = Ht[j * k + t];
  return { W: { rows: n, cols: k, data: W }, H: { rows: k, cols: p, data: H } };
}

function fillFactors(kernels: Kernels, data: DataPair, init: Exclude<NmfInit, 'custom'>, W: Dense, Ht: Dense, seed: number): void {
  const n = W.rows, p = Ht.rows, k = W.cols;
  const mean = data.sum / (n * p);
  const rng = new Rng(seed);
  if (init === 'random') {
    fillRandom(W.data, Ht.data, mean, k, rng);
    return;
  }
  const svd = truncatedSvd(kernels, data, k, { seed });
  W.data.fill(0);
  Ht.data.fill(0);
  for (let j = 0; j < k; j++) {
    const x = svd.u.subarray(j * n, (j + 1) * n);
    const y = svd.v.subarray(j * p, (j + 1) * p);
    if (j === 0) {
      // The leading singular pair of a non-negative matrix has one sign: use magnitudes.
      const r = Math.sqrt(svd.s[0]);
      for (let i = 0; i < n; i++) W.data[i * k] = r * Math.abs(x[i]);
      for (let i = 0; i < p; i++) Ht.data[i * k] = r * Math.abs(y[i]);
      continue;
    }
    const xp = positiveNorm(x, 1), xn = positiveNorm(x, -1);
    const yp = positiveNorm(y, 1), yn = positiveNorm(y, -1);
    const mp = xp * yp, mn = xn * yn;
    const sign = mp > mn ? 1 : -1;
    const sigma = mp > mn ? mp : mn;
    const nx = mp > mn ? xp : xn, ny = mp > mn ? yp : yn;
    const lambda = Math.sqrt(svd.s[j] * sigma);
    if (sigma === 0) continue;
    for (let i = 0; i < n; i++) W.data[i * k + j] = (lambda * Math.max(0, sign * x[i])) / nx;
    for (let i = 0; i < p; i++) Ht.data[i * k + j] = (lambda * Math.max(0, sign * y[i])) / ny;
  }
  for (const a of [W.data, Ht.data]) for (let q = 0; q < a.length; q++) if (a[q] < NNDSVD_ZERO) a[q] = 0;
  if (init === 'nndsvda') {
    for (const a of [W.data, Ht.data]) for (let q = 0; q < a.length; q++) if (a[q] === 0) a[q] = mean;
  } else if (init === 'nndsvdar') {
    for (const a of [W.data, Ht.data]) for (let q = 0; q < a.length; q++) if (a[q] === 0) a[q] = Math.abs((mean * rng.normal()) / 100);
  }
}

/** Norm of the positive (sign = 1) or negative (sign = -1) part of x. */
function positiveNorm(x: Float64Array, sign: number): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const v = sign * x[i];
    if (v > 0) s += v * v;
  }
  return Math.sqrt(s);
}
