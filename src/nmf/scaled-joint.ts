/**
 * Joint NMF of several samples with a per-sample, per-feature scale (issue 18 point 2's
 * "per-sample scaling as in SIID's platform scaling"): each sample s is fitted as
 *
 *     X_s ≈ W_s H Φ_s,   Φ_s = diag(φ_s),   minimising   ½ Σ_s ‖X_s − W_s H Φ_s‖²_F,
 *
 * with one H shared by every sample and φ_s ≥ 0 the factor by which sample s measures each
 * feature (a capture efficiency: a probe that works less well on one slide, a batch's depth per
 * gene). As SIID fixes φ_g = 1 on its reference platform (methods-spec M2, for
 * identifiability), the reference sample's φ is 1 for every feature; every other φ_s is learned.
 * What φ_s can tell: a feature loaded by several programs has a determined scale; features used
 * by one program alone trade their scale with that program's column of W_s (a sample that uses
 * a program twice as much looks the same as one that measures its genes twice as well), so
 * within such a set only the ratios of φ are meaningful.
 *
 * Block coordinate descent, every block minimised exactly or by one HALS sweep, so the loss
 * never increases: W_s by HALS against H Φ_s; each φ_sj in closed form,
 * φ_sj = max(0, ⟨X_s[:, j], W_s h_j⟩) / ‖W_s h_j‖²; H row by row (each feature j has its own Gram
 * Σ_s φ_sj² W_sᵀW_s, so the kernels' HALS sweep runs once per feature: p·S·k² per iteration). Stopping:
 * the HALS violation ratio (`tol`), as `nmf`.
 *
 * Layer 1 (nmf): no Node APIs.
 */
import { checkpoint, StnmfError } from '../errors.js';
import { createKernels } from '../linalg/backend.js';
import type { Csr } from '../linalg/csr.js';
import type { Kernels } from '../linalg/kernels.js';
import type { Dense } from '../linalg/dense.js';
import { checkOptions } from '../options.js';
import type { SampleGroups } from '../samples.js';
import { convergenceWarning, emptyFactorWarnings, type StnmfWarning } from '../warnings.js';
import { SCALED_JOINT_OPTIONS } from './options.js';
import { resolveSampleFit, stackedFactors, startSampleBlocks, type SampleBlocks, type SampleFitOptions } from './sample-blocks.js';

/** Options of {@link scaledJointNmf}: NMF's rank, init, maxIter, tol and seed plus the reference. */
export interface ScaledJointOptions extends SampleFitOptions {
  /** The sample whose scale is fixed at 1 (default: the first sample with observations). */
  reference?: string;
  kernels?: Kernels;
  signal?: AbortSignal;
  /** Called after every iteration with the loss. */
  onProgress?: (e: { iteration: number; maxIter: number; loss: number }) => void;
}

/** One sample's scale. */
export interface SampleScale {
  id: string;
  /** The sample's rows of X (and of W). */
  rows: Int32Array;
  /** φ_s (p): the sample's factor per feature (1 everywhere on the reference). */
  phi: Float32Array;
  /** ½‖X_s − W_s H Φ_s‖²_F. */
  loss: number;
}

/** Result of {@link scaledJointNmf}. */
export interface ScaledJointResult {
  /** Usages of every observation (n x k, X's row order). */
  W: Dense;
  /** Programs shared by every sample (k x p), on the reference sample's scale. */
  H: Dense;
  /** Every sample of `groups` (a sample without observations keeps φ = 1 and loss 0). */
  samples: SampleScale[];
  reference: string;
  /** ½ Σ_s ‖X_s − W_s H Φ_s‖²_F after the last iteration. */
  loss: number;
  iterations: number;
  converged: boolean;
  history: { iteration: number; loss: number }[];
  warnings: StnmfWarning[];
  parameters: { rank: number; init: string; maxIter: number; tol: number; seed: number; reference: string; backend: string; threads: number };
}

/**
 * The joint NMF of the samples of X with a learned scale per sample and feature (see the file
 * comment).
 * @param groups  each observation's sample; at least two samples with observations
 * @throws StnmfError('BAD_OPTION') for an option outside its declared range, fewer than two
 *   samples, or a reference that names no sample with observations
 */
export async function scaledJointNmf(X: Csr, groups: SampleGroups, options: ScaledJointOptions): Promise<ScaledJointResult> {
  const o = resolveSampleFit(X, groups, options, 'scaledJointNmf');
  checkOptions(SCALED_JOINT_OPTIONS, options, 'scaledJointNmf');
  const n = X.rows, p = X.cols, k = o.rank, { maxIter, tol } = o;
  const K = options.kernels ?? (await createKernels());
  let sb: SampleBlocks | undefined;
  try {
    sb = await startSampleBlocks(K, X, groups, o);
    const { blocks, Ht, alloc } = sb;
    const refBlock = options.reference === undefined ? 0 : blocks.findIndex((b) => groups.ids[b.sample] === options.reference);
    if (refBlock < 0) throw new StnmfError('BAD_OPTION', `scaledJointNmf: reference '${options.reference}' is not a sample with observations (samples: ${blocks.map((b) => groups.ids[b.sample]).join(', ')})`);
    const phi = blocks.map(() => new Float64Array(p).fill(1));
    const Hst = alloc(p, k), gram = alloc(k, k);
    const sumSquares = blocks.map((b) => b.data.sumSquares);
    const history: { iteration: number; loss: number }[] = [];
    let violationInit = 0, iteration = 0, converged = false, loss = NaN;
    // One feature's row of Hᵀ, numerator and Gram, for the kernels' HALS sweep.
    const hRow = alloc(1, k), bRow = alloc(1, k), gRow = alloc(k, k);
    const Gj = new Float64Array(k * k);
    while (iteration < maxIter) {
      await checkpoint(options.signal, 'scaled joint nmf');
      iteration++;
      let violation = 0;
      blocks.forEach((b, s) => {
        // W_s against the sample's programs H Φ_s (Hᵀ with row j scaled by φ_sj).
        for (let j = 0; j < p; j++) for (let t = 0; t < k; t++) Hst.data[j * k + t] = phi[s][j] * Ht.data[j * k + t];
        b.data.byRow.times(Hst, b.numW);
        K.gram(Hst, gram);
        violation += K.halsSweep(b.W, b.numW, gram);
        b.data.byCol.times(b.W, b.XtW);
        K.gram(b.W, b.WtW);
        if (s === refBlock) return;
        // φ_sj = ⟨X_s[:, j], W_s h_j⟩ / ‖W_s h_j‖², clipped at 0; a feature no program reaches keeps its φ.
        for (let j = 0; j < p; j++) {
          const num = dotRow(b.XtW.data, j, k, Ht.data), den = quadForm(b.WtW.data, Ht.data, j, k);
          if (den > 0) phi[s][j] = Math.max(0, num / den);
        }
      });
      // H row by row: h_j minimises Σ_s ‖X_s[:, j] − φ_sj W_s h_j‖², Gram Σ_s φ_sj² W_sᵀW_s.
      for (let j = 0; j < p; j++) {
        Gj.fill(0);
        bRow.data.fill(0);
        blocks.forEach((b, s) => {
          const f = phi[s][j];
          if (f === 0) return;
          for (let q = 0; q < k * k; q++) Gj[q] += f * f * b.WtW.data[q];
          for (let t = 0; t < k; t++) bRow.data[t] += f * b.XtW.data[j * k + t];
        });
        gRow.data.set(Gj);
        hRow.data.set(Ht.data.subarray(j * k, (j + 1) * k));
        violation += K.halsSweep(hRow, bRow, gRow);
        Ht.data.set(hRow.data, j * k);
      }
      loss = 0;
      blocks.forEach((b, s) => (loss += sampleLoss(b.XtW.data, b.WtW.data, Ht.data, phi[s], sumSquares[s], p, k)));
      history.push({ iteration, loss });
      options.onProgress?.({ iteration, maxIter, loss });
      if (iteration === 1) violationInit = violation;
      if (violationInit === 0 || (tol > 0 && violation / violationInit <= tol)) {
        converged = true;
        break;
      }
    }
    const { W, H } = stackedFactors(blocks, Ht, n);
    const samples: SampleScale[] = groups.ids.map((id) => ({ id, rows: new Int32Array(0), phi: new Float32Array(p).fill(1), loss: 0 }));
    blocks.forEach((b, s) => {
      const smp = samples[b.sample];
      smp.rows = b.rows;
      smp.phi = Float32Array.from(phi[s]);
      smp.loss = sampleLoss(b.XtW.data, b.WtW.data, Ht.data, phi[s], sumSquares[s], p, k);
    });
    const reference = groups.ids[blocks[refBlock].sample];
    return {
      W, H, samples, reference, loss, iterations: iteration, converged, history,
      warnings: [...convergenceWarning('scaled joint NMF', converged, maxIter, tol), ...emptyFactorWarnings(W, H)],
      parameters: { rank: k, init: o.init, maxIter, tol, seed: o.seed, reference, backend: K.name, threads: K.threads },
    };
  } finally {
    sb?.release();
    if (!options.kernels) K.dispose();
  }
}

/** ⟨A[j, :], Ht[j, :]⟩ for row-major p x k arrays. */
function dotRow(A: ArrayLike<number>, j: number, k: number, Ht: ArrayLike<number>): number {
  let s = 0;
  for (let t = 0; t < k; t++) s += A[j * k + t] * Ht[j * k + t];
  return s;
}

/** h_jᵀ G h_j with h_j = Ht[j, :]. */
function quadForm(G: ArrayLike<number>, Ht: ArrayLike<number>, j: number, k: number): number {
  let s = 0;
  for (let a = 0; a < k; a++) {
    const ha = Ht[j * k + a];
    if (ha === 0) continue;
    let r = 0;
    for (let c = 0; c < k; c++) r += G[a * k + c] * Ht[j * k + c];
    s += ha * r;
  }
  return s;
}

/** ½‖X_s − W_s H Φ_s‖² from ‖X_s‖², X_sᵀW_s and W_sᵀW_s: ½(‖X‖² − 2Σ_j φ_j⟨XᵀW_j, h_j⟩ + Σ_j φ_j² h_jᵀWᵀWh_j). */
function sampleLoss(XtW: ArrayLike<number>, WtW: ArrayLike<number>, Ht: ArrayLike<number>, phi: Float64Array, sumSquares: number, p: number, k: number): number {
  let cross = 0, fit = 0;
  for (let j = 0; j < p; j++) {
    if (phi[j] === 0) continue;
    cross += phi[j] * dotRow(XtW, j, k, Ht);
    fit += phi[j] * phi[j] * quadForm(WtW, Ht, j, k);
  }
  return 0.5 * Math.max(0, sumSquares - 2 * cross + fit);
}
