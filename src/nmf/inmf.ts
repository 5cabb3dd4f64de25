/**
 * Integrative NMF of several samples (LIGER, Welch et al. 2019, Cell 177:1873; issue 18
 * point 2's dataset-specific term): each sample s is fitted as
 *
 *     X_s ≈ W_s (H + V_s),   minimising   Σ_s ‖X_s − W_s (H + V_s)‖²_F + λ Σ_s ‖W_s V_s‖²_F
 *
 * with W_s (cells of s x k) the sample's usages, H (k x features) the programs shared by every
 * sample and V_s (k x features, ≥ 0) what sample s adds to them. λ sets how much a sample may
 * depart from the shared programs: large λ drives W_s V_s to zero (the plain joint NMF of the
 * stacked samples), small λ lets every sample keep its own version.
 *
 * The solver is block coordinate descent with one HALS sweep per block and iteration
 * (W_s, V_s for each sample, then H), each sweep an exact coordinate minimisation of the
 * objective, so the objective never increases. LIGER solves each block exactly by ANLS; the
 * stationary points are the same (the test checks the KKT conditions at the end). Stopping:
 * scikit-learn's rule as in `nmf`'s HALS, the summed projected-gradient violation of the three
 * sweeps against the first iteration's (`tol`).
 *
 * Layer 1 (nmf): no Node APIs.
 */
import { checkpoint, StnmfError } from '../errors.js';
import { createKernels } from '../linalg/backend.js';
import { selectRows, type Csr } from '../linalg/csr.js';
import type { Dense } from '../linalg/dense.js';
import type { Kernels } from '../linalg/kernels.js';
import { checkOptions, optionDefault } from '../options.js';
import { sampleRows, type SampleGroups } from '../samples.js';
import { convergenceWarning, emptyFactorWarnings, type StnmfWarning } from '../warnings.js';
import { prepareData, type DataPair } from './data.js';
import type { NmfInit } from './init.js';
import { initialize, validateMatrix } from './nmf.js';
import { INMF_OPTIONS, NMF_OPTIONS } from './options.js';


/** Options of {@link inmf}. */
export interface InmfOptions {
  /** Number of factors k (1 ≤ k ≤ min(n, p)). */
  rank: number;
  /** Penalty weight λ > 0 (default 5, LIGER's). */
  lambda?: number;
  /** Start of W and H on the stacked samples (default nndsvd, as `nmf`'s HALS; V_s start at 0). */
  init?: Exclude<NmfInit, 'custom'>;
  /** Iterations (default NMF_OPTIONS' 200). */
  maxIter?: number;
  /** Stopping tolerance of the violation ratio (default NMF_OPTIONS' 1e-4; 0 = every iteration). */
  tol?: number;
  /** Seed of the start (default 0). */
  seed?: number;
  /** Kernels to run on (default: created and disposed here). */
  kernels?: Kernels;
  signal?: AbortSignal;
  /** Called after every iteration with the objective. */
  onProgress?: (e: { iteration: number; maxIter: number; objective: number }) => void;
}

/** One sample's share of an iNMF fit. */
export interface InmfSample {
  id: string;
  /** The sample's rows of X (and of W). */
  rows: Int32Array;
  /** V_s (k x p): what the sample adds to the shared programs. */
  V: Dense;
  /** ‖W_s V_s‖²_F / ‖W_s (H + V_s)‖²_F: the fraction of the sample's fit that is its own (0 = all shared). */
  specificShare: number;
  /** ½‖X_s − W_s (H + V_s)‖²_F. */
  loss: number;
}

/** Result of {@link inmf}. */
export interface InmfResult {
  /** Usages of every observation (n x k, rows in X's order; sample s's rows are `samples[s].rows`). */
  W: Dense;
  /** Programs shared by every sample (k x p). */
  H: Dense;
  samples: InmfSample[];
  /** LIGER's objective Σ‖X_s − W_s(H+V_s)‖² + λΣ‖W_sV_s‖² after the last iteration. */
  objective: number;
  /** ½ Σ_s ‖X_s − W_s (H + V_s)‖²_F, comparable with `nmf`'s Frobenius loss. */
  loss: number;
  iterations: number;
  converged: boolean;
  /** The objective after every iteration. */
  history: { iteration: number; objective: number }[];
  warnings: StnmfWarning[];
  parameters: { rank: number; lambda: number; init: string; maxIter: number; tol: number; seed: number; backend: string; threads: number };
}

/** Per-sample state in kernel memory. */
interface SampleState {
  data: DataPair;
  W: Dense;
  Vt: Dense;
  numW: Dense;
  XtW: Dense;
  WtW: Dense;
}

/**
 * LIGER's integrative NMF of the samples of X (see the file comment). X must be non-negative;
 * the caller normalises it (LIGER scales each cell to unit total and each gene to unit variance
 * without centring; `stnmf nmf --normalize` offers scanpy's forms).
 * @param groups  each observation's sample (`sampleGroups(dataset)`); at least two samples
 * @throws StnmfError('BAD_OPTION') for an option outside its declared range, fewer than two
 *   samples, or a rank above a sample's rows
 */
export async function inmf(X: Csr, groups: SampleGroups, options: InmfOptions): Promise<InmfResult> {
  checkOptions(NMF_OPTIONS, { rank: options.rank, init: options.init, maxIter: options.maxIter, tol: options.tol, seed: options.seed }, 'inmf');
  if ((options.init as string | undefined) === 'custom') throw new StnmfError('BAD_OPTION', 'inmf: init custom is not available; use nndsvd, nndsvda, nndsvdar or random');
  checkOptions(INMF_OPTIONS, options, 'inmf');
  validateMatrix(X, true);
  const n = X.rows, p = X.cols, k = options.rank;
  if (!Number.isInteger(k) || k < 1 || k > Math.min(n, p)) throw new StnmfError('BAD_OPTION', `inmf: rank must be a whole number from 1 to min(observations, features) = ${Math.min(n, p)}; got ${k}`);
  if (groups.codes.length !== n) throw new StnmfError('BAD_OPTION', `inmf: ${groups.codes.length} sample codes for ${n} observations`);
  const rowsOf = sampleRows(groups);
  const present = rowsOf.map((r, s) => ({ r, s })).filter((e) => e.r.length > 0);
  if (present.length < 2) throw new StnmfError('BAD_OPTION', `inmf: needs observations of at least two samples (${groups.key} has ${present.length}); fit one sample with plain NMF`);
  const lambda = options.lambda ?? optionDefault<number>(INMF_OPTIONS, 'lambda');
  // HALS sweeps, so HALS's start (nmf's resolveOptions; docs/defaults-evidence.md).
  const init = options.init ?? 'nndsvd';
  const maxIter = options.maxIter ?? optionDefault<number>(NMF_OPTIONS, 'maxIter');
  const tol = options.tol ?? optionDefault<number>(NMF_OPTIONS, 'tol');
  const seed = options.seed ?? optionDefault<number>(NMF_OPTIONS, 'seed');
  const K = options.kernels ?? (await createKernels());
  const owned: (Float32Array | Int32Array)[] = [];
  const mk = (r: number, c: number): Dense => {
    const d = { rows: r, cols: c, data: K.allocF32(r * c) };
    owned.push(d.data);
    return d;
  };
  const states: SampleState[] = [];
  try {
    // W and H start from the stacked samples, as the joint NMF would; every V_s from 0, so
    // iteration 1 starts at the joint fit's start and each V_s grows only where its sample
    // departs from the shared programs.
    const start = await initialize(X, { rank: k, init, seed, kernels: K });
    const Ht = mk(p, k);
    for (let t = 0; t < k; t++) for (let j = 0; j < p; j++) Ht.data[j * k + t] = start.H.data[t * p + j];
    for (const { r } of present) {
      const st: SampleState = { data: prepareData(K, selectRows(X, r), undefined), W: mk(r.length, k), Vt: mk(p, k), numW: mk(r.length, k), XtW: mk(p, k), WtW: mk(k, k) };
      states.push(st);
      for (let a = 0; a < r.length; a++) st.W.data.set(start.W.data.subarray(r[a] * k, (r[a] + 1) * k), a * k);
    }
    const Mt = mk(p, k), gram = mk(k, k), gramV = mk(k, k), numV = mk(p, k), prod = mk(p, k), numH = mk(p, k), gramH = mk(k, k);
    const accH = new Float64Array(p * k), accG = new Float64Array(k * k);
    const history: { iteration: number; objective: number }[] = [];
    let violationInit = 0, iteration = 0, converged = false, objective = NaN;
    while (iteration < maxIter) {
      await checkpoint(options.signal, 'inmf');
      iteration++;
      let violation = 0;
      for (const st of states) {
        // W_s: min ‖X_s − W_s M_s‖² + λ‖W_s V_s‖² with M_s = H + V_s: Gram M_sM_sᵀ + λV_sV_sᵀ.
        for (let q = 0; q < Mt.data.length; q++) Mt.data[q] = Ht.data[q] + st.Vt.data[q];
        st.data.byRow.times(Mt, st.numW);
        K.gram(Mt, gram);
        K.gram(st.Vt, gramV);
        for (let q = 0; q < k * k; q++) gram.data[q] += lambda * gramV.data[q];
        violation += K.halsSweep(st.W, st.numW, gram);
        st.data.byCol.times(st.W, st.XtW);
        K.gram(st.W, st.WtW);
        // V_s: min ‖(X_s − W_s H) − W_s V_s‖² + λ‖W_s V_s‖²: Gram (1+λ)W_sᵀW_s,
        // numerator X_sᵀW_s − Hᵀ W_sᵀW_s (negative where the shared program already explains more).
        K.denseAB(Ht, st.WtW, prod);
        for (let q = 0; q < numV.data.length; q++) numV.data[q] = st.XtW.data[q] - prod.data[q];
        for (let q = 0; q < k * k; q++) gramV.data[q] = (1 + lambda) * st.WtW.data[q];
        violation += K.halsSweep(st.Vt, numV, gramV);
      }
      // H: min Σ_s ‖(X_s − W_s V_s) − W_s H‖²: Gram Σ W_sᵀW_s, numerator Σ (X_sᵀW_s − V_sᵀ W_sᵀW_s),
      // summed over the samples in float64 in sample order.
      accH.fill(0);
      accG.fill(0);
      for (const st of states) {
        K.denseAB(st.Vt, st.WtW, prod);
        for (let q = 0; q < accH.length; q++) accH[q] += st.XtW.data[q] - prod.data[q];
        for (let q = 0; q < accG.length; q++) accG[q] += st.WtW.data[q];
      }
      numH.data.set(accH);
      gramH.data.set(accG);
      violation += K.halsSweep(Ht, numH, gramH);
      objective = 0;
      for (const st of states) objective += sampleTerms(K, st, Ht, Mt, gram, gramV, lambda).objective;
      history.push({ iteration, objective });
      options.onProgress?.({ iteration, maxIter, objective });
      if (iteration === 1) violationInit = violation;
      if (violationInit === 0 || (tol > 0 && violation / violationInit <= tol)) {
        converged = true;
        break;
      }
    }
    const W: Dense = { rows: n, cols: k, data: new Float32Array(n * k) };
    const H: Dense = { rows: k, cols: p, data: new Float32Array(k * p) };
    for (let t = 0; t < k; t++) for (let j = 0; j < p; j++) H.data[t * p + j] = Ht.data[j * k + t];
    let loss = 0;
    const samples: InmfSample[] = rowsOf.map((r, s) => ({ id: groups.ids[s], rows: r, V: { rows: k, cols: p, data: new Float32Array(k * p) }, specificShare: 0, loss: 0 }));
    states.forEach((st, a) => {
      const smp = samples[present[a].s];
      const r = smp.rows;
      for (let i = 0; i < r.length; i++) W.data.set(st.W.data.subarray(i * k, (i + 1) * k), r[i] * k);
      for (let t = 0; t < k; t++) for (let j = 0; j < p; j++) smp.V.data[t * p + j] = st.Vt.data[j * k + t];
      // X_sᵀW_s and W_sᵀW_s are of the final W_s (the H step does not change W_s).
      const terms = sampleTerms(K, st, Ht, Mt, gram, gramV, lambda);
      smp.loss = terms.loss;
      smp.specificShare = terms.fit > 0 ? terms.specific / terms.fit : 0;
      loss += terms.loss;
    });
    return {
      W, H, samples, objective, loss, iterations: iteration, converged, history,
      warnings: [...convergenceWarning('iNMF', converged, maxIter, tol), ...emptyFactorWarnings(W, H)],
      parameters: { rank: k, lambda, init, maxIter, tol, seed, backend: K.name, threads: K.threads },
    };
  } finally {
    for (const st of states) st.data.release();
    for (const a of owned) K.free(a);
    if (!options.kernels) K.dispose();
  }
}

/**
 * One sample's terms from the Gram forms (no n x p product): with M = H + V_s,
 * ‖X_s − W_sM‖² = ‖X_s‖² − 2⟨X_sᵀW_s, Mᵀ⟩ + ⟨W_sᵀW_s, MMᵀ⟩ and ‖W_sV_s‖² = ⟨W_sᵀW_s, V_sV_sᵀ⟩.
 * `st.XtW` and `st.WtW` must be of the current W_s. `Mt`, `gram`, `gramV` are scratch.
 */
function sampleTerms(K: Kernels, st: SampleState, Ht: Dense, Mt: Dense, gram: Dense, gramV: Dense, lambda: number): { objective: number; loss: number; fit: number; specific: number } {
  for (let q = 0; q < Mt.data.length; q++) Mt.data[q] = Ht.data[q] + st.Vt.data[q];
  K.gram(Mt, gram);
  K.gram(st.Vt, gramV);
  let cross = 0, fit = 0, specific = 0;
  for (let q = 0; q < Mt.data.length; q++) cross += st.XtW.data[q] * Mt.data[q];
  for (let q = 0; q < gram.data.length; q++) {
    fit += st.WtW.data[q] * gram.data[q];
    specific += st.WtW.data[q] * gramV.data[q];
  }
  const residual = Math.max(0, st.data.sumSquares - 2 * cross + fit);
  return { objective: residual + lambda * specific, loss: 0.5 * residual, fit, specific };
}
