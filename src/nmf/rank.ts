/**
 * Rank selection aids (methods-spec G1.8): for each candidate k, the loss over several
 * seeded runs (the elbow curve), the cNMF stability of those runs' programs, and the
 * dispersion of the cell co-clustering consensus matrix (Kim & Park 2007).
 */
import { StnmfError, throwIfAborted } from '../errors.js';
import type { Csr } from '../linalg/csr.js';
import type { Dense } from '../linalg/dense.js';
import { createKernels } from '../linalg/backend.js';
import { Rng } from '../linalg/rng.js';
import { clusterPrograms, unitNorm } from './consensus.js';
import type { NmfLoss } from './loss.js';
import { nmf, type NmfSolver } from './nmf.js';

/** Options of `rankSweep`. */
export interface RankSweepOptions {
  /** Candidate ranks, each in 1..min(n, p). */
  ranks: number[];
  /** Seeded runs per rank. Default 10. */
  runs?: number;
  loss?: NmfLoss;
  solver?: NmfSolver;
  maxIter?: number;
  tol?: number;
  seed?: number;
  threads?: number;
  /** Cells sampled for the co-clustering dispersion (its matrix is m x m). Default 2000 (spec: ≤ 5,000). */
  dispersionCells?: number;
  /** Called after each factorisation of the sweep (the rank, and replicate `run` of `runs` at that rank, 1-based). */
  onProgress?: (event: { rank: number; run: number; runs: number }) => void;
  signal?: AbortSignal;
}

/** Figures for one rank. */
export interface RankSweepRow {
  rank: number;
  /** Lowest final loss over the runs. */
  loss: number;
  lossMean: number;
  lossSd: number;
  /** cNMF stability: silhouette of the k-means clustering of all runs' programs (no outlier filter). */
  stability: number;
  /** Dispersion of the consensus matrix of argmax-factor co-membership, in [0, 1]; 1 = every run agrees. */
  dispersion: number;
}

/**
 * Fits every rank `runs` times with random initialisations and reports loss, stability and
 * dispersion per rank (rows in the order of `ranks`).
 */
export async function rankSweep(X: Csr | Dense, options: RankSweepOptions): Promise<RankSweepRow[]> {
  const runs = options.runs ?? 10;
  if (!Number.isInteger(runs) || runs < 2) throw new StnmfError('BAD_OPTION', `runs: the sweep needs at least 2 runs per rank; got ${runs}`);
  if (options.ranks.length === 0) throw new StnmfError('BAD_OPTION', 'ranks: give at least one rank');
  const n = X.rows;
  const kernels = await createKernels({ threads: options.threads });
  const rng = new Rng(options.seed ?? 0);
  const sampleSize = Math.min(n, options.dispersionCells ?? 2000);
  const sample = rng.fork(1_000_003).permutation(n).subarray(0, sampleSize);
  try {
    const rows: RankSweepRow[] = [];
    for (const k of options.ranks) {
      const losses: number[] = [];
      const programs: Float64Array[] = [];
      const agree = new Float32Array(sampleSize * sampleSize);
      const argmax = new Int32Array(sampleSize);
      for (let r = 0; r < runs; r++) {
        throwIfAborted(options.signal, 'rank sweep');
        const fit = await nmf(X, { rank: k, loss: options.loss, solver: options.solver, init: 'random', maxIter: options.maxIter, tol: options.tol, seed: rng.fork(k * 7919 + r).nextUint32(), kernels, signal: options.signal });
        losses.push(fit.loss);
        for (let t = 0; t < k; t++) programs.push(unitNorm(fit.H.data.subarray(t * X.cols, (t + 1) * X.cols)));
        for (let s = 0; s < sampleSize; s++) argmax[s] = argmaxRow(fit.W, sample[s]);
        for (let a = 0; a < sampleSize; a++) for (let b = 0; b < sampleSize; b++) if (argmax[a] === argmax[b]) agree[a * sampleSize + b] += 1;
        options.onProgress?.({ rank: k, run: r + 1, runs });
      }
      let disp = 0;
      for (let q = 0; q < agree.length; q++) {
        const c = agree[q] / runs - 0.5;
        disp += 4 * c * c;
      }
      disp /= agree.length;
      // Stability of these runs' programs, unfiltered (a threshold of 2 keeps every unit vector).
      const { stability } = clusterPrograms(programs, k, runs, 2, 0.3, options.seed ?? 0);
      const mean = losses.reduce((a, b) => a + b, 0) / runs;
      const sd = Math.sqrt(losses.reduce((a, b) => a + (b - mean) ** 2, 0) / (runs - 1));
      rows.push({ rank: k, loss: Math.min(...losses), lossMean: mean, lossSd: sd, stability, dispersion: disp });
    }
    return rows;
  } finally {
    kernels.dispose();
  }
}

function argmaxRow(W: Dense, i: number): number {
  let best = 0;
  for (let t = 1; t < W.cols; t++) if (W.data[i * W.cols + t] > W.data[i * W.cols + best]) best = t;
  return best;
}
