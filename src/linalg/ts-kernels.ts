/**
 * Plain TypeScript reference implementation of `Kernels`: the oracle the wasm kernels are
 * tested against, and the fallback wherever WebAssembly SIMD is missing. Loops are written
 * for clarity first, with the cheap reorderings (i-k-j for Wᵀ·X, row-local accumulators)
 * that V8 rewards; float64 accumulators throughout.
 */
import type { Csr } from './csr.js';
import type { Dense } from './dense.js';
import { MU_FLOOR, type Kernels } from './kernels.js';
import { createTsRatioPass64 } from './ratio-pass64.js';

/** Creates the single-threaded TypeScript backend. */
export function createTsKernels(): Kernels {
  return {
    name: 'ts',
    threads: 1,
    allocF32: (n) => new Float32Array(n),
    allocI32: (n) => new Int32Array(n),
    free: () => {},
    dispose: () => {},
    denseXBt,
    denseAtX,
    denseAB,
    gram,
    spmm,
    spmmT,
    sddmm,
    ratioSpmm,
    ratioSpmmT,
    nzLossTerms,
    halsSweep,
    muApply,
    colSums,
    sumSquares,
    nzRatios,
    scaleCols,
    scaleRows,
    ratioPass64: createTsRatioPass64,
  };
}

function denseXBt(X: Dense, B: Dense, out: Dense): void {
  const n = X.rows, p = X.cols, k = B.rows;
  const x = X.data, b = B.data, o = out.data;
  for (let i = 0; i < n; i++) {
    const xi = i * p;
    for (let t = 0; t < k; t++) {
      const bt = t * p;
      let s = 0;
      for (let j = 0; j < p; j++) s += x[xi + j] * b[bt + j];
      o[i * k + t] = s;
    }
  }
}

function denseAtX(A: Dense, X: Dense, out: Dense): void {
  const n = X.rows, p = X.cols, k = A.cols;
  const a = A.data, x = X.data;
  const acc = new Float64Array(k * p);
  for (let i = 0; i < n; i++) {
    const xi = i * p;
    for (let t = 0; t < k; t++) {
      const ait = a[i * k + t];
      if (ait === 0) continue;
      const at = t * p;
      for (let j = 0; j < p; j++) acc[at + j] += ait * x[xi + j];
    }
  }
  out.data.set(acc);
}

function denseAB(A: Dense, B: Dense, out: Dense): void {
  const n = A.rows, k = A.cols, m = B.cols;
  const a = A.data, b = B.data, o = out.data;
  const acc = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    acc.fill(0);
    for (let t = 0; t < k; t++) {
      const ait = a[i * k + t];
      const bt = t * m;
      for (let j = 0; j < m; j++) acc[j] += ait * b[bt + j];
    }
    for (let j = 0; j < m; j++) o[i * m + j] = acc[j];
  }
}

function gram(A: Dense, out: Dense): void {
  const n = A.rows, k = A.cols, a = A.data;
  const acc = new Float64Array(k * k);
  for (let i = 0; i < n; i++) {
    const ai = i * k;
    for (let s = 0; s < k; s++) {
      const v = a[ai + s];
      if (v === 0) continue;
      for (let t = s; t < k; t++) acc[s * k + t] += v * a[ai + t];
    }
  }
  for (let s = 0; s < k; s++) for (let t = s; t < k; t++) out.data[s * k + t] = out.data[t * k + s] = acc[s * k + t];
}

function spmm(X: Csr, B: Dense, out: Dense): void {
  const k = B.cols, b = B.data, o = out.data;
  const { indptr, indices, data } = X;
  const acc = new Float64Array(k);
  for (let i = 0; i < X.rows; i++) {
    acc.fill(0);
    for (let q = indptr[i]; q < indptr[i + 1]; q++) {
      const v = data[q], bj = indices[q] * k;
      for (let t = 0; t < k; t++) acc[t] += v * b[bj + t];
    }
    for (let t = 0; t < k; t++) o[i * k + t] = acc[t];
  }
}

function spmmT(X: Csr, A: Dense, out: Dense): void {
  const k = A.cols, a = A.data;
  const { indptr, indices, data } = X;
  const acc = new Float64Array(X.cols * k);
  for (let i = 0; i < X.rows; i++) {
    const ai = i * k;
    for (let q = indptr[i]; q < indptr[i + 1]; q++) {
      const v = data[q], oj = indices[q] * k;
      for (let t = 0; t < k; t++) acc[oj + t] += v * a[ai + t];
    }
  }
  out.data.set(acc);
}

function sddmm(X: Csr, A: Dense, B: Dense, out: Float32Array): void {
  const k = A.cols, a = A.data, b = B.data;
  const { indptr, indices } = X;
  for (let i = 0; i < X.rows; i++) {
    const ai = i * k;
    for (let q = indptr[i]; q < indptr[i + 1]; q++) {
      const bj = indices[q] * k;
      let s = 0;
      for (let t = 0; t < k; t++) s += a[ai + t] * b[bj + t];
      out[q] = s;
    }
  }
}

/** The H step's Poisson numerator as its definition: SDDMM, the ratios, SpMMᵀ (Kernels.ratioSpmmT). */
function ratioSpmmT(X: Csr, A: Dense, B: Dense, eps: number, out: Dense): void {
  const r = new Float32Array(X.indptr[X.rows]);
  sddmm(X, A, B, r);
  nzRatios(X.data, r, eps);
  spmmT({ rows: X.rows, cols: X.cols, indptr: X.indptr, indices: X.indices, data: r }, A, out);
}

function ratioSpmm(X: Csr, A: Dense, B: Dense, eps: number, out: Dense): void {
  const k = A.cols, a = A.data, b = B.data, o = out.data;
  const { indptr, indices, data } = X;
  const acc = new Float64Array(k);
  for (let i = 0; i < X.rows; i++) {
    acc.fill(0);
    const ai = i * k;
    for (let q = indptr[i]; q < indptr[i + 1]; q++) {
      const bj = indices[q] * k;
      let m = 0;
      for (let t = 0; t < k; t++) m += a[ai + t] * b[bj + t];
      // Round the model value to float32 like the wasm kernels do, so both agree closely.
      const r = data[q] / Math.max(Math.fround(m), eps);
      for (let t = 0; t < k; t++) acc[t] += r * b[bj + t];
    }
    for (let t = 0; t < k; t++) o[ai + t] = acc[t];
  }
}

function nzLossTerms(X: Csr, A: Dense, B: Dense, eps: number): { kl: number; cross: number } {
  const k = A.cols, a = A.data, b = B.data;
  const { indptr, indices, data } = X;
  let kl = 0, cross = 0;
  for (let i = 0; i < X.rows; i++) {
    const ai = i * k;
    for (let q = indptr[i]; q < indptr[i + 1]; q++) {
      const bj = indices[q] * k;
      let m = 0;
      for (let t = 0; t < k; t++) m += a[ai + t] * b[bj + t];
      const x = data[q];
      cross += x * m;
      kl += x * Math.log(x / Math.max(m, eps));
    }
  }
  return { kl, cross };
}

function halsSweep(F: Dense, A: Dense, B: Dense): number {
  const n = F.rows, k = F.cols, f = F.data, a = A.data, bb = B.data;
  let violation = 0;
  for (let i = 0; i < n; i++) {
    const fi = i * k;
    for (let t = 0; t < k; t++) {
      let grad = -a[fi + t];
      const bt = t * k;
      for (let r = 0; r < k; r++) grad += bb[bt + r] * f[fi + r];
      const pg = f[fi + t] === 0 ? Math.min(0, grad) : grad;
      violation += Math.abs(pg);
      const hess = bb[bt + t];
      if (hess !== 0) f[fi + t] = Math.max(0, f[fi + t] - grad / hess);
    }
  }
  return violation;
}

function muApply(F: Dense, num: Dense, den: Float32Array | Dense, eps: number, floor = MU_FLOOR): void {
  const n = F.rows, k = F.cols, f = F.data, nu = num.data;
  // Products in float64 then rounded once, like the wasm kernel; (0, floor) → floor (MU_FLOOR).
  if (den instanceof Float32Array) {
    for (let i = 0; i < n; i++) {
      for (let t = 0; t < k; t++) {
        const d = den[t] === 0 ? eps : den[t];
        const r = f[i * k + t] * (nu[i * k + t] / d);
        f[i * k + t] = r > 0 && r < floor ? floor : r;
      }
    }
  } else {
    const dd = den.data;
    for (let q = 0; q < n * k; q++) {
      const r = f[q] * (nu[q] / (dd[q] === 0 ? eps : dd[q]));
      f[q] = r > 0 && r < floor ? floor : r;
    }
  }
}

function colSums(A: Dense, out: Float64Array): void {
  const k = A.cols, a = A.data;
  out.fill(0);
  for (let i = 0; i < A.rows; i++) for (let t = 0; t < k; t++) out[t] += a[i * k + t];
}

function nzRatios(data: Float32Array, vals: Float32Array, eps: number): void {
  // The f64 quotient of two f32 values rounds to their f32 quotient: the wasm kernel's result.
  const e = Math.fround(eps);
  for (let q = 0; q < vals.length; q++) {
    const m = vals[q];
    vals[q] = data[q] / (m < e ? e : m);
  }
}

function sumSquares(a: Float32Array): number {
  let s = 0;
  for (let q = 0; q < a.length; q++) s += a[q] * a[q];
  return s;
}

function scaleCols(A: Dense, s: ArrayLike<number>): void {
  const k = A.cols, a = A.data;
  for (let i = 0; i < A.rows; i++) for (let t = 0; t < k; t++) a[i * k + t] *= s[t];
}

function scaleRows(A: Dense, s: ArrayLike<number>): void {
  const k = A.cols, a = A.data;
  for (let i = 0; i < A.rows; i++) {
    const v = s[i];
    for (let t = 0; t < k; t++) a[i * k + t] *= v;
  }
}
