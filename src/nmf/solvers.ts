/**
 * One outer iteration of each solver, written on the `DataSide` abstraction so that the W
 * half-step and the H half-step are the same code with the roles swapped (H kept transposed).
 *
 * - Multiplicative updates (Lee & Seung 2001), scikit-learn `solver='mu'` semantics
 *   (methods-spec G1.2): W first, then H; KL ratios at X's non-zeros only.
 * - HALS / coordinate descent, scikit-learn `solver='cd'` semantics (G1.3): W then H, components
 *   in natural order, returns the projected-gradient violation of the iteration. Accelerated
 *   as Gillis & Glineur (2012) do: each half-step's products (X Hᵀ and H Hᵀ) are reused for
 *   several sweeps while sweeps are cheap next to them (see {@link halsInnerSweeps}); with
 *   α = 0 one sweep per half-step, exactly scikit-learn's cd.
 */
import type { Dense } from '../linalg/dense.js';
import type { Kernels } from '../linalg/kernels.js';
import type { DataPair } from './data.js';
import { EPSILON, type NmfLoss } from './loss.js';

/** Scratch storage in kernel memory, sized once per run. */
export interface SolverScratch {
  /** rows(X) x k */
  numW: Dense;
  /** cols(X) x k */
  numH: Dense;
  /** rows(X) x k (Frobenius MU denominator of W) */
  denW: Dense;
  /** cols(X) x k */
  denH: Dense;
  /** k x k */
  gramA: Dense;
  gramB: Dense;
  /** length k */
  vecK: Float32Array;
}

/** Allocates the scratch buffers for an n x p problem of rank k. */
export function allocScratch(kernels: Kernels, n: number, p: number, k: number): SolverScratch {
  const mk = (r: number, c: number): Dense => ({ rows: r, cols: c, data: kernels.allocF32(r * c) });
  return { numW: mk(n, k), numH: mk(p, k), denW: mk(n, k), denH: mk(p, k), gramA: mk(k, k), gramB: mk(k, k), vecK: kernels.allocF32(k) };
}

/** Returns the scratch buffers to the kernels. */
export function freeScratch(kernels: Kernels, s: SolverScratch): void {
  for (const d of [s.numW, s.numH, s.denW, s.denH, s.gramA, s.gramB]) kernels.free(d.data);
  kernels.free(s.vecK);
}

/** float64 machine epsilon: scikit-learn zeroes H entries below it after each KL update. */
const FLOAT64_EPS = 2.220446049250313e-16;

/** One multiplicative-update iteration (W, then H). */
export function muIteration(kernels: Kernels, data: DataPair, W: Dense, Ht: Dense, loss: NmfLoss, s: SolverScratch, updateH = true): void {
  if (loss === 'poisson') {
    // W ← W ⊙ [(X ⊘ WH) Hᵀ] ⊘ (1 Hᵀ); sklearn replaces zero row sums of H by EPSILON.
    data.byRow.ratioTimes(W, Ht, EPSILON, s.numW);
    columnSumsInto(kernels, Ht, s.vecK, EPSILON);
    kernels.muApply(W, s.numW, s.vecK, EPSILON);
    if (!updateH) return;
    // H ← H ⊙ [Wᵀ (X ⊘ WH)] ⊘ (Wᵀ 1); here sklearn replaces zero column sums of W by 1.
    data.byCol.ratioTimes(Ht, W, EPSILON, s.numH);
    columnSumsInto(kernels, W, s.vecK, 1);
    kernels.muApply(Ht, s.numH, s.vecK, EPSILON);
    const h = Ht.data;
    for (let q = 0; q < h.length; q++) if (h[q] < FLOAT64_EPS) h[q] = 0;
    return;
  }
  // Frobenius: W ← W ⊙ (X Hᵀ) ⊘ (W H Hᵀ), then H ← H ⊙ (Wᵀ X) ⊘ (WᵀW H).
  data.byRow.times(Ht, s.numW);
  kernels.gram(Ht, s.gramA);
  kernels.denseAB(W, s.gramA, s.denW);
  kernels.muApply(W, s.numW, s.denW, EPSILON);
  if (!updateH) return;
  data.byCol.times(W, s.numH);
  kernels.gram(W, s.gramA);
  kernels.denseAB(Ht, s.gramA, s.denH);
  kernels.muApply(Ht, s.numH, s.denH, EPSILON);
}

/**
 * Sweeps per HALS half-step (accelerated HALS, Gillis & Glineur 2012, Neural Computation 24:
 * "Accelerated multiplicative updates and hierarchical alternating least squares algorithms
 * for nonnegative matrix factorization"): at most 1 + ⌊α ρ⌋, where ρ is the cost of the
 * half-step's products over the cost of one sweep — for W, (entries(X) k + p k²)/(n k²) —, and
 * fewer when a sweep's violation falls to `eps` (0.1, the paper's) of the first one's (the paper
 * measures ‖ΔW‖; the violation is what the sweep kernel returns, and it falls with it).
 * α = 0 gives one sweep (scikit-learn's cd).
 */
export interface HalsInner {
  maxW: number;
  maxH: number;
  eps: number;
}

/** The inner sweeps of an n x p problem of rank k whose products visit `entries` values, for α. */
export function halsInnerSweeps(entries: number, n: number, p: number, k: number, alpha: number): HalsInner {
  const rho = (rows: number, other: number) => (entries + other * k) / Math.max(1, rows * k);
  return { maxW: 1 + Math.floor(alpha * rho(n, p)), maxH: 1 + Math.floor(alpha * rho(p, n)), eps: 0.1 };
}

/** One sweep (scikit-learn's cd): what `halsIteration` does without `inner`. */
const ONE_SWEEP: HalsInner = { maxW: 1, maxH: 1, eps: 0 };

/**
 * One HALS / coordinate-descent iteration (W, then H); returns the violation of each
 * half-step's first sweep, summed (the state the iteration started from, as scikit-learn's
 * stopping rule measures it).
 */
export function halsIteration(kernels: Kernels, data: DataPair, W: Dense, Ht: Dense, s: SolverScratch, updateH = true, inner: HalsInner = ONE_SWEEP): number {
  data.byRow.times(Ht, s.numW);
  kernels.gram(Ht, s.gramA);
  let violation = sweeps(kernels, W, s.numW, s.gramA, inner.maxW, inner.eps);
  if (!updateH) return violation;
  data.byCol.times(W, s.numH);
  kernels.gram(W, s.gramA);
  violation += sweeps(kernels, Ht, s.numH, s.gramA, inner.maxH, inner.eps);
  return violation;
}

/** Up to `max` sweeps of F against the same products; stops once a sweep's violation is at most `eps` times the first's. Returns the first's. */
function sweeps(kernels: Kernels, F: Dense, num: Dense, gram: Dense, max: number, eps: number): number {
  const first = kernels.halsSweep(F, num, gram);
  for (let t = 1; t < max; t++) if (kernels.halsSweep(F, num, gram) <= eps * first) break;
  return first;
}

/** out[t] = Σ_i F[i,t] rounded to float32, with exact zeros replaced by `zeroValue`. */
function columnSumsInto(kernels: Kernels, F: Dense, out: Float32Array, zeroValue: number): void {
  const sums = new Float64Array(F.cols);
  kernels.colSums(F, sums);
  for (let t = 0; t < F.cols; t++) out[t] = sums[t] === 0 ? zeroValue : sums[t];
}
