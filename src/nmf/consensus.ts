/**
 * Consensus NMF (cNMF; Kotliar et al. 2019, methods-spec G1.6): many runs with different
 * seeds, their programs pooled, outliers dropped, the rest clustered by k-means; consensus
 * programs are the element-wise medians, and usages are refitted with the programs fixed.
 * Stability is the silhouette of the program clustering.
 */
import { StnmfError, throwIfAborted } from '../errors.js';
import type { Csr } from '../linalg/csr.js';
import type { Dense } from '../linalg/dense.js';
import type { Kernels } from '../linalg/kernels.js';
import { createKernels } from '../linalg/backend.js';
import { Rng } from '../linalg/rng.js';
import { kmeans } from './kmeans.js';
import type { NmfLoss } from './loss.js';
import { nmf, type NmfSolver } from './nmf.js';

/** Options of `consensusNmf`. Defaults from cNMF v1.7 (formats.md §2.5) unless noted. */
export interface ConsensusOptions {
  rank: number;
  /** Factorisations pooled. Default 100 (cNMF's `n_iter`). */
  runs?: number;
  /** Neighbourhood for the outlier filter as a fraction of `runs`. Default 0.30 (cNMF). */
  localNeighborhoodSize?: number;
  /** Programs whose mean distance to their neighbours exceeds this are dropped. Default 0.5 (cNMF; 2.0 keeps all). */
  densityThreshold?: number;
  /** Default `frobenius`. */
  loss?: NmfLoss;
  solver?: NmfSolver;
  /** Iterations of each run and of the refit. Default 200. */
  maxIter?: number;
  tol?: number;
  seed?: number;
  kernels?: Kernels;
  threads?: number;
  /** Called after each replicate factorisation (`run` of `runs`, 1-based). */
  onProgress?: (event: { run: number; runs: number }) => void;
  signal?: AbortSignal;
}

/** Result of `consensusNmf`. */
export interface ConsensusResult {
  /** Refitted usages, n x k. */
  W: Dense;
  /** Consensus programs, k x p, each summing to 1. */
  H: Dense;
  /** Loss of the refit (same definition as `nmf`). */
  loss: number;
  /** Silhouette (Euclidean) of the k-means clustering of the kept programs, in [-1, 1]. */
  stability: number;
  /** Programs kept after the outlier filter, of runs·k. */
  keptPrograms: number;
  totalPrograms: number;
  /** Each run's final loss. */
  runLosses: number[];
}

/**
 * Runs cNMF at one rank. Cost ≈ (runs + 1) NMF fits plus O((runs·k)²·p) for the program
 * distances.
 */
export async function consensusNmf(X: Csr | Dense, options: ConsensusOptions): Promise<ConsensusResult> {
  const runs = options.runs ?? 100;
  const k = options.rank;
  if (!Number.isInteger(runs) || runs < 2) throw new StnmfError('BAD_OPTION', `runs: consensus needs at least 2 runs; got ${runs}`);
  const threshold = options.densityThreshold ?? 0.5;
  const neighborhood = options.localNeighborhoodSize ?? 0.3;
  if (!(neighborhood > 0 && neighborhood <= 1)) throw new StnmfError('BAD_OPTION', `localNeighborhoodSize: must be in (0, 1]; got ${neighborhood}`);
  const kernels = options.kernels ?? (await createKernels({ threads: options.threads }));
  const rng = new Rng(options.seed ?? 0);
  const p = X.cols;
  try {
    const programs: Float64Array[] = [];
    const runLosses: number[] = [];
    for (let r = 0; r < runs; r++) {
      throwIfAborted(options.signal, 'consensus');
      const fit = await nmf(X, {
        rank: k, loss: options.loss, solver: options.solver, init: 'random', maxIter: options.maxIter, tol: options.tol,
        seed: rng.fork(r).nextUint32(), kernels, signal: options.signal,
      });
      runLosses.push(fit.loss);
      for (let t = 0; t < k; t++) programs.push(unitNorm(fit.H.data.subarray(t * p, (t + 1) * p)));
      options.onProgress?.({ run: r + 1, runs });
    }
    const { kept, labels, stability } = clusterPrograms(programs, k, runs, threshold, neighborhood, options.seed ?? 0);
    const m = programs.length;
    // Consensus program: element-wise median of its cluster, renormalised to unit sum.
    const H: Dense = { rows: k, cols: p, data: new Float32Array(k * p) };
    const column: number[] = [];
    for (let c = 0; c < k; c++) {
      const members = kept.filter((_, i) => labels[i] === c);
      let total = 0;
      for (let j = 0; j < p; j++) {
        column.length = 0;
        for (const a of members) column.push(programs[a][j]);
        const med = median(column);
        H.data[c * p + j] = med;
        total += med;
      }
      if (total > 0) for (let j = 0; j < p; j++) H.data[c * p + j] /= total;
    }
    const refit = await nmf(X, { rank: k, loss: options.loss, solver: options.solver, H0: H, updateH: false, maxIter: options.maxIter, tol: options.tol, kernels, signal: options.signal });
    return { W: refit.W, H, loss: refit.loss, stability, keptPrograms: kept.length, totalPrograms: m, runLosses };
  } finally {
    if (!options.kernels) kernels.dispose();
  }
}

/**
 * The program-clustering core of cNMF: pairwise distances of unit-norm programs, the outlier
 * filter (mean distance to the L = round(neighborhood·runs) nearest others ≤ threshold), k-means
 * with 10 seeded starts, and the silhouette of that clustering (the stability figure).
 */
export function clusterPrograms(
  programs: Float64Array[],
  k: number,
  runs: number,
  threshold: number,
  neighborhood: number,
  seed: number,
): { dist: Float64Array; kept: number[]; labels: Int32Array; stability: number } {
  const m = programs.length;
  const p = programs[0].length;
  const dist = pairwiseDistances(programs);
  const L = Math.max(1, Math.min(m - 1, Math.round(neighborhood * runs)));
  const kept: number[] = [];
  const row = new Float64Array(m);
  for (let a = 0; a < m; a++) {
    for (let b = 0; b < m; b++) row[b] = dist[a * m + b];
    row[a] = Infinity;
    row.sort();
    let s = 0;
    for (let j = 0; j < L; j++) s += row[j];
    if (s / L <= threshold) kept.push(a);
  }
  if (kept.length < k) {
    throw new StnmfError('BAD_OPTION', `densityThreshold ${threshold}: only ${kept.length} of ${m} programs pass the outlier filter, fewer than rank ${k}; raise the threshold (2.0 keeps all)`);
  }
  const data = new Float64Array(kept.length * p);
  kept.forEach((a, i) => data.set(programs[a], i * p));
  const km = kmeans(data, kept.length, p, { k, nInit: 10, seed });
  return { dist, kept, labels: km.labels, stability: silhouette(dist, m, kept, km.labels, k) };
}

/** A program scaled to unit Euclidean norm, in float64. */
export function unitNorm(v: Float32Array): Float64Array {
  let s = 0;
  for (let j = 0; j < v.length; j++) s += v[j] * v[j];
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
  const out = new Float64Array(v.length);
  for (let j = 0; j < v.length; j++) out[j] = v[j] * inv;
  return out;
}

/** Euclidean distances between all pairs of rows, m x m row-major (float64). */
export function pairwiseDistances(x: Float64Array[]): Float64Array {
  const m = x.length, d = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    for (let b = a + 1; b < m; b++) {
      const u = x[a], v = x[b];
      let s = 0;
      for (let j = 0; j < u.length; j++) {
        const t = u[j] - v[j];
        s += t * t;
      }
      d[a * m + b] = d[b * m + a] = Math.sqrt(s);
    }
  }
  return d;
}

/**
 * Mean silhouette (Rousseeuw 1987) of `labels` over the points `members` with a precomputed
 * distance matrix; singleton clusters score 0 (scikit-learn's convention).
 */
export function silhouette(dist: Float64Array, m: number, members: number[], labels: Int32Array, k: number): number {
  const size = new Int32Array(k);
  for (let i = 0; i < members.length; i++) size[labels[i]]++;
  let total = 0;
  const sums = new Float64Array(k);
  for (let i = 0; i < members.length; i++) {
    sums.fill(0);
    for (let j = 0; j < members.length; j++) if (j !== i) sums[labels[j]] += dist[members[i] * m + members[j]];
    const own = labels[i];
    if (size[own] <= 1) continue;
    const a = sums[own] / (size[own] - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) if (c !== own && size[c] > 0) b = Math.min(b, sums[c] / size[c]);
    if (b === Infinity) continue;
    total += (b - a) / Math.max(a, b);
  }
  return total / members.length;
}

/** Median of v (sorts v in place); the mean of the two middle values for even lengths (numpy). */
export function median(v: number[]): number {
  v.sort((a, b) => a - b);
  const h = v.length >> 1;
  return v.length % 2 ? v[h] : 0.5 * (v[h - 1] + v[h]);
}
