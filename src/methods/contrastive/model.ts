/**
 * bcNMF — background-contrastive NMF (Li, Yang, Li 2026; methods-spec M4): types, options and
 * input validation.
 *
 * Orientation. The original code works on features x samples (target X: M x N_X, background
 * Y: M x N_Y, basis W: M x K, coefficients H_X: K x N_X, H_Y: K x N_Y). stnmf is
 * observations x features everywhere (methods-spec §0.2), so the public API takes the target as
 * n_target x p and the background as n_background x p and returns
 *  - `basis`        k x p       = the original Wᵀ (one row per factor, one column per feature),
 *  - `hTarget`      n_target x k = the original H_Xᵀ (one row per target observation),
 *  - `hBackground`  n_bg x k     = the original H_Yᵀ.
 * The conversion happens here at the boundary; internally the solver stores W as p x k
 * (row-major, i.e. exactly the original's M x K layout) so every product maps onto a kernel.
 */
import { checkOptions, optionDefault } from '../../options.js';
import { CONTRASTIVE_OPTIONS } from './options.js';
import type { StnmfWarning } from '../../warnings.js';
import type { Csr } from '../../linalg/csr.js';
import type { Dense } from '../../linalg/dense.js';
import type { Kernels } from '../../linalg/kernels.js';
import type { Dataset } from '../../dataset.js';
import { StnmfError } from '../../errors.js';

/** A data matrix, observations x features, dense or CSR, or a whole `Dataset` (uses its `X` and feature names). */
export type ContrastiveInput = Csr | Dense | Dataset;

/** Loss of bcNMF: squared error (`frobenius`) or generalised KL / Poisson (`poisson`). */
export type ContrastiveLoss = 'frobenius' | 'poisson';

/** One progress report, sent after each sweep where the objective was evaluated. */
export interface ContrastiveProgress {
  iteration: number;
  maxIter: number;
  /** Contrastive objective J at the start of this sweep (see `ContrastiveHistoryEntry`). */
  objective: number;
}

/** The objective after `iteration` completed sweeps. */
export interface ContrastiveHistoryEntry {
  /** Completed sweeps when J was measured (0 = the initial factors). */
  iteration: number;
  /** J = D_target − α_eff · D_background (sum form, methods-spec M4.2). */
  objective: number;
  /** D_target: ‖X − H_X·basis‖²_F (frobenius) or D(X ‖ H_X·basis) (poisson). */
  targetTerm: number;
  /** D_background, same definition on the background. */
  backgroundTerm: number;
  /**
   * The value the original code logs (not the objective, M4.6): frobenius `MSE_X + α·MSE_Y`
   * (per-element means, plus sign); poisson `LL_X − α·LL_Y` with LL the per-element mean of
   * `x·log(m) − m`.
   */
  legacyMonitor: number;
}

/** Options of `contrastiveNmf`. */
export interface ContrastiveNmfOptions {
  /** Number of factors K (required, integer ≥ 1). */
  rank: number;
  /**
   * Contrastive weight α ≥ 0 (required: the original code has no default; its README's 1.0
   * disagrees with its demo's 2.0, methods-spec M4.6). α = 0 gives plain Lee–Seung NMF on the target.
   */
  alpha: number;
  /** `frobenius` (default, the package's `contrastive_nmf_sse`) or `poisson`. */
  loss?: ContrastiveLoss;
  /** Number of sweeps (default 200, methods-spec M4.6 [T]; the demo uses 300). */
  maxIter?: number;
  /**
   * Stop when |J(t−10) − J(t)| / max(|J(t)|, tiny) < tol, checked every `evalEvery` sweeps
   * against the previous check. Default 0 = off: the original runs a fixed number of sweeps.
   */
  tol?: number;
  /** Evaluate J (history, progress, tol) every this many sweeps. Default 10 (as scikit-learn's MU). */
  evalEvery?: number;
  /**
   * Observations per block for block-wise (minibatch) training, default: all rows in one block.
   * As in the original minibatch solver (M4.4), coefficients of each block are updated with the
   * current basis and the basis is updated once per sweep from statistics accumulated over the
   * blocks. The original's per-sweep random permutation is not used: the coefficient rows are
   * independent given the basis, so the block composition cannot change the result.
   */
  batchSize?: number;
  /**
   * Parity with the original contrastive minibatch code (M4.4): the basis numerator/denominator
   * use the ratio X ⊘ (W·H^old) computed before the coefficient update (poisson only). Default
   * false: recompute the ratio with the updated coefficients, as the full-batch rule does.
   */
  staleRatio?: boolean;
  /**
   * `raw` (default, the original): J = D_X − α·D_Y with un-normalised sums, so α's strength grows
   * with n_background/n_target. `perSample`: use α·n_target/n_background instead (M4.2 [T]).
   */
  alphaScale?: 'raw' | 'perSample';
  /** Seed of the uniform [0,1) initial factors (default 0). */
  seed?: number;
  /**
   * Initial factors to import (peer parity, warm starts), in API orientation: basis k x p,
   * hTarget n_target x k, hBackground n_bg x k. All three or none.
   */
  init?: { basis: Dense; hTarget: Dense; hBackground: Dense };
  /**
   * With `Dataset` inputs whose feature lists differ: keep the features present in both (in the
   * target's order) instead of failing. Default false.
   */
  intersect?: boolean;
  /**
   * Per-factor scale of the returned factors (J does not depend on it: W → W·D, H → H·D⁻¹
   * leaves both reconstructions unchanged, M4.6). `l2`: basis rows of unit Euclidean norm, so
   * Euclidean distances between coefficient rows approximate distances between the
   * reconstructed observations (exactly when the factors are orthogonal) — the scale to use
   * before Euclidean clustering such as KMeans. `l1`: basis rows sum to 1 (programs as
   * distributions over features). `none`: the scale the updates happened to reach, which depends
   * on the initialisation. Default `l2` for frobenius, `l1` for poisson [T] (M4.6 suggests unit
   * sum for reporting; on the demo data unit sum gives KMeans ARI 0.77 for every seed where
   * unit norm gives the published 0.8456, see docs/results-contrastive.md).
   */
  normalize?: 'l1' | 'l2' | 'none';
  /** Kernel backend. Default: `createKernels()` (WebAssembly SIMD on all cores where available), created and disposed per call. */
  kernels?: Kernels;
  /** Called after every iteration of the solver (see {@link ContrastiveProgress}). */
  onProgress?: (e: ContrastiveProgress) => void;
  signal?: AbortSignal;
}

/** What `contrastiveNmf` returns. Shapes in observations x features orientation (see file header). */
export interface ContrastiveNmfResult {
  /** Shared basis, k x p (the original's Wᵀ); rows scaled per `normalize`. */
  basis: Dense;
  /** Target coefficients, n_target x k (the original's H_Xᵀ). */
  hTarget: Dense;
  /** Background coefficients, n_background x k (the original's H_Yᵀ). */
  hBackground: Dense;
  /** Final J (sum form), its two terms, and the α actually used (after `alphaScale`). */
  objective: number;
  targetTerm: number;
  backgroundTerm: number;
  alphaEffective: number;
  /** J every `evalEvery` sweeps, from the initial factors to the final ones. */
  history: ContrastiveHistoryEntry[];
  /** Sweeps run. */
  iterations: number;
  /** True when `tol` stopped the run before `maxIter`. */
  converged: boolean;
  /** What needs the user's attention (the iteration cap reached before `tol`). */
  warnings: StnmfWarning[];
  /**
   * Per-factor target enrichment [T]: log2((mean target coefficient + δ) / (mean background
   * coefficient + δ)), δ = 1e-9 × the mean of all coefficients. Independent of the factor scale.
   * > 0 means the factor is used more per target observation than per background one.
   */
  enrichment: Float64Array;
  /** Mean target / background coefficient per factor, on the scale of the returned factors. */
  targetMean: Float64Array;
  backgroundMean: Float64Array;
  /** Factor indices sorted by decreasing enrichment. */
  enrichmentOrder: Int32Array;
  /** Feature names used (after intersection), when the inputs were Datasets. */
  featureNames?: string[];
  /** Loss, rank and the other settings after defaults. */
  parameters: Record<string, unknown>;
}

/** Validated options with defaults applied. */
export interface ResolvedOptions {
  rank: number;
  alpha: number;
  loss: ContrastiveLoss;
  maxIter: number;
  tol: number;
  evalEvery: number;
  batchSize: number;
  staleRatio: boolean;
  alphaScale: 'raw' | 'perSample';
  seed: number;
  normalize: 'l1' | 'l2' | 'none';
}

/** True for a `Dataset` (has obs/var frames), false for a bare matrix. */
export function isDataset(x: ContrastiveInput): x is Dataset {
  return (x as Dataset).var !== undefined && (x as Dataset).X !== undefined;
}

/** True for CSR input. */
export function isCsr(x: Csr | Dense): x is Csr {
  return (x as Csr).indptr !== undefined;
}

function bad(msg: string): never {
  throw new StnmfError('BAD_OPTION', `contrastiveNmf: ${msg}`);
}

/** Applies defaults and checks every option (one-line StnmfError naming the option). */
export function resolveOptions(o: ContrastiveNmfOptions, nTarget: number, nFeatures: number): ResolvedOptions {
  if (o === undefined || o === null) bad('options are required ({ rank, alpha })');
  // Types, ranges and choices as declared once in CONTRASTIVE_OPTIONS (the CLI's flags come from it).
  const { rank, alpha } = o;
  if (rank === undefined) bad('rank is required');
  if (alpha === undefined) bad('alpha is required (it weights the subtracted background term; 0 = plain NMF of the target)');
  checkOptions(CONTRASTIVE_OPTIONS, o, 'contrastiveNmf');
  if (rank > nFeatures) bad(`rank must not exceed the number of features (${nFeatures}), got ${rank}`);
  const loss = o.loss ?? optionDefault<'frobenius' | 'poisson'>(CONTRASTIVE_OPTIONS, 'loss');
  const maxIter = o.maxIter ?? optionDefault<number>(CONTRASTIVE_OPTIONS, 'maxIter');
  const tol = o.tol ?? optionDefault<number>(CONTRASTIVE_OPTIONS, 'tol');
  const evalEvery = o.evalEvery ?? 10;
  if (!Number.isInteger(evalEvery) || evalEvery < 1) bad(`evalEvery must be a whole number >= 1, got ${evalEvery}`);
  const batchSize = o.batchSize ?? Math.max(1, nTarget);
  const alphaScale = o.alphaScale ?? optionDefault<'raw' | 'perSample'>(CONTRASTIVE_OPTIONS, 'alphaScale');
  const seed = o.seed ?? optionDefault<number>(CONTRASTIVE_OPTIONS, 'seed');
  const staleRatio = o.staleRatio ?? false;
  if (staleRatio && loss !== 'poisson') bad(`staleRatio reproduces a quirk of the Poisson minibatch code; it needs loss 'poisson'`);
  const normalize = o.normalize ?? (loss === 'frobenius' ? 'l2' : 'l1');
  return { rank, alpha, loss, maxIter, tol, evalEvery, batchSize, staleRatio, alphaScale, seed, normalize };
}

/** Checks a data matrix: at least one row, finite non-negative values. */
export function checkMatrix(m: Csr | Dense, what: string): void {
  if (m.rows === 0) throw new StnmfError('BAD_INPUT', `contrastiveNmf: the ${what} has no observations (0 rows); bcNMF needs a non-empty ${what}`);
  if (m.cols === 0) throw new StnmfError('BAD_INPUT', `contrastiveNmf: the ${what} has no features (0 columns)`);
  const v = m.data;
  for (let q = 0; q < (isCsr(m) ? m.indptr[m.rows] : v.length); q++) {
    const x = v[q];
    if (!(x >= 0) || x === Infinity) {
      const pos = locate(m, q);
      throw new StnmfError('BAD_INPUT', `contrastiveNmf: the ${what} has value ${x} at row ${pos[0]}, column ${pos[1]}; expected finite non-negative values`);
    }
  }
}

function locate(m: Csr | Dense, q: number): [number, number] {
  if (!isCsr(m)) return [Math.floor(q / m.cols), q % m.cols];
  let i = 0;
  while (m.indptr[i + 1] <= q) i++;
  return [i, m.indices[q]];
}

/** Formats the difference of two feature lists for an error message (first few of each side). */
export function describeFeatureDifference(target: string[], background: string[]): string {
  const tb = new Set(background), tt = new Set(target);
  const onlyT = target.filter((f) => !tb.has(f));
  const onlyB = background.filter((f) => !tt.has(f));
  const show = (a: string[]) => (a.length === 0 ? 'none' : `${a.length} (${a.slice(0, 5).join(', ')}${a.length > 5 ? ', …' : ''})`);
  if (onlyT.length === 0 && onlyB.length === 0) return 'same features in a different order';
  return `only in target: ${show(onlyT)}; only in background: ${show(onlyB)}`;
}
