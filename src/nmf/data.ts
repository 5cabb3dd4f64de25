/**
 * The data side of a factorization, seen from either factor. NMF alternates between
 * "update W given H" and "update H given W"; with H stored transposed (Ht, p x k) both halves
 * are the same problem M ≈ F·Gᵀ with (M, F, G) = (X, W, Ht) or (Xᵀ, Ht, W). `DataSide` offers
 * the products the solvers need in one orientation.
 *
 * Sparse X is held once, by row: the Xᵀ side runs its products as scatters over X's rows
 * (`spmmT`; the Poisson numerator as model values at X's non-zeros by `sddmm`, their ratios, then
 * `spmmT`). Both read W in order and write only the small p x k output at random, where a
 * gather over Xᵀ's rows reads W at random — at a million cells that gather no longer hits any
 * cache and cost 4.6 s of a 5.3 s iteration (issue 16; the scatter costs about 1 s) — and X is
 * never transposed (no second copy of 8 B per non-zero, no transposition pass).
 */
import type { Csr } from '../linalg/csr.js';
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
 * Xᵀ as seen through X's rows: out (p x k) = Xᵀ·G by `spmmT`, and the Poisson numerator
 * (Xᵀ ⊘ max(F·Gᵀ, eps))·G as model values at X's non-zeros (`sddmm`), their ratios in a scratch
 * of one float per non-zero (allocated at the first call), then `spmmT` with the ratios as values.
 */
function scatterSide(kernels: Kernels, m: Csr, owned: Array<Float32Array | Int32Array>): DataSide {
  let ratios: Float32Array | undefined;
  const nnz = m.indptr[m.rows];
  return {
    rows: m.cols,
    cols: m.rows,
    entries: nnz,
    times: (G, out) => kernels.spmmT(m, G, out),
    ratioTimes(F, G, eps, out) {
      if (!ratios) {
        ratios = kernels.allocF32(nnz);
        owned.push(ratios);
      }
      kernels.sddmm(m, G, F, ratios);
      kernels.nzRatios(m.data, ratios, eps);
      kernels.spmmT({ rows: m.rows, cols: m.cols, indptr: m.indptr, indices: m.indices, data: ratios }, G, out);
    },
  };
}

/**
 * Dense data used with dense kernels (Frobenius on dense input). The KL ratio still runs on
 * the CSR copy: zeros of X contribute nothing to the KL numerator, so skipping them is exact.
 */
function denseSide(kernels: Kernels, m: Dense, ratioTimes: DataSide['ratioTimes'], owned: Array<Float32Array | Int32Array>): DataSide {
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
    ratioTimes,
  };
}

/**
 * Moves X into kernel memory once, by row, with both sides' products over it. Sparse input
 * stays sparse (one CSR copy; the Poisson fit adds one float per non-zero for the H step's
 * ratios); dense input keeps dense copies in both orientations for the Frobenius products plus
 * the CSR copy for the non-zero terms.
 */
export function prepareData(kernels: Kernels, X: Csr | Dense, denseInput: Dense | undefined): DataPair {
  const csrHost = X as Csr;
  const csr = importCsr(kernels, csrHost);
  let sum = 0;
  for (let q = 0; q < csr.data.length; q++) sum += csr.data[q];
  const sumSquares = kernels.sumSquares(csr.data);
  let byRow: DataSide, byCol: DataSide;
  const owned: Array<Float32Array | Int32Array> = [csr.indptr, csr.indices, csr.data];
  const rowSide = csrSide(kernels, csr);
  const colSide = scatterSide(kernels, csr, owned);
  if (denseInput) {
    const d = importDense(kernels, denseInput);
    const dt = importDense(kernels, transposeDense(denseInput));
    owned.push(d.data, dt.data);
    byRow = denseSide(kernels, d, rowSide.ratioTimes, owned);
    byCol = denseSide(kernels, dt, colSide.ratioTimes, owned);
  } else {
    byRow = rowSide;
    byCol = colSide;
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
