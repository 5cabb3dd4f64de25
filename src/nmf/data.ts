/**
 * The data side of a factorization, seen from either factor. NMF alternates between
 * "update W given H" and "update H given W"; with H stored transposed (Ht, p x k) both halves
 * are the same problem M ≈ F·Gᵀ with (M, F, G) = (X, W, Ht) or (Xᵀ, Ht, W). `DataSide` holds
 * one orientation of X in kernel memory and offers the products the solvers need.
 */
import type { Csr } from '../linalg/csr.js';
import { transposeCsr } from '../linalg/csr.js';
import type { Dense } from '../linalg/dense.js';
import { transposeDense } from '../linalg/dense.js';
import type { Kernels } from '../linalg/kernels.js';

/** One orientation (X or Xᵀ) of the data, resident in kernel memory. */
export interface DataSide {
  readonly rows: number;
  readonly cols: number;
  /** Entries a product with this side visits: the stored non-zeros (CSR) or rows x cols (dense). */
  readonly entries: number;
  /** out (rows x k) = M · G for G (cols x k). */
  times(G: Dense, out: Dense): void;
  /** out (rows x k) = (M ⊘ max(F·Gᵀ, eps) at M's non-zeros) · G — the KL numerator. */
  ratioTimes(F: Dense, G: Dense, eps: number, out: Dense): void;
}

/** Both orientations of X plus the figures the losses need. */
export interface DataPair {
  /** X itself (n x p): updates W. */
  byRow: DataSide;
  /** Xᵀ (p x n): updates Ht. */
  byCol: DataSide;
  /** X as CSR in kernel memory (losses at the non-zeros, KL ratios). */
  csr: Csr;
  /** Σ X_ij (float64). */
  sum: number;
  /** Σ X_ij² (float64). */
  sumSquares: number;
  /** Frees kernel memory. */
  release(): void;
}

/** A copy of `a` in kernel memory (the caller frees its three arrays with `kernels.free`). */
export function importCsr(kernels: Kernels, a: Csr): Csr {
  const indptr = kernels.allocI32(a.indptr.length);
  indptr.set(a.indptr);
  const indices = kernels.allocI32(a.indices.length);
  indices.set(a.indices);
  const data = kernels.allocF32(a.data.length);
  data.set(a.data);
  return { rows: a.rows, cols: a.cols, indptr, indices, data };
}

function importDense(kernels: Kernels, a: Dense): Dense {
  const data = kernels.allocF32(a.data.length);
  data.set(a.data);
  return { rows: a.rows, cols: a.cols, data };
}

function csrSide(kernels: Kernels, m: Csr): DataSide {
  return {
    rows: m.rows,
    cols: m.cols,
    entries: m.indptr[m.rows],
    times: (G, out) => kernels.spmm(m, G, out),
    ratioTimes: (F, G, eps, out) => kernels.ratioSpmm(m, F, G, eps, out),
  };
}

/**
 * Dense data used with dense kernels (Frobenius on dense input). The KL ratio still runs on
 * the CSR copy: zeros of X contribute nothing to the KL numerator, so skipping them is exact.
 */
function denseSide(kernels: Kernels, m: Dense, csr: Csr, owned: Array<Float32Array | Int32Array>): DataSide {
  let gt: Dense | undefined;
  return {
    rows: m.rows,
    cols: m.cols,
    entries: m.rows * m.cols,
    times(G, out) {
      // denseXBt wants the factor as k x cols; transposing G is O(cols·k), negligible next to the product.
      if (!gt || gt.rows !== G.cols || gt.cols !== G.rows) {
        if (gt) kernels.free(gt.data);
        gt = { rows: G.cols, cols: G.rows, data: kernels.allocF32(G.rows * G.cols) };
        owned.push(gt.data);
      }
      gt.data.set(transposeDense(G).data);
      kernels.denseXBt(m, gt, out);
    },
    ratioTimes: (F, G, eps, out) => kernels.ratioSpmm(csr, F, G, eps, out),
  };
}

/**
 * Moves X into kernel memory in both orientations. Sparse input stays sparse (costs 2·nnz
 * of storage); dense input keeps dense copies for the Frobenius products plus a CSR copy for
 * the non-zero terms.
 */
export function prepareData(kernels: Kernels, X: Csr | Dense, denseInput: Dense | undefined): DataPair {
  const csrHost = X as Csr;
  const csr = importCsr(kernels, csrHost);
  const csrT = importCsr(kernels, transposeCsr(csrHost));
  let sum = 0;
  for (let q = 0; q < csr.data.length; q++) sum += csr.data[q];
  const sumSquares = kernels.sumSquares(csr.data);
  let byRow: DataSide, byCol: DataSide;
  const owned: Array<Float32Array | Int32Array> = [csr.indptr, csr.indices, csr.data, csrT.indptr, csrT.indices, csrT.data];
  if (denseInput) {
    const d = importDense(kernels, denseInput);
    const dt = importDense(kernels, transposeDense(denseInput));
    owned.push(d.data, dt.data);
    byRow = denseSide(kernels, d, csr, owned);
    byCol = denseSide(kernels, dt, csrT, owned);
  } else {
    byRow = csrSide(kernels, csr);
    byCol = csrSide(kernels, csrT);
  }
  return {
    byRow,
    byCol,
    csr,
    sum,
    sumSquares,
    release: () => owned.forEach((a) => kernels.free(a)),
  };
}
