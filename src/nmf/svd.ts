/**
 * Truncated SVD of the data by randomized subspace iteration (Halko, Martinsson & Tropp 2011),
 * the method scikit-learn's NNDSVD uses. Products with X run on the kernels (float32);
 * orthonormalisation and the small eigenproblem run in float64.
 */
import type { Csr } from '../linalg/csr.js';
import type { Dense } from '../linalg/dense.js';
import type { Kernels } from '../linalg/kernels.js';
import { Rng } from '../linalg/rng.js';
import type { DataPair } from './data.js';

/** Leading singular triplets: U (n x k, column-major), S (k), V (p x k, column-major). */
export interface TruncatedSvd {
  k: number;
  /** Column j is `u[j*n .. (j+1)*n)`. */
  u: Float64Array;
  s: Float64Array;
  /** Column j is `v[j*p .. (j+1)*p)`. */
  v: Float64Array;
}

/** Options of `truncatedSvd`. */
export interface SvdOptions {
  /** Extra columns of the sketch. Default 10, scikit-learn's `n_oversamples`. */
  oversamples?: number;
  /** Power iterations. Default 7, scikit-learn's `n_iter='auto'` for small ranks. */
  powerIterations?: number;
  seed?: number;
  /** Rows above which the iterations are warm-started on a row sample. Default `SAMPLE_ABOVE`. */
  sampleAbove?: number;
  /** Rows of that sample. Default `SVD_SAMPLE_ROWS`. */
  sampleRows?: number;
}

/**
 * Rows above which the subspace iteration is warm-started on a row sample (issue 16). A
 * uniform sample of this many cells estimates the gene-side subspace XᵀX spans to well within
 * what the start needs; `WARM_ITERATIONS` full passes then correct it on all rows.
 */
export const SVD_SAMPLE_ROWS = 131072;
/** Full-data power iterations after the sampled warm start. */
const WARM_ITERATIONS = 2;
/** Rows above which `truncatedSvd` warm-starts on a sample (4·`SVD_SAMPLE_ROWS` = 524,288). */
export const SAMPLE_ABOVE = 4 * SVD_SAMPLE_ROWS;

/**
 * The k leading singular triplets of X (as held by `data`).
 * Up to `SAMPLE_ABOVE` rows (or with more genes than cells): 2·iterations + 2 products of X
 * with an n x l or p x l block, l = k + oversamples. Above it the iterations run on a
 * `SVD_SAMPLE_ROWS`-row sample and `WARM_ITERATIONS` more on all rows, then one product gives
 * the left side: 5 full products instead of 16 (at 1M cells x 200 M non-zeros, one thread, the
 * start drops from 25 s to 6 s with the same singular values to 1e-6; see `geneSide`).
 */
export function truncatedSvd(kernels: Kernels, data: DataPair, k: number, options: SvdOptions = {}): TruncatedSvd {
  const n = data.byRow.rows, p = data.byRow.cols;
  const l = Math.min(n, p, k + (options.oversamples ?? 10));
  const iterations = options.powerIterations ?? 7;
  const rng = new Rng(options.seed ?? 0);
  const omega = new Float64Array(p * l);
  for (let q = 0; q < omega.length; q++) omega[q] = rng.normal();
  // Up to SAMPLE_ABOVE rows the classic scheme runs unchanged (every start and fixture of
  // smaller data stays as it was); above it, the sampled gene-side scheme.
  const sampleRows = Math.min(n, options.sampleRows ?? SVD_SAMPLE_ROWS);
  return n > (options.sampleAbove ?? SAMPLE_ABOVE) && n >= p && iterations > WARM_ITERATIONS
    ? geneSide(kernels, data, k, l, iterations, omega, rng, sampleRows)
    : classic(kernels, data, k, l, iterations, omega);
}

/**
 * Large n ≥ p: subspace iteration on XᵀX, z ← orth(Xᵀ·(X·z)), first over a uniform sample of
 * `SVD_SAMPLE_ROWS` rows, then `WARM_ITERATIONS` times over all rows, orthonormalising only the
 * small p x l block (each step squares the spread of singular values once, so that keeps it
 * stable). Subspace iteration converges from any start geometrically in the gap; the sample's
 * subspace is a start already close, so two full steps reach what seven from random do (checked
 * on the 1M-cell set: docs/benchmarks.md). Then
 * Y = X·Z (n x l, left in kernel memory in float32) and the SVD of Y from the eigenproblem of
 * YᵀY (the kernels' Gram: float64 sums, float32 entries): Y = U·Σ·Eᵀ, so X ≈ Y·Zᵀ = U·Σ·(Z·E)ᵀ. No n x l block is orthonormalised or
 * converted to float64 — at 1M cells those passes cost 10 s.
 * Xᵀ·Y is a scatter over X's rows (spmmT): both operands stream in order and only the p x l
 * output is written at random (issue 16: a gather over Xᵀ made the start cost ten iterations).
 */
function geneSide(
  kernels: Kernels,
  data: DataPair,
  k: number,
  l: number,
  iterations: number,
  omega: Float64Array,
  rng: Rng,
  sampleRows: number,
): TruncatedSvd {
  const n = data.byRow.rows, p = data.byRow.cols;
  const blockP = { rows: p, cols: l, data: kernels.allocF32(p * l) };
  const blockN = { rows: n, cols: l, data: kernels.allocF32(n * l) };
  let sample: Csr | undefined;
  try {
    let z = omega;
    orthonormalize(z, p, l);
    sample = drawRows(kernels, data, sampleRows, rng);
    const s0 = sample;
    const sampleSide: ProductPair = { times: (G, out) => kernels.spmm(s0, G, out), timesT: (G, out) => kernels.spmmT(s0, G, out) };
    const blockS = { rows: sample.rows, cols: l, data: blockN.data.subarray(0, sample.rows * l) };
    for (let it = 0; it < iterations; it++) z = powerStep(sampleSide, p, z, blockP, blockS);
    const allRows: ProductPair = { times: data.sparse.byRow.times, timesT: data.sparse.byCol.times };
    for (let it = 0; it < WARM_ITERATIONS; it++) z = powerStep(allRows, p, z, blockP, blockN);
    toBlock(z, p, blockP);
    data.sparse.byRow.times(blockP, blockN);
    // YᵀY on the kernels (float64 sums over blocks of 256 rows), then its small eigenproblem.
    const gram = { rows: l, cols: l, data: kernels.allocF32(l * l) };
    kernels.gram(blockN, gram);
    const c = Float64Array.from(gram.data);
    kernels.free(gram.data);
    const { values, vectors } = symmetricEigen(c, l);
    const order = Array.from({ length: l }, (_, i) => i).sort((a, b) => values[b] - values[a]);
    const s = new Float64Array(k);
    // U = Y·(E_k Σ⁻¹) on the kernels (zero columns where σ is zero), V = Z·E_k.
    const eScaled = { rows: l, cols: k, data: kernels.allocF32(l * k) };
    const v = new Float64Array(p * k);
    for (let j = 0; j < k; j++) {
      const e = order[j];
      const sigma = Math.sqrt(Math.max(0, values[e]));
      s[j] = sigma;
      for (let a = 0; a < l; a++) {
        const w = vectors[a * l + e];
        if (sigma > 0) eScaled.data[a * k + j] = w / sigma;
        if (w === 0) continue;
        const za = a * p;
        for (let r = 0; r < p; r++) v[j * p + r] += z[za + r] * w;
      }
    }
    const uBlock = { rows: n, cols: k, data: kernels.allocF32(n * k) };
    let u: Float64Array;
    try {
      kernels.denseAB(blockN, eScaled, uBlock);
      u = fromBlock(uBlock);
    } finally {
      kernels.free(uBlock.data);
      kernels.free(eScaled.data);
    }
    return { k, u, s, v };
  } finally {
    kernels.free(blockP.data);
    kernels.free(blockN.data);
    if (sample) for (const a of [sample.indptr, sample.indices, sample.data]) kernels.free(a);
  }
}

/** A sparse matrix M (m x p) seen through its two products: M·G (m x l) and Mᵀ·G (p x l). */
interface ProductPair {
  times(G: Dense, out: Dense): void;
  timesT(G: Dense, out: Dense): void;
}

/** One step z ← orth(Mᵀ·(M·z)) of the gene-side subspace iteration, z column-major p x l. */
function powerStep(M: ProductPair, p: number, z: Float64Array, blockP: Dense, blockN: Dense): Float64Array {
  toBlock(z, p, blockP);
  M.times(blockP, blockN);
  M.timesT(blockN, blockP);
  const next = fromBlock(blockP);
  orthonormalize(next, p, blockP.cols);
  return next;
}

/**
 * `m` of X's rows drawn uniformly without replacement (in row order) from X's row blocks,
 * copied into the memory of `kernels`.
 */
function drawRows(kernels: Kernels, data: DataPair, m: number, rng: Rng): Csr {
  const n = data.byRow.rows;
  const picks = rng.permutation(n).subarray(0, m).sort();
  // Block and local row of each pick (picks ascend, so the block only moves forward).
  const blockOf = new Int32Array(m);
  const local = new Int32Array(m);
  let nnz = 0;
  for (let r = 0, b = 0; r < m; r++) {
    while (picks[r] >= data.blocks[b].row0 + data.blocks[b].X.rows) b++;
    blockOf[r] = b;
    local[r] = picks[r] - data.blocks[b].row0;
    const ip = data.blocks[b].X.indptr;
    nnz += ip[local[r] + 1] - ip[local[r]];
  }
  const indptr = kernels.allocI32(m + 1);
  const indices = kernels.allocI32(nnz);
  const values = kernels.allocF32(nnz);
  let at = 0;
  for (let r = 0; r < m; r++) {
    const X = data.blocks[blockOf[r]].X, i = local[r], from = X.indptr[i], to = X.indptr[i + 1];
    indices.set(X.indices.subarray(from, to), at);
    values.set(X.data.subarray(from, to), at);
    at += to - from;
    indptr[r + 1] = at;
  }
  return { rows: m, cols: data.byRow.cols, indptr, indices, data: values };
}

/** Copies a column-major float64 block into a row-major float32 kernel block. */
function toBlock(block: Float64Array, rows: number, out: Dense): void {
  const l = out.cols, a = out.data;
  for (let j = 0; j < l; j++) for (let i = 0; i < rows; i++) a[i * l + j] = block[j * rows + i];
}

/** A row-major float32 kernel block as a column-major float64 block. */
function fromBlock(b: Dense): Float64Array {
  const m = b.rows, l = b.cols, o = b.data;
  const out = new Float64Array(m * l);
  for (let i = 0; i < m; i++) for (let j = 0; j < l; j++) out[j * m + i] = o[i * l + j];
  return out;
}

/**
 * The classic scheme: subspace iteration on XᵀX; when cells outnumber genes only the p x l
 * block is orthonormalised each step and the n x l block once, at the end; with more genes
 * than cells both sides every step. Then B = Qᵀ·X held as Z = Xᵀ·Q (p x l) and the SVD of B
 * from the eigenproblem of ZᵀZ.
 */
function classic(kernels: Kernels, data: DataPair, k: number, l: number, iterations: number, omega: Float64Array): TruncatedSvd {
  const n = data.byRow.rows, p = data.byRow.cols;
  const blockP = { rows: p, cols: l, data: kernels.allocF32(p * l) };
  const blockN = { rows: n, cols: l, data: kernels.allocF32(n * l) };
  try {
    const timesT = data.sparse.byCol.times;
    let z: Float64Array = omega;
    orthonormalize(z, p, l);
    for (let it = 0; it < iterations; it++) {
      const yi = multiply(data.byRow.times.bind(data.byRow), z, p, blockP, blockN);
      if (n < p) orthonormalize(yi, n, l);
      z = multiply(timesT, yi, n, blockN, blockP);
      orthonormalize(z, p, l);
    }
    const y = multiply(data.byRow.times.bind(data.byRow), z, p, blockP, blockN);
    orthonormalize(y, n, l);
    z = multiply(timesT, y, n, blockN, blockP);
    const c = new Float64Array(l * l);
    for (let a = 0; a < l; a++) {
      for (let b = a; b < l; b++) {
        let s = 0;
        const za = a * p, zb = b * p;
        for (let j = 0; j < p; j++) s += z[za + j] * z[zb + j];
        c[a * l + b] = c[b * l + a] = s;
      }
    }
    const { values, vectors } = symmetricEigen(c, l);
    const order = Array.from({ length: l }, (_, i) => i).sort((a, b) => values[b] - values[a]);
    const u = new Float64Array(n * k);
    const v = new Float64Array(p * k);
    const s = new Float64Array(k);
    for (let j = 0; j < k; j++) {
      const e = order[j];
      const sigma = Math.sqrt(Math.max(0, values[e]));
      s[j] = sigma;
      for (let a = 0; a < l; a++) {
        const w = vectors[a * l + e];
        if (w === 0) continue;
        const ya = a * n, za = a * p;
        for (let i = 0; i < n; i++) u[j * n + i] += y[ya + i] * w;
        if (sigma > 0) for (let i = 0; i < p; i++) v[j * p + i] += (z[za + i] * w) / sigma;
      }
    }
    return { k, u, s, v };
  } finally {
    kernels.free(blockP.data);
    kernels.free(blockN.data);
  }
}

/**
 * out = M · block for a column-major float64 block (`inRows` x l): copies into the row-major
 * float32 kernel block, multiplies, and returns the result column-major float64.
 */
function multiply(
  times: (G: Dense, out: Dense) => void,
  block: Float64Array,
  inRows: number,
  inBuf: Dense,
  outBuf: Dense,
): Float64Array {
  const l = inBuf.cols;
  const a = inBuf.data;
  for (let j = 0; j < l; j++) for (let i = 0; i < inRows; i++) a[i * l + j] = block[j * inRows + i];
  times(inBuf, outBuf);
  const m = outBuf.rows;
  const out = new Float64Array(m * l);
  const o = outBuf.data;
  for (let i = 0; i < m; i++) for (let j = 0; j < l; j++) out[j * m + i] = o[i * l + j];
  return out;
}

/**
 * Orthonormalises the columns of a column-major m x l block in place by modified Gram–Schmidt
 * applied twice ("twice is enough", Giraud et al. 2005). Columns that vanish stay zero.
 */
export function orthonormalize(a: Float64Array, m: number, l: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < l; j++) {
      const cj = j * m;
      for (let i = 0; i < j; i++) {
        const ci = i * m;
        let d = 0;
        for (let r = 0; r < m; r++) d += a[ci + r] * a[cj + r];
        for (let r = 0; r < m; r++) a[cj + r] -= d * a[ci + r];
      }
      let nrm = 0;
      for (let r = 0; r < m; r++) nrm += a[cj + r] * a[cj + r];
      nrm = Math.sqrt(nrm);
      const inv = nrm > 1e-300 ? 1 / nrm : 0;
      for (let r = 0; r < m; r++) a[cj + r] *= inv;
    }
  }
}

/**
 * Eigen-decomposition of a symmetric m x m matrix (row-major) by cyclic Jacobi rotations.
 * Returns eigenvalues and eigenvectors (column e of `vectors` belongs to `values[e]`).
 * Meant for the small matrices of sketches (m ≤ a few hundred).
 */
export function symmetricEigen(input: Float64Array, m: number): { values: Float64Array; vectors: Float64Array } {
  const a = input.slice();
  const v = new Float64Array(m * m);
  for (let i = 0; i < m; i++) v[i * m + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0, total = 0;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) {
        const x = a[i * m + j] * a[i * m + j];
        total += x;
        if (i !== j) off += x;
      }
    }
    if (off <= 1e-30 * total || off === 0) break;
    for (let p = 0; p < m - 1; p++) {
      for (let q = p + 1; q < m; q++) {
        const apq = a[p * m + q];
        if (apq === 0) continue;
        const app = a[p * m + p], aqq = a[q * m + q];
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let r = 0; r < m; r++) {
          const arp = a[r * m + p], arq = a[r * m + q];
          a[r * m + p] = c * arp - s * arq;
          a[r * m + q] = s * arp + c * arq;
        }
        for (let r = 0; r < m; r++) {
          const apr = a[p * m + r], aqr = a[q * m + r];
          a[p * m + r] = c * apr - s * aqr;
          a[q * m + r] = s * apr + c * aqr;
        }
        for (let r = 0; r < m; r++) {
          const vrp = v[r * m + p], vrq = v[r * m + q];
          v[r * m + p] = c * vrp - s * vrq;
          v[r * m + q] = s * vrp + c * vrq;
        }
      }
    }
  }
  const values = new Float64Array(m);
  for (let i = 0; i < m; i++) values[i] = a[i * m + i];
  return { values, vectors: v };
}
