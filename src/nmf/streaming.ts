/**
 * The joint NMF of several samples with one sample in memory at a time (issue 18, point 5):
 * exact block updates of HALS on the stacked matrix X = [X_1; …; X_S]. The W half-step of HALS
 * is row-separable, so each W_s is updated from X_s Hᵀ and H Hᵀ alone; the H half-step needs
 * only Xᵀ W = Σ_s X_sᵀ W_s and WᵀW = Σ_s W_sᵀ W_s, summed over the samples in float64. One
 * iteration is therefore the in-memory `halsIteration` of src/nmf/solvers.ts, up to the
 * rounding of those sums (the test compares H with the in-memory fit at 1e-6 relative).
 *
 * Memory: the largest sample's CSR twice (as loaded and in kernel memory, 2 x (8 B x nnz_s +
 * 4 B x rows_s)), W (4 B x n x k over all samples), H with its float32 and float64 sums
 * (16 B x p x k): bounded by the largest sample, not by the study's total non-zeros.
 *
 * Layer 1 (nmf): no Node APIs; `load` decides where a sample comes from.
 */
import { checkpoint, StnmfError } from '../errors.js';
import type { Csr } from '../linalg/csr.js';
import type { Dense } from '../linalg/dense.js';
import type { Kernels } from '../linalg/kernels.js';
import { importCsr } from './data.js';

/** One sample of a streamed joint fit. */
export interface StreamBlock {
  /** Observations of the sample. */
  rows: number;
  /** Reads the sample's matrix (rows x p); called once per iteration. */
  load: () => Csr | Promise<Csr>;
}

/** Options of {@link streamingJointNmf}. */
export interface StreamingNmfOptions {
  /** Starting H (k x p). */
  H0: Dense;
  /** Starting W of each sample (rows x k), in block order. */
  W0: Dense[];
  /** Iterations (default 200). */
  maxIter?: number;
  /** Stop when the projected-gradient violation falls to tol x the first iteration's (default 1e-4; 0 = maxIter). */
  tol?: number;
  kernels: Kernels;
  signal?: AbortSignal;
  /** Called after every sweep over the samples (`iteration` of `maxIter`). */
  onProgress?: (e: { iteration: number; maxIter: number }) => void;
}

/** Result of {@link streamingJointNmf}. */
export interface StreamingNmfResult {
  /** Shared H (k x p). */
  H: Dense;
  /** W of each sample. */
  W: Dense[];
  iterations: number;
  converged: boolean;
  /** Largest number of stored non-zeros held at once (one sample). */
  peakNnz: number;
}

/**
 * HALS on the stacked samples, streaming them (see the file comment). Frobenius loss, the
 * components updated in natural order, W then H, as scikit-learn's `cd` solver.
 * @throws StnmfError('BAD_INPUT') when a block's shape does not match its W0 or H0.
 */
export async function streamingJointNmf(blocks: StreamBlock[], o: StreamingNmfOptions): Promise<StreamingNmfResult> {
  const K = o.kernels;
  const k = o.H0.rows;
  const p = o.H0.cols;
  if (o.W0.length !== blocks.length) throw new StnmfError('BAD_INPUT', `streaming NMF: ${blocks.length} samples but ${o.W0.length} W0 blocks`);
  const maxIter = o.maxIter ?? 200;
  const tol = o.tol ?? 1e-4;
  const mk = (r: number, c: number): Dense => ({ rows: r, cols: c, data: K.allocF32(r * c) });
  const Ht = mk(p, k);
  for (let t = 0; t < k; t++) for (let j = 0; j < p; j++) Ht.data[j * k + t] = o.H0.data[t * p + j];
  const W = blocks.map((b, s) => {
    const w0 = o.W0[s];
    if (w0.rows !== b.rows || w0.cols !== k) throw new StnmfError('BAD_INPUT', `streaming NMF: W0 of sample ${s} is ${w0.rows} x ${w0.cols}, expected ${b.rows} x ${k}`);
    const w = mk(b.rows, k);
    w.data.set(w0.data);
    return w;
  });
  const numH = mk(p, k);
  const gramA = mk(k, k);
  const gramB = mk(k, k);
  const accH = new Float64Array(p * k);
  const accG = new Float64Array(k * k);
  let violationInit = 0;
  let iteration = 0;
  let converged = false;
  let peakNnz = 0;
  const owned: (Float32Array | Int32Array)[] = [Ht.data, numH.data, gramA.data, gramB.data, ...W.map((w) => w.data)];
  try {
    while (iteration < maxIter) {
      await checkpoint(o.signal, 'streaming nmf');
      iteration++;
      K.gram(Ht, gramA);
      accH.fill(0);
      accG.fill(0);
      let violation = 0;
      for (let s = 0; s < blocks.length; s++) {
        const host = await blocks[s].load();
        if (host.rows !== blocks[s].rows || host.cols !== p) throw new StnmfError('BAD_INPUT', `streaming NMF: sample ${s} is ${host.rows} x ${host.cols}, expected ${blocks[s].rows} x ${p}`);
        peakNnz = Math.max(peakNnz, host.indptr[host.rows]);
        const X = importCsr(K, host);
        const numW = mk(host.rows, k);
        try {
          K.spmm(X, Ht, numW);
          violation += K.halsSweep(W[s], numW, gramA);
          // Xᵀ W and WᵀW summed in float64 over the rows in stacked order, rounded to float32
          // once at the end: the additions of the in-memory kernels, in their order.
          accumulateXtW(host, W[s], accH);
          accumulateGram(W[s], accG);
        } finally {
          for (const a of [X.indptr, X.indices, X.data, numW.data]) K.free(a);
        }
      }
      numH.data.set(accH);
      for (let a = 0; a < k; a++) for (let b = a; b < k; b++) gramB.data[a * k + b] = gramB.data[b * k + a] = accG[a * k + b];
      violation += K.halsSweep(Ht, numH, gramB);
      o.onProgress?.({ iteration, maxIter });
      if (iteration === 1) violationInit = violation;
      if (violationInit === 0 || (tol > 0 && violation / violationInit <= tol)) {
        converged = true;
        break;
      }
    }
    const H: Dense = { rows: k, cols: p, data: new Float32Array(k * p) };
    for (let t = 0; t < k; t++) for (let j = 0; j < p; j++) H.data[t * p + j] = Ht.data[j * k + t];
    return { H, W: W.map((w) => ({ rows: w.rows, cols: k, data: w.data.slice() })), iterations: iteration, converged, peakNnz };
  } finally {
    for (const a of owned) K.free(a);
  }
}

/** acc (p x k, row-major) += Xᵀ W, as the TS `spmmT` kernel adds (row by row, non-zeros in order). */
function accumulateXtW(X: Csr, W: Dense, acc: Float64Array): void {
  const k = W.cols, a = W.data;
  for (let i = 0; i < X.rows; i++) {
    const ai = i * k;
    for (let q = X.indptr[i]; q < X.indptr[i + 1]; q++) {
      const v = X.data[q], oj = X.indices[q] * k;
      for (let t = 0; t < k; t++) acc[oj + t] += v * a[ai + t];
    }
  }
}

/** Upper triangle of acc (k x k) += WᵀW, as the TS `gram` kernel adds. */
function accumulateGram(W: Dense, acc: Float64Array): void {
  const k = W.cols, a = W.data;
  for (let i = 0; i < W.rows; i++) {
    const ai = i * k;
    for (let s = 0; s < k; s++) {
      const v = a[ai + s];
      if (v === 0) continue;
      for (let t = s; t < k; t++) acc[s * k + t] += v * a[ai + t];
    }
  }
}
