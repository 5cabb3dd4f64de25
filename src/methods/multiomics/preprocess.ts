/**
 * Per-modality pre-processing of the joint NMF (methods-spec M3.4): log1p or min–max scaling,
 * highly-variable-gene selection (scanpy "seurat" flavour) and block balancing so that neither
 * modality dominates the Frobenius loss by its size.
 */
import type { Csr } from '../../linalg/csr.js';
import { StnmfError } from '../../errors.js';

/**
 * Per-feature transform applied to one modality before the factorisation: `log1p` (paper),
 * `minmax` (skill parity), `log1p-minmax` (log1p, then each feature scaled to [0, 1] [T]: removes
 * the per-marker baseline that dominates imaging intensities), or `none` (input already
 * normalised; must be non-negative).
 */
export type Normalization = 'log1p' | 'minmax' | 'log1p-minmax' | 'none';

/** Applies a {@link Normalization} to a matrix (observations x features). */
export function normalizeCsr(X: Csr, how: Normalization, what = 'matrix'): Csr {
  switch (how) {
    case 'log1p':
      return log1pCsr(X, what);
    case 'minmax':
      return minMaxCsr(X, what);
    case 'log1p-minmax':
      return minMaxCsr(log1pCsr(X, what), what);
    case 'none':
      for (let p = 0; p < X.data.length; p++) if (!(X.data[p] >= 0) || !Number.isFinite(X.data[p])) throw badValue(X, p, X.data[p], what);
      return X;
  }
}

/**
 * `ln(1 + x)` of every stored value, as a new CSR matrix (zeros stay zeros, so sparsity is kept).
 * @throws StnmfError('BAD_INPUT') on negative or non-finite values (NMF needs non-negative input).
 */
export function log1pCsr(X: Csr, what = 'matrix'): Csr {
  const data = new Float32Array(X.data.length);
  for (let p = 0; p < data.length; p++) {
    const v = X.data[p];
    if (!(v >= 0) || !Number.isFinite(v)) throw badValue(X, p, v, what);
    data[p] = Math.log1p(v);
  }
  return { rows: X.rows, cols: X.cols, indptr: X.indptr, indices: X.indices, data };
}

/**
 * Per-feature min–max scaling to [0, 1] (the skill code's normalisation; parity option of M3.4).
 * Implicit zeros take part in the minimum. Constant features become 0.
 */
export function minMaxCsr(X: Csr, what = 'matrix'): Csr {
  const { rows, cols } = X;
  const mn = new Float64Array(cols).fill(Infinity);
  const mx = new Float64Array(cols).fill(-Infinity);
  const stored = new Int32Array(cols);
  for (let p = 0; p < X.data.length; p++) {
    const v = X.data[p];
    if (!(v >= 0) || !Number.isFinite(v)) throw badValue(X, p, v, what);
    const j = X.indices[p];
    stored[j]++;
    if (v < mn[j]) mn[j] = v;
    if (v > mx[j]) mx[j] = v;
  }
  for (let j = 0; j < cols; j++) {
    if (stored[j] < rows) mn[j] = Math.min(mn[j], 0);
    if (stored[j] === 0) mx[j] = 0;
  }
  const data = new Float32Array(X.data.length);
  for (let p = 0; p < data.length; p++) {
    const j = X.indices[p];
    const range = mx[j] - mn[j];
    data[p] = range > 0 ? (X.data[p] - mn[j]) / range : 0;
  }
  return { rows, cols, indptr: X.indptr, indices: X.indices, data };
}

function badValue(X: Csr, p: number, v: number, what: string): StnmfError {
  let i = 0;
  while (X.indptr[i + 1] <= p) i++;
  return new StnmfError(
    'BAD_INPUT',
    `${what}: expected non-negative finite values, found ${v} at row ${i}, column ${X.indices[p]}`,
  );
}

/** Result of highly-variable-gene selection. */
export interface HvgResult {
  /** Selected column indices in increasing order. */
  selected: Int32Array;
  /** Normalised dispersion per feature (NaN where undefined). */
  dispersionsNorm: Float64Array;
}

/**
 * Highly variable genes, scanpy `highly_variable_genes(flavor='seurat', n_top_genes)` semantics
 * (formats.md §2.3): on log1p data, undo the log (expm1), per-gene mean and variance (ddof 1),
 * dispersion = var/mean (mean 0 → 1e-12), log of the dispersion (0 → NaN), mean → log1p(mean),
 * 20 equal-width bins of the means, z-score of the log dispersions within each bin (a gene alone
 * in its bin gets 1), top `nTop` by normalised dispersion (NaN last, ties by column order).
 * When `nTop ≥ cols` every column is kept.
 * @param Xlog log1p-transformed matrix, observations x genes
 * @param nTop number of genes to keep; default 2000 (methods-spec M3.4, paper)
 */
export function highlyVariableGenes(Xlog: Csr, nTop = 2000): HvgResult {
  const { rows: n, cols: g } = Xlog;
  const sum = new Float64Array(g);
  const sq = new Float64Array(g);
  for (let p = 0; p < Xlog.data.length; p++) {
    const v = Math.expm1(Xlog.data[p]);
    sum[Xlog.indices[p]] += v;
    sq[Xlog.indices[p]] += v * v;
  }
  const logMean = new Float64Array(g);
  const disp = new Float64Array(g);
  for (let j = 0; j < g; j++) {
    let mean = sum[j] / n;
    const v = n > 1 ? Math.max(0, (sq[j] - n * mean * mean) / (n - 1)) : 0;
    if (mean === 0) mean = 1e-12;
    const d = v / mean;
    disp[j] = d === 0 ? NaN : Math.log(d);
    logMean[j] = Math.log1p(sum[j] / n);
  }
  const nBins = 20;
  let lo = Infinity, hi = -Infinity;
  for (let j = 0; j < g; j++) {
    if (logMean[j] < lo) lo = logMean[j];
    if (logMean[j] > hi) hi = logMean[j];
  }
  const width = (hi - lo) / nBins;
  const bin = new Int32Array(g);
  for (let j = 0; j < g; j++) bin[j] = width > 0 ? Math.min(nBins - 1, Math.floor((logMean[j] - lo) / width)) : 0;
  const bSum = new Float64Array(nBins), bSq = new Float64Array(nBins), bCnt = new Float64Array(nBins);
  for (let j = 0; j < g; j++) {
    if (Number.isNaN(disp[j])) continue;
    bSum[bin[j]] += disp[j];
    bSq[bin[j]] += disp[j] * disp[j];
    bCnt[bin[j]]++;
  }
  const norm = new Float64Array(g);
  for (let j = 0; j < g; j++) {
    const b = bin[j];
    if (Number.isNaN(disp[j])) {
      norm[j] = NaN;
    } else if (bCnt[b] === 1) {
      norm[j] = 1;
    } else {
      const m = bSum[b] / bCnt[b];
      const sd = Math.sqrt(Math.max(0, (bSq[b] - bCnt[b] * m * m) / (bCnt[b] - 1)));
      norm[j] = sd > 0 ? (disp[j] - m) / sd : 0;
    }
  }
  if (nTop >= g) return { selected: Int32Array.from({ length: g }, (_, j) => j), dispersionsNorm: norm };
  const order = Array.from({ length: g }, (_, j) => j);
  const key = (j: number) => (Number.isNaN(norm[j]) ? -Infinity : norm[j]);
  order.sort((a, b) => key(b) - key(a) || a - b);
  const selected = Int32Array.from(order.slice(0, nTop)).sort();
  return { selected, dispersionsNorm: norm };
}

/** Frobenius norm of a CSR matrix (float64 accumulation). */
export function frobeniusNorm(X: Csr): number {
  let s = 0;
  for (let p = 0; p < X.data.length; p++) s += X.data[p] * X.data[p];
  return Math.sqrt(s);
}

/** A copy of `X` with every value multiplied by `s`. */
export function scaleCsr(X: Csr, s: number): Csr {
  const data = new Float32Array(X.data.length);
  for (let p = 0; p < data.length; p++) data[p] = X.data[p] * s;
  return { rows: X.rows, cols: X.cols, indptr: X.indptr, indices: X.indices, data };
}

/** Column-wise concatenation `[A | B | ...]` of CSR matrices with the same number of rows. */
export function hstackCsr(blocks: Csr[]): Csr {
  if (blocks.length === 0) throw new StnmfError('BAD_INPUT', 'hstackCsr: no blocks');
  const rows = blocks[0].rows;
  let cols = 0;
  let total = 0;
  for (const b of blocks) {
    if (b.rows !== rows) throw new StnmfError('BAD_INPUT', `hstackCsr: blocks have ${rows} and ${b.rows} rows`);
    cols += b.cols;
    total += b.indptr[b.rows];
  }
  const indptr = new Int32Array(rows + 1);
  const indices = new Int32Array(total);
  const data = new Float32Array(total);
  let q = 0;
  for (let i = 0; i < rows; i++) {
    let off = 0;
    for (const b of blocks) {
      for (let p = b.indptr[i]; p < b.indptr[i + 1]; p++) {
        indices[q] = b.indices[p] + off;
        data[q] = b.data[p];
        q++;
      }
      off += b.cols;
    }
    indptr[i + 1] = q;
  }
  return { rows, cols, indptr, indices, data };
}
