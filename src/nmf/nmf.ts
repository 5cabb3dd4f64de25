/**
 * `nmf(X, options)`: the NMF engine every method builds on. X ≈ W·H with X n x p (cells x
 * genes, dense or CSR), W n x k, H k x p — scikit-learn's orientation and parameter names.
 */
import { checkpoint, StnmfError } from '../errors.js';
import { checkOptions, optionDefault } from '../options.js';
import { NMF_OPTIONS } from './options.js';
import type { Csr } from '../linalg/csr.js';
import { csrFromDense } from '../linalg/csr.js';
import type { Dense } from '../linalg/dense.js';
import { transposeDense } from '../linalg/dense.js';
import type { Kernels } from '../linalg/kernels.js';
import { createKernels } from '../linalg/backend.js';
import { Rng } from '../linalg/rng.js';
import { convergenceWarning, emptyFactorWarnings, zeroLineWarnings, type StnmfWarning } from '../warnings.js';
import { prepareData, prepareShardedData, type DataPair } from './data.js';
import { initializeFactors, type NmfInit } from './init.js';
import { evaluateLoss, sklearnError, type NmfLoss } from './loss.js';
import { allocScratch, freeScratch, halsInnerSweeps, halsIteration, muIteration } from './solvers.js';

/** Solvers: multiplicative updates or HALS (scikit-learn's `cd`). */
export type NmfSolver = 'mu' | 'hals';

/** A progress event, sent every iteration. */
export interface NmfProgress {
  restart: number;
  restarts: number;
  iteration: number;
  maxIter: number;
  /** Present on iterations where the loss was evaluated. */
  loss?: number;
}

/** One point of the loss trace. */
export interface NmfHistoryPoint {
  iteration: number;
  loss: number;
  /** Solver seconds up to this point, excluding time spent evaluating losses for the trace. */
  seconds: number;
}

/** Options of `nmf`. Defaults follow scikit-learn's `NMF` (formats.md §2.4) unless noted. */
export interface NmfOptions {
  /** Rank k, 1 ≤ k ≤ min(n, p). Required. */
  rank: number;
  /** `frobenius` (½‖X − WH‖², scikit-learn's default) or `poisson` (generalised KL). */
  loss?: NmfLoss;
  /** Default `hals` for Frobenius (scikit-learn's default `cd`), `mu` for Poisson (the only choice). */
  solver?: NmfSolver;
  /**
   * Default per solver: `nndsvd` for HALS (the Frobenius default) — on sparse counts it ends below
   * NNDSVDa's final loss and below scikit-learn's and RcppML's (docs/defaults-evidence.md) —
   * and `nndsvda` for MU (scikit-learn's default; zeros of plain `nndsvd` never move under
   * multiplicative updates, G1.5). `custom` when W0/H0 are given.
   * With `restarts > 1`, restarts after the first use their own seed and, unless the init is
   * `random` or `custom`, start near the first run's basin but not on it, so a restart can beat
   * the first run (random starts ended worse on every real set tried): HALS from `nndsvdar` (a
   * fresh randomized-SVD sketch, zeros filled with small random values), MU from the same init
   * with every entry times exp(0.3·N(0, 1)).
   */
  init?: NmfInit;
  /** Initial W (n x k) for `init: 'custom'`. */
  W0?: Dense;
  /** Initial H (k x p) for `init: 'custom'`. */
  H0?: Dense;
  /** Maximum iterations. Default 200 (scikit-learn). */
  maxIter?: number;
  /**
   * HALS only: sweeps per half-step, accelerated HALS (Gillis & Glineur 2012): each half-step's
   * products are reused for up to 1 + ⌊α ρ⌋ sweeps (ρ = their cost over one sweep's), fewer once
   * a sweep's violation falls to a tenth of the first's (`halsInnerSweeps` in solvers.ts).
   * Default 0.5, the paper's α: with it the default run reaches scikit-learn's 200-iteration
   * loss in 50–100 iterations on four real sets (docs/defaults-evidence.md). 0 = one sweep per
   * half-step, scikit-learn's `solver='cd'` step for step.
   */
  halsAlpha?: number;
  /**
   * Stopping tolerance. Default 1e-4 (scikit-learn). MU: every 10 iterations, stop when
   * (e_prev − e)/e_init < tol with e = √(2·loss) (scikit-learn's rule). HALS: stop when the
   * projected-gradient violation falls to tol × the first iteration's. 0 runs maxIter iterations.
   */
  tol?: number;
  /** Seed of initialisation and restarts. Default 0. */
  seed?: number;
  /**
   * Update H (default true). False keeps H = H0 fixed and fits W only (scikit-learn's
   * `non_negative_factorization(update_H=False)`): projecting data onto known programs.
   * W then starts from W0 when given, else from √(mean(X)/k) everywhere (scikit-learn's rule).
   */
  updateH?: boolean;
  /** Independent runs; the lowest final loss is kept. Default 1. */
  restarts?: number;
  /**
   * Most stored non-zeros per shard (sparse X only): X is split into row blocks of about equal
   * non-zeros, each held in the memory of its own kernels, so data larger than one 4 GiB
   * WebAssembly memory runs (issue 16). Default: automatic — one block when X, the factors and
   * the start's blocks fit `SHARD_MEMORY_BYTES`, else the fewest blocks
   * of at most that many bytes each (`shardCount`); always one with the TypeScript kernels,
   * whose arrays have no such cap. Results are bit-identical for a given shard count and thread
   * count; other shard counts differ at float32 rounding (the H step's sums over the blocks).
   */
  shardNonZeros?: number;
  /** Kernels to use; created (and disposed) per call when absent. */
  kernels?: Kernels;
  /** Threads when kernels are created here. Default: the machine's parallelism. */
  threads?: number;
  /** Record the loss every this many iterations in `history`. Default 10 (scikit-learn's check interval). */
  historyEvery?: number;
  /** Called after every iteration; `loss` is set on the iterations where it was evaluated (every `historyEvery`, and MU's convergence checks). */
  onProgress?: (event: NmfProgress) => void;
  signal?: AbortSignal;
}

/** The result of `nmf`. Matrices live in ordinary (not kernel) memory. */
export interface NmfResult {
  /** n x k usages (scikit-learn's `fit_transform` output). */
  W: Dense;
  /** k x p programs (scikit-learn's `components_`). */
  H: Dense;
  /** Final loss: ½‖X − WH‖² (frobenius) or D(X‖WH) (poisson). */
  loss: number;
  iterations: number;
  /** True when the tolerance stopped the run before maxIter. */
  converged: boolean;
  history: NmfHistoryPoint[];
  /** Seconds spent initialising the kept run (SVD for NNDSVD), not included in `history`. */
  initSeconds: number;
  /** Index of the kept restart and every restart's final loss. */
  bestRestart: number;
  restartLosses: number[];
  /**
   * What needs the user's attention (scikit-learn's `ConvergenceWarning` and more): the iteration
   * cap reached before `tol`, factors that carry almost nothing, all-zero rows or columns of X.
   */
  warnings: StnmfWarning[];
  /** Resolved options (for run.json). */
  parameters: { rank: number; loss: NmfLoss; solver: NmfSolver; init: NmfInit; maxIter: number; halsAlpha: number; tol: number; seed: number; restarts: number; updateH: boolean; backend: string; threads: number; shards: number; shardNonZeros?: number };
}

/**
 * Factorises non-negative X ≈ W·H.
 *
 * Poisson/KL touches the model only at the non-zeros of X (cost ∝ nnz·k per iteration); all
 * losses accumulate in float64. Same X, options, seed and thread count give bit-identical W and H.
 * @throws StnmfError for negative/NaN/infinite values, an empty matrix, a bad rank or bad W0/H0.
 */
export async function nmf(X: Csr | Dense, options: NmfOptions): Promise<NmfResult> {
  const isCsr = 'indptr' in X;
  const n = X.rows, p = X.cols;
  validateMatrix(X, isCsr);
  const o = resolveOptions(options, n, p);
  if (!isCsr && options.shardNonZeros !== undefined) throw new StnmfError('BAD_OPTION', 'shardNonZeros: applies to sparse X only (dense X runs dense products over the whole matrix)');
  await checkpoint(options.signal, 'nmf');
  const kernels = options.kernels ?? (await createKernels({ threads: options.threads }));
  const ownKernels = !options.kernels;
  const csr = isCsr ? (X as Csr) : csrFromDense(X as Dense);
  let data: DataPair;
  let shards = 1;
  try {
    shards = isCsr ? shardCount(kernels.name, csr, o.rank, options.shardNonZeros) : 1;
    data = shards > 1 ? await prepareShardedData(kernels, csr, shards) : prepareData(kernels, csr, isCsr ? undefined : (X as Dense));
  } catch (e) {
    if (ownKernels) kernels.dispose();
    throw e;
  }
  try {
    const restartLosses: number[] = [];
    let best: RunOutcome | undefined;
    let bestRestart = 0;
    const rng = new Rng(o.seed);
    for (let r = 0; r < o.restarts; r++) {
      // Restarts (see `init`): HALS from NNDSVDar, MU from the same init perturbed (MU cannot
      // move NNDSVDar's near-zeros far enough; measured in docs/defaults-evidence.md).
      const fresh = r === 0 || o.init === 'custom' || o.init === 'random';
      const init: NmfInit = fresh || o.solver === 'mu' ? o.init : 'nndsvdar';
      const perturb = fresh || o.solver === 'hals' ? 0 : RESTART_PERTURBATION;
      const seed = r === 0 ? o.seed : rng.fork(r).nextUint32();
      const run = await runOnce(kernels, data, o, init, seed, r, options, perturb);
      restartLosses.push(run.loss);
      if (!best || run.loss < best.loss) {
        best = run;
        bestRestart = r;
      }
    }
    const b = best!;
    const H = transposeDense(b.Ht);
    return {
      W: b.W,
      H,
      loss: b.loss,
      iterations: b.iterations,
      converged: b.converged,
      history: b.history,
      initSeconds: b.initSeconds,
      bestRestart,
      restartLosses,
      warnings: [...zeroLineWarnings(X), ...convergenceWarning('NMF', b.converged, o.maxIter, o.tol), ...emptyFactorWarnings(b.W, H)],
      parameters: { ...o, backend: kernels.name, threads: kernels.threads, shards, ...(options.shardNonZeros !== undefined ? { shardNonZeros: options.shardNonZeros } : {}) },
    };
  } finally {
    data.release();
    if (ownKernels) kernels.dispose();
  }

  async function runOnce(
    k: Kernels,
    d: DataPair,
    opt: ResolvedOptions,
    init: NmfInit,
    seed: number,
    restart: number,
    user: NmfOptions,
    perturb: number,
  ): Promise<RunOutcome> {
    const rank = opt.rank;
    const W: Dense = { rows: n, cols: rank, data: k.allocF32(n * rank) };
    const Ht: Dense = { rows: p, cols: rank, data: k.allocF32(p * rank) };
    const scratch = allocScratch(k, n, p, rank);
    try {
      const i0 = performance.now();
      if (!opt.updateH) {
        Ht.data.set(transposeDense(user.H0!).data);
        if (user.W0) W.data.set(user.W0.data);
        else W.data.fill(Math.sqrt(d.sum / (n * p) / rank));
      } else if (init === 'custom') {
        W.data.set(user.W0!.data);
        Ht.data.set(transposeDense(user.H0!).data);
      } else {
        initializeFactors(k, d, init, W, Ht, seed, perturb);
      }
      await checkpoint(user.signal, 'nmf');
      const initSeconds = (performance.now() - i0) / 1000;
      const lossScratch = { a: scratch.gramA, b: scratch.gramB };
      const history: NmfHistoryPoint[] = [];
      let evalSeconds = 0;
      const t0 = performance.now();
      const lossAt = (iteration: number): number => {
        const e0 = performance.now();
        const value = evaluateLoss(k, d, W, Ht, opt.loss, lossScratch);
        const e1 = performance.now();
        evalSeconds += (e1 - e0) / 1000;
        history.push({ iteration, loss: value, seconds: (e1 - t0) / 1000 - evalSeconds });
        return value;
      };
      const initLoss = lossAt(0);
      const errInit = sklearnError(initLoss);
      let prevErr = errInit;
      let violationInit = 0;
      let converged = false;
      let iteration = 0;
      let lastLoss = initLoss;
      let lastLossIteration = 0;
      const inner = halsInnerSweeps(d.byRow.entries, n, p, rank, opt.halsAlpha);
      while (iteration < opt.maxIter) {
        await checkpoint(user.signal, 'nmf');
        iteration++;
        let stop = false;
        if (opt.solver === 'hals') {
          const violation = halsIteration(k, d, W, Ht, scratch, opt.updateH, inner);
          if (iteration === 1) violationInit = violation;
          if (violationInit === 0) stop = true;
          else if (opt.tol > 0 && violation / violationInit <= opt.tol) stop = true;
        } else {
          muIteration(k, d, W, Ht, opt.loss, scratch, opt.updateH);
        }
        const checkMu = opt.solver === 'mu' && opt.tol > 0 && iteration % 10 === 0;
        const record = checkMu || iteration % opt.historyEvery === 0;
        if (record) {
          lastLoss = lossAt(iteration);
          lastLossIteration = iteration;
          if (checkMu) {
            const err = sklearnError(lastLoss);
            if ((prevErr - err) / errInit < opt.tol) stop = true;
            prevErr = err;
          }
        }
        user.onProgress?.({ restart, restarts: opt.restarts, iteration, maxIter: opt.maxIter, loss: record ? lastLoss : undefined });
        if (stop) {
          converged = true;
          break;
        }
      }
      if (lastLossIteration !== iteration) lastLoss = lossAt(iteration);
      return {
        W: { rows: n, cols: rank, data: W.data.slice() },
        Ht: { rows: p, cols: rank, data: Ht.data.slice() },
        loss: lastLoss,
        iterations: iteration,
        converged,
        history,
        initSeconds,
      };
    } finally {
      freeScratch(k, scratch);
      k.free(W.data);
      k.free(Ht.data);
    }
  }
}

/**
 * Bytes of one WebAssembly memory the automatic sharding plans for: 3 GiB of the 4 GiB
 * maximum (wasm32), leaving room for each call's copies of W's rows and of Ht, and for the
 * allocator's growth in quarter steps (src/linalg/wasm/heap.ts).
 */
export const SHARD_MEMORY_BYTES = 3 * 2 ** 30;

/**
 * How many row blocks `nmf` holds sparse X in (see `NmfOptions.shardNonZeros`). Automatic: one
 * when everything fits one memory — X (8 B per non-zero, 4 B per row), W, Ht and their scratch
 * (4 B x k x (3n + 3p)) and the start's n x (k + 10) block — else the fewest blocks whose
 * non-zeros (8 B each), rows (4 B) and per-call copies of W's rows (2 x 4 B x k per row) fit
 * `SHARD_MEMORY_BYTES`. The TypeScript kernels never shard. A given `shardNonZeros` gives
 * ⌈nnz / shardNonZeros⌉ blocks (at most one per row).
 */
export function shardCount(backend: string, X: Csr, k: number, shardNonZeros?: number): number {
  const n = X.rows, p = X.cols, nnz = X.indptr[n];
  if (shardNonZeros !== undefined) return Math.min(Math.max(1, n), Math.max(1, Math.ceil(nnz / shardNonZeros)));
  if (backend === 'ts') return 1;
  const whole = 8 * nnz + 4 * (n + 1) + 4 * k * (3 * n + 3 * p) + 4 * n * (k + 10);
  if (whole <= SHARD_MEMORY_BYTES) return 1;
  return Math.min(n, Math.ceil((8 * nnz + (4 + 8 * k) * n) / SHARD_MEMORY_BYTES));
}

/** Log-normal sd of the restart perturbation of MU starts. */
const RESTART_PERTURBATION = 0.3;

interface RunOutcome {
  W: Dense;
  Ht: Dense;
  loss: number;
  iterations: number;
  converged: boolean;
  history: NmfHistoryPoint[];
  initSeconds: number;
}

interface ResolvedOptions {
  rank: number;
  loss: NmfLoss;
  solver: NmfSolver;
  init: NmfInit;
  maxIter: number;
  halsAlpha: number;
  tol: number;
  seed: number;
  restarts: number;
  historyEvery: number;
  updateH: boolean;
}

function resolveOptions(options: NmfOptions, n: number, p: number): ResolvedOptions {
  // Types, ranges and choices as declared once in NMF_OPTIONS (the CLI's flags come from it).
  checkOptions(NMF_OPTIONS, options, 'nmf');
  const rank = options.rank;
  if (!Number.isInteger(rank) || rank < 1 || rank > Math.min(n, p)) {
    throw new StnmfError('BAD_OPTION', `rank: must be a whole number from 1 to min(observations, features) = ${Math.min(n, p)}; got ${rank}`);
  }
  const loss = options.loss ?? optionDefault<NmfLoss>(NMF_OPTIONS, 'loss');
  const solver = options.solver ?? (loss === 'poisson' ? 'mu' : 'hals');
  if (solver === 'hals' && loss === 'poisson') {
    throw new StnmfError('BAD_OPTION', 'solver: hals minimises the Frobenius loss only; use solver mu with loss poisson');
  }
  const updateH = options.updateH ?? true;
  if (!updateH) {
    if (!options.H0) throw new StnmfError('BAD_OPTION', 'updateH false: H0 (the fixed programs) is required');
    checkFactor('H0', options.H0, rank, p);
    if (options.W0) checkFactor('W0', options.W0, n, rank);
  }
  const hasCustom = options.W0 !== undefined || options.H0 !== undefined;
  const init = options.init ?? (hasCustom ? 'custom' : solver === 'hals' ? 'nndsvd' : 'nndsvda');
  if (init === 'custom' && updateH) {
    if (!options.W0 || !options.H0) throw new StnmfError('BAD_OPTION', 'init custom: both W0 and H0 are required');
    checkFactor('W0', options.W0, n, rank);
    checkFactor('H0', options.H0, rank, p);
  } else if (hasCustom && updateH) {
    throw new StnmfError('BAD_OPTION', `init ${init}: W0/H0 were given; use init custom (or leave init unset) to start from them`);
  }
  const maxIter = options.maxIter ?? optionDefault<number>(NMF_OPTIONS, 'maxIter');
  const halsAlpha = options.halsAlpha ?? optionDefault<number>(NMF_OPTIONS, 'halsAlpha');
  const tol = options.tol ?? optionDefault<number>(NMF_OPTIONS, 'tol');
  const seed = options.seed ?? optionDefault<number>(NMF_OPTIONS, 'seed');
  const restarts = options.restarts ?? optionDefault<number>(NMF_OPTIONS, 'restarts');
  const historyEvery = options.historyEvery ?? 10;
  if (!Number.isInteger(historyEvery) || historyEvery < 1) throw new StnmfError('BAD_OPTION', `historyEvery: must be a whole number ≥ 1; got ${historyEvery}`);
  return { rank, loss, solver, init: updateH ? init : 'custom', maxIter, halsAlpha, tol, seed, restarts: updateH ? restarts : 1, historyEvery, updateH };
}

function checkFactor(name: string, f: Dense, rows: number, cols: number): void {
  if (f.rows !== rows || f.cols !== cols || f.data.length !== rows * cols) {
    throw new StnmfError('BAD_OPTION', `${name}: expected shape ${rows} x ${cols}, got ${f.rows} x ${f.cols}`);
  }
  for (let q = 0; q < f.data.length; q++) {
    const v = f.data[q];
    if (!(v >= 0) || v === Infinity) {
      throw new StnmfError('BAD_INPUT', `${name}: entry (${Math.floor(q / cols)}, ${q % cols}) is ${v}; factors must be finite and non-negative`);
    }
  }
}

/** Rejects empty matrices and negative, NaN or infinite values, naming the first offender. */
export function validateMatrix(X: Csr | Dense, isCsr: boolean, name = 'X'): void {
  if (X.rows < 1 || X.cols < 1) {
    throw new StnmfError('BAD_INPUT', `${name}: the matrix is empty (${X.rows} observations x ${X.cols} features)`);
  }
  const values = X.data;
  for (let q = 0; q < values.length; q++) {
    const v = values[q];
    if (v >= 0 && v !== Infinity) continue;
    let where: string;
    if (isCsr) {
      const c = X as Csr;
      let i = 0;
      while (c.indptr[i + 1] <= q) i++;
      where = `row ${i}, column ${c.indices[q]}`;
    } else {
      where = `row ${Math.floor(q / X.cols)}, column ${q % X.cols}`;
    }
    const what = Number.isNaN(v) ? 'NaN' : v === Infinity || v === -Infinity ? 'infinite' : 'negative';
    throw new StnmfError('BAD_INPUT', `${name}: value at ${where} is ${what} (${v}); NMF needs finite non-negative values`);
  }
}

/** Options of `initialize`. */
export interface InitializeOptions {
  rank: number;
  /** Default `nndsvda`. */
  init?: Exclude<NmfInit, 'custom'>;
  /** Default 0. */
  seed?: number;
  kernels?: Kernels;
}

/**
 * The initial factors `nmf` would start from (scikit-learn's `_initialize_nmf`): W (n x k) and
 * H (k x p). Use it to hand identical starting points to other tools (`init='custom'`).
 */
export async function initialize(X: Csr | Dense, options: InitializeOptions): Promise<{ W: Dense; H: Dense }> {
  const isCsr = 'indptr' in X;
  validateMatrix(X, isCsr);
  const o = resolveOptions({ rank: options.rank, init: options.init ?? 'nndsvda', seed: options.seed }, X.rows, X.cols);
  const kernels = options.kernels ?? (await createKernels());
  const data = prepareData(kernels, isCsr ? (X as Csr) : csrFromDense(X as Dense), isCsr ? undefined : (X as Dense));
  const W: Dense = { rows: X.rows, cols: o.rank, data: kernels.allocF32(X.rows * o.rank) };
  const Ht: Dense = { rows: X.cols, cols: o.rank, data: kernels.allocF32(X.cols * o.rank) };
  try {
    initializeFactors(kernels, data, o.init as Exclude<NmfInit, 'custom'>, W, Ht, o.seed);
    return { W: { rows: W.rows, cols: W.cols, data: W.data.slice() }, H: transposeDense(Ht) };
  } finally {
    kernels.free(W.data);
    kernels.free(Ht.data);
    data.release();
    if (!options.kernels) kernels.dispose();
  }
}
