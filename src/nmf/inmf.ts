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
import { checkpoint } from '../errors.js';
import { createKernels } from '../linalg/backend.js';
import type { Csr } from '../linalg/csr.js';
import { transposeDense, type Dense } from '../linalg/dense.js';
import type { Kernels } from '../linalg/kernels.js';
import { checkOptions, optionDefault } from '../options.js';
import { sampleRows, type SampleGroups } from '../samples.js';
import { convergenceWarning, emptyFactorWarnings, type StnmfWarning } from '../warnings.js';
import { INMF_OPTIONS } from './options.js';
import { resolveSampleFit, stackedFactors, startSampleBlocks, type SampleBlock, type SampleBlocks, type SampleFitOptions } from './sample-blocks.js';


/** Options of {@link inmf}: NMF's rank, init, maxIter, tol and seed plus the penalty. */
export interface InmfOptions extends SampleFitOptions {
  /** Penalty weight λ > 0 (default 5, LIGER's). */
  lambda?: number;
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

/** A sample in kernel memory with its V_sᵀ (p x k). */
type SampleState = SampleBlock & { Vt: Dense };

/**
 * LIGER's integrative NMF of the samples of X (see the file comment). X must be non-negative;
 * the caller normalises it (LIGER scales each cell to unit total and each gene to unit variance
 * without centring; `stnmf nmf --normalize` offers scanpy's forms).
 * @param groups  each observation's sample (`sampleGroups(dataset)`); at least two samples
 * @throws StnmfError('BAD_OPTION') for an option outside its declared range, fewer than two
 *   samples, or a rank above a sample's rows
 */
export async function inmf(X: Csr, groups: SampleGroups, options: InmfOptions): Promise<InmfResult> {
  const o = resolveSampleFit(X, groups, options, 'inmf');
  checkOptions(INMF_OPTIONS, options, 'inmf');
  const n = X.rows, p = X.cols, k = o.rank, { maxIter, tol } = o;
  const lambda = options.lambda ?? optionDefault<number>(INMF_OPTIONS, 'lambda');
  const K = options.kernels ?? (await createKernels());
  let sb: SampleBlocks | undefined;
  try {
    // W and H start from the stacked samples, as the joint NMF would; every V_s from 0, so
    // iteration 1 starts at the joint fit's start and each V_s grows only where its sample
    // departs from the shared programs.
    sb = await startSampleBlocks(K, X, groups, o);
    const { Ht, alloc: mk } = sb;
    const states: SampleState[] = sb.blocks.map((b) => ({ ...b, Vt: mk(p, k) }));
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
    const { W, H } = stackedFactors(states, Ht, n);
    let loss = 0;
    const samples: InmfSample[] = sampleRows(groups).map((r, s) => ({ id: groups.ids[s], rows: r, V: { rows: k, cols: p, data: new Float32Array(k * p) }, specificShare: 0, loss: 0 }));
    for (const st of states) {
      const smp = samples[st.sample];
      smp.V = transposeDense(st.Vt);
      // X_sᵀW_s and W_sᵀW_s are of the final W_s (the H step does not change W_s).
      const terms = sampleTerms(K, st, Ht, Mt, gram, gramV, lambda);
      smp.loss = terms.loss;
      smp.specificShare = terms.fit > 0 ? terms.specific / terms.fit : 0;
      loss += terms.loss;
    }
    return {
      W, H, samples, objective, loss, iterations: iteration, converged, history,
      warnings: [...convergenceWarning('iNMF', converged, maxIter, tol), ...emptyFactorWarnings(W, H)],
      parameters: { rank: k, lambda, init: o.init, maxIter, tol, seed: o.seed, backend: K.name, threads: K.threads },
    };
  } finally {
    sb?.release();
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
