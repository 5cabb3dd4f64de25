/**
 * The option and result types of the SIID fit, apart from the solvers so that both solvers
 * (`siid.ts`'s ECM, `adam.ts`) and the driver import them without importing each other.
 */
import type { StnmfWarning } from '../../warnings.js';
import type { Kernels } from '../../linalg/kernels.js';
import type { SiidInit, SiidParams } from './model.js';
import type { PrepareOptions } from './prepare.js';

/** Progress of a fit. */
export interface SiidProgress {
  restart: number;
  restarts: number;
  /** Sweeps (mu) or epochs (adam) done in this restart. */
  iteration: number;
  maxIter: number;
  /** Last evaluated objective (NaN until the first evaluation). */
  objective: number;
}

/** Options of `siid` / `siidFit`. Defaults and their sources are listed per field. */
export interface SiidOptions extends PrepareOptions {
  /**
   * `mu`: Solver B, ECM with exact multiplicative/simplex updates, nnz·h per sweep (M2.6,
   * default [T]); `adam`: Solver A, Adam on the softmax/exp parameterisation (M2.5, paper parity).
   */
  solver?: 'mu' | 'adam';
  /** Sweeps (mu; default 100 [T]: the holdout R² of the checkerboard benchmark is flat beyond it) or epochs (adam; default 5000 [P]). */
  maxIter?: number;
  /** mu: stop when F fell by less than tol·|F| over the last 10 sweeps (M2.6, default 1e-7); ignored while ω grows. */
  tol?: number;
  /** Random restarts; the lowest final objective wins (M2.5 [P], default 3). */
  restarts?: number;
  /** Seed; restart r uses `new Rng(seed).fork(r)`. Default 0. */
  seed?: number;
  /** Initial P and Q (see `initParams`): `random` (default for mu) or `xavier` (spec default, used by adam). */
  init?: SiidInit;
  /**
   * Entropy schedule λ: ω(t) = exp(t/λ) over reference epochs t (M2.3 [P]); for mu, sweep t of
   * T maps to epoch t·scheduleEpochs/T. `null` or 0 turns the entropy term off (default 0, off,
   * in the library and the CLI alike: SIID_OPTIONS gives the measurement behind it; the paper
   * uses 1000 for imputation).
   */
  entropyLambda?: number | null;
  /** `sum` over cells (paper, default) or `meanOverCells` (public code). */
  entropyReduction?: 'sum' | 'meanOverCells';
  /** `continuous` (default) or `step100` (ω refreshed every 100 epochs, public code). */
  entropySchedule?: 'continuous' | 'step100';
  /** Reference epochs the mu schedule is mapped onto (default 5000, the paper's epoch count). */
  scheduleEpochs?: number;
  /**
   * mu: adaptive over-relaxation of the ECM steps (log-space extrapolation along the EM
   * direction, kept only when F decreases, so F still never increases; Salakhutdinov &
   * Roweis 2003). Default true [T]; false gives the plain ECM of M2.6.
   */
  acceleration?: boolean;
  /**
   * mu with restarts > 1: every restart runs this many sweeps, then only the one with the
   * lowest objective continues to `maxIter` (default 20 [T]; 0 runs every restart to the end,
   * the paper's rule). Adam always runs every restart to the end.
   */
  restartScreening?: number;
  /** Fit φ on the panel genes (M2.3 [P], default true). */
  platformScaling?: boolean;
  /** Adam learning rate (default 0.05 [P]). */
  learningRate?: number;
  /** Adam ℓ2 weight on the unconstrained parameters (default 1e-5 [P]). */
  l2?: number;
  /** Kernels for the fused passes (reused, not disposed); default: created here and disposed. */
  kernels?: Kernels;
  /** Threads when kernels are created here. Default: the machine's parallelism (compute-notes §2.5). */
  threads?: number;
  /** Called after every iteration of the fit (see {@link SiidProgress}). */
  onProgress?: (p: SiidProgress) => void;
  signal?: AbortSignal;
}

/** Objective of one restart. */
export interface RestartRecord {
  restart: number;
  objective: number;
  lossX: number;
  lossV: number;
  entropy: number;
  iterations: number;
  converged: boolean;
}

/** What `siidFit` returns: the best restart's parameters and its diagnostics. */
export interface SiidFit {
  h: number;
  params: SiidParams;
  /** Total objective of the best restart at its last ω (data terms + ω·entropy [+ ℓ2]). */
  objective: number;
  lossX: number;
  lossV: number;
  entropy: number;
  /** Final ω (0 without entropy). */
  omega: number;
  iterations: number;
  converged: boolean;
  /** What needs the user's attention (the ECM fit stopped by the iteration cap before `tol`). */
  warnings?: StnmfWarning[];
  restarts: RestartRecord[];
  /** Objective after every evaluation of the best restart: [iteration, objective]. */
  history: Array<[number, number]>;
  solver: 'mu' | 'adam';
  /** E-steps (fused pass pairs) spent, the unit of cost of both solvers. */
  eSteps?: number;
  /** mu with acceleration: extrapolations kept. */
  acceptedExtrapolations?: number;
}
