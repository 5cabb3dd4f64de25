/**
 * The kernel interface: every hot loop of stnmf lives behind it (architecture.md §3).
 * Algorithms call these and never loop over large matrices themselves.
 *
 * Two families implement it: the plain TypeScript reference (`ts-kernels.ts`, the oracle in
 * tests and the fallback) and the WebAssembly SIMD backend (`wasm/`), which may split large
 * calls over worker threads sharing one wasm memory.
 *
 * Conventions for every kernel:
 * - Dense matrices are row-major float32 (`Dense`); sparse ones are CSR (`Csr`).
 * - Outputs are overwritten (not accumulated into) and must not alias inputs.
 * - Shapes are checked by the callers (public functions validate at the boundary); kernels
 *   trust them.
 * - Reductions accumulate in float64 and return JS numbers.
 * - Arrays obtained from `alloc*` on the same backend are used without copies; any other
 *   array still works (the wasm backend copies it in and, for outputs, back out).
 * - Same inputs and same thread count give bit-identical outputs.
 */
import type { Csr } from './csr.js';
import type { Dense } from './dense.js';

/**
 * Floor of the multiplicative update (`Kernels.muApply`): updated factor entries in
 * (0, 2⁻⁶³ ≈ 1.08e-19) are raised to 2⁻⁶³; exact zeros stay 0. Why: entries decaying under MU
 * otherwise sink into float32 subnormals, which x86 multiplies through slow microcode and wasm
 * cannot flush to zero (issue 16: 28 → 122 ms per iteration on Xenium). Why this value: it is
 * √FLT_MIN, so the product of two stored entries (SDDMM, X·Hᵀ, Gram) is a normal float32. It
 * is 2000x below scikit-learn's own KL flush of H (float64 eps, 2.2e-16), and 1e12x below
 * float32 resolution at an entry of 1, so it changes no model value ⟨W_i, H_j⟩ above that
 * resolution. Why a floor and not flush-to-zero: an entry at the floor can still grow back, as
 * the unfloored one would; measured on Xenium Poisson k = 20 after 300 iterations, flushing to
 * 0 moved the loss by 7e-5 relative (higher), the floor by 6e-6 (lower).
 */
export const MU_FLOOR = 2 ** -63;

/** The kernels every algorithm calls (see the conventions above). */
export interface Kernels {
  /** Backend name: `ts`, `wasm-simd128`, `wasm-relaxed-simd`. */
  readonly name: string;
  /** Threads used for large calls (1 = the calling thread only). */
  readonly threads: number;

  /** A zero-filled float32 array the kernels use without copying (wasm memory for wasm). */
  allocF32(length: number): Float32Array;
  /** A zero-filled int32 array the kernels use without copying. */
  allocI32(length: number): Int32Array;
  /** Returns storage from `allocF32`/`allocI32`; other arrays are ignored. */
  free(a: Float32Array | Int32Array): void;
  /** Releases worker threads and memory; the object must not be used afterwards. */
  dispose(): void;

  // ---- dense products -------------------------------------------------------------------
  /** out (n x k) = X (n x p) · Bᵀ with B (k x p): the dense X·Hᵀ. */
  denseXBt(X: Dense, B: Dense, out: Dense): void;
  /** out (k x p) = Aᵀ · X with A (n x k), X (n x p): the dense Wᵀ·X. */
  denseAtX(A: Dense, X: Dense, out: Dense): void;
  /** out (n x m) = A (n x k) · B (k x m) with small k and m (W·(HHᵀ) and the like). */
  denseAB(A: Dense, B: Dense, out: Dense): void;
  /** out (k x k) = Aᵀ·A for A (n x k): the Gram matrix WᵀW. */
  gram(A: Dense, out: Dense): void;

  // ---- sparse products ------------------------------------------------------------------
  /** out (rows x k) = X · B with X CSR (rows x cols) and B (cols x k): SpMM, X·Hᵀ with B = Hᵀ. */
  spmm(X: Csr, B: Dense, out: Dense): void;
  /** out (cols x k) = Xᵀ · A with A (rows x k): the sparse Wᵀ·X, scatter form (SpMMᵀ). */
  spmmT(X: Csr, A: Dense, out: Dense): void;
  /** out[p] = ⟨A[i,:], B[j,:]⟩ for every stored entry p = (i, j) of X: SDDMM at X's pattern. */
  sddmm(X: Csr, A: Dense, B: Dense, out: Float32Array): void;
  /**
   * Fused Poisson/KL numerator: out (rows x k) = R · B where R has X's pattern and
   * R_ij = X_ij / max(⟨A[i,:], B[j,:]⟩, eps). Costs 4·nnz·k flops and never stores R.
   */
  ratioSpmm(X: Csr, A: Dense, B: Dense, eps: number, out: Dense): void;
  /**
   * Fused Poisson numerator of the H step: out (cols x k) = Rᵀ · A where R has X's pattern and
   * R_ij = X_ij / max(⟨A[i,:], B[j,:]⟩, eps) — bit for bit `sddmm`, `nzRatios` and `spmmT` in
   * turn, without storing R (one float per non-zero) or a second pass over X.
   */
  ratioSpmmT(X: Csr, A: Dense, B: Dense, eps: number, out: Dense): void;
  /**
   * Loss terms at the non-zeros, both in float64: `kl = Σ x·log(x / max(m, eps))` and
   * `cross = Σ x·m` with m = ⟨A[i,:], B[j,:]⟩. `eps` guards the logarithm only.
   */
  nzLossTerms(X: Csr, A: Dense, B: Dense, eps: number): { kl: number; cross: number };

  // ---- factor updates ---------------------------------------------------------------------
  /**
   * One HALS / scikit-learn `cd` sweep over all rows of F (n x k) with `A` = X·Gᵀ (n x k) and
   * `B` = G·Gᵀ (k x k): for each row i and component t in order,
   * `grad = (F B)[i,t] − A[i,t]`, projected gradient `min(0, grad)` where F[i,t] = 0, violation
   * += |pg|, and `F[i,t] ← max(0, F[i,t] − grad / B[t,t])` (skipped when B[t,t] = 0).
   * Rows are independent, so the row order and the split over threads do not change F.
   * @returns the summed violation (float64).
   */
  halsSweep(F: Dense, A: Dense, B: Dense): number;
  /**
   * Multiplicative update F ← F ⊙ num ⊘ den. `den` is either a vector of length k (one
   * denominator per column) or a matrix shaped like F. Denominator entries equal to 0 are
   * replaced by `eps` (scikit-learn's rule). Results in (0, floor) are raised to `floor`
   * (default `MU_FLOOR`), so decaying entries never become float32 subnormals; 0 disables it.
   */
  muApply(F: Dense, num: Dense, den: Float32Array | Dense, eps: number, floor?: number): void;

  // ---- reductions and scalings -------------------------------------------------------------
  /** Column sums of A (float64). */
  colSums(A: Dense, out: Float64Array): void;
  /** Sum of squares of all entries (float64). */
  sumSquares(a: Float32Array): number;
  /** vals[q] = data[q] / max(vals[q], eps), in float32: Poisson ratios at the non-zeros once vals holds the model there. */
  nzRatios(data: Float32Array, vals: Float32Array, eps: number): void;
  /** A[:, j] *= s[j]. */
  scaleCols(A: Dense, s: ArrayLike<number>): void;
  /** A[i, :] *= s[i]. */
  scaleRows(A: Dense, s: ArrayLike<number>): void;

  // ---- float64 --------------------------------------------------------------------------
  /**
   * Prepares SIID's float64 fused Poisson ratio pass over X for rank h (methods-spec M2.4; see
   * `RatioPass64`). X must not change while the handle lives; `dispose()` releases its copies.
   */
  ratioPass64(X: Csr, h: number): RatioPass64;
}

/**
 * A prepared float64 ratio pass over a fixed count matrix X (rows x cols) and rank h. For
 * A (rows x h) and B (cols x h), row-major float64, with m_ij = max(⟨A_i, B_j⟩, 1e-300) at the
 * stored entries and R_ij = X_ij / m_ij: outA = R·B (rows x h) and outB = Rᵀ·A (cols x h), both
 * overwritten. Float64 because SIID's monotone solver is checked to 1e-12 relative.
 */
export interface RatioPass64 {
  /** Runs the pass; returns Σ X_ij·log m_ij over the stored entries when `withLog`, else 0. */
  run(A: Float64Array, B: Float64Array, outA: Float64Array, outB: Float64Array, withLog: boolean): number;
  /** Releases the pass's memory; the handle must not be used afterwards. */
  dispose(): void;
}

/** Options shared by the backend factories. */
export interface KernelOptions {
  /** `auto` (wasm when WebAssembly SIMD is available, else ts), `wasm` or `ts`. Default `auto`. */
  backend?: 'auto' | 'wasm' | 'ts';
  /**
   * Threads for large calls. Default: the machine's parallelism (`os.availableParallelism()`
   * in Node, `navigator.hardwareConcurrency` in browsers), per compute-notes.md §2.5.
   */
  threads?: number;
}
