/**
 * Truncated SVD of the data by randomized subspace iteration (Halko, Martinsson & Tropp 2011),
 * the method scikit-learn's NNDSVD uses. Products with X run on the kernels (float32);
 * orthonormalisation and the small eigenproblem run in float64.
 */
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
}

/**
 * The k leading singular triplets of X (as held by `data`).
 * Cost: (2·iterations + 3) products of X with an n x l or p x l block, l = k + oversamples.
 */
export function truncatedSvd(kernels: Kernels, data: DataPair, k: number, options: SvdOptions = {}): TruncatedSvd {
  const n = data.byRow.rows, p = data.byRow.cols;
  const l = Math.min(n, p, k + (options.oversamples ?? 10));
  const iterations = options.powerIterations ?? 7;
  const rng = new Rng(options.seed ?? 0);
  const omega = new Float64Array(p * l);
  for (let q = 0; q < omega.length; q++) omega[q] = rng.normal();
  const blockP = { rows: p, cols: l, data: kernels.allocF32(p * l) };
  const blockN = { rows: n, cols: l, data: kernels.allocF32(n * l) };
  try {
    // Subspace iteration on XᵀX: z ← orth(Xᵀ·(X·z)). Each step squares the spread of singular
    // values only once, so orthonormalising the p x l block alone keeps it stable; when cells
    // outnumber genes the big n x l block is then orthonormalised only once, at the end. With
    // more genes than cells, both sides are orthonormalised every step (the classic scheme).
    // Xᵀ·Y as a scatter over X's rows (spmmT) rather than Xᵀ's rows gathering Y: both operands
    // stream in order and only the small p x l output is written at random, so at 10⁵–10⁶ cells
    // the n x l block is never gathered from memory at random (issue 16: the gather made the
    // init cost about ten MU iterations on 200k cells).
    const timesT = (G: Dense, out: Dense): void => kernels.spmmT(data.csr, G, out);
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
    // B = Qᵀ X, held as Z = Xᵀ Q (p x l); singular values of B from the eigenproblem of ZᵀZ.
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
