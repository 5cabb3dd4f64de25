/**
 * SIID's hot loop, plain TypeScript: the float64 fused Poisson "two-sided ratio" pass over the
 * non-zeros of a count matrix (methods-spec M2.4). For X (rows x cols, CSR) and factors A
 * (rows x h), B (cols x h), both row-major float64, with m_ij = ⟨A_i, B_j⟩ at the stored entries:
 *
 *   outA = R · B   (rows x h),   outB = Rᵀ · A   (cols x h),   R_ij = X_ij / m_ij,
 *   and, when asked, Σ X_ij log m_ij.
 *
 * One pass costs 3·nnz·h multiply-adds and never stores R. This is the reference and fallback of
 * `Kernels.ratioPass64`; the wasm backend runs the same pass with f64x2 SIMD and a vectorised
 * log (assembly/gen-ratio64.mjs): on the checkerboard spot matrix (490 x 1000, 3·10⁵ non-zeros,
 * h = 8) 2.4 ms per pass with the log against 8.0 ms here, one thread. Composing the pass
 * from the float32 kernels (sddmm, then spmm and spmmT over the ratio) would cost three passes
 * over memory and float32 rounding of every parameter. Here the speed comes from keeping the
 * row of A and the row accumulators in registers, which needs h as a compile-time constant: the
 * loop is generated once per h with `new Function` and cached; where code generation is
 * forbidden (a strict Content Security Policy in a browser) the generic loop is used instead.
 * Both give the same values up to the order of float64 additions.
 *
 * Float64 throughout, because the monotone MM/ECM solver and the gradient checks of the Adam
 * solver are verified to 1e-12 and 1e-5 relative (M2.13), which float32 storage cannot meet.
 */
import type { Csr } from './csr.js';
import type { RatioPass64 } from './kernels.js';

/** Signature of a generated or generic pass. Returns Σ X log m when `withLog`, else 0. */
type PassFn = (
  rows: number,
  indptr: Int32Array,
  indices: Int32Array,
  data: Float32Array,
  A: Float64Array,
  B: Float64Array,
  outA: Float64Array,
  outB: Float64Array,
  withLog: boolean,
  h: number,
) => number;

/** Model values below this are clamped before the division and the logarithm. */
export const MODEL_FLOOR = 1e-300;

const cache = new Map<number, PassFn>();
let codegenAllowed: boolean | undefined;

/**
 * Runs the fused ratio pass (see the file comment). `outA` and `outB` are overwritten.
 * @param X counts, rows x cols CSR.
 * @param A rows x h row-major float64.
 * @param B cols x h row-major float64.
 * @returns Σ_{stored} X_ij·log(max(m_ij, MODEL_FLOOR)) when `withLog`, else 0.
 */
export function ratioPass(X: Csr, A: Float64Array, B: Float64Array, h: number, outA: Float64Array, outB: Float64Array, withLog: boolean): number {
  outB.fill(0);
  return passFor(h)(X.rows, X.indptr, X.indices, X.data, A, B, outA, outB, withLog, h);
}

/** Values of m_ij = ⟨A_i, B_j⟩ at the stored entries of X (float64 SDDMM; diagnostics and tests). */
export function modelAtNonzeros(X: Csr, A: Float64Array, B: Float64Array, h: number, out: Float64Array): void {
  for (let i = 0; i < X.rows; i++) {
    const ai = i * h;
    for (let q = X.indptr[i]; q < X.indptr[i + 1]; q++) {
      const bj = X.indices[q] * h;
      let s = 0;
      for (let k = 0; k < h; k++) s += A[ai + k] * B[bj + k];
      out[q] = s;
    }
  }
}

function passFor(h: number): PassFn {
  let f = cache.get(h);
  if (f) return f;
  f = h <= 64 ? generate(h) ?? genericPass : genericPass;
  cache.set(h, f);
  return f;
}

function generate(h: number): PassFn | undefined {
  if (codegenAllowed === false) return undefined;
  const L: string[] = [];
  const ks = Array.from({ length: h }, (_, k) => k);
  L.push('"use strict";');
  L.push('return function pass(rows, indptr, indices, data, A, B, outA, outB, withLog) {');
  L.push('  let ll = 0;');
  L.push('  for (let i = 0; i < rows; i++) {');
  L.push(`    const ai = i * ${h};`);
  for (const k of ks) L.push(`    const a${k} = A[ai + ${k}]; let c${k} = 0;`);
  L.push('    for (let q = indptr[i], e = indptr[i + 1]; q < e; q++) {');
  L.push(`      const bj = indices[q] * ${h};`);
  for (const k of ks) L.push(`      const b${k} = B[bj + ${k}];`);
  L.push(`      let m = ${ks.map((k) => `a${k} * b${k}`).join(' + ')};`);
  L.push(`      if (!(m > ${MODEL_FLOOR})) m = ${MODEL_FLOOR};`);
  L.push('      const x = data[q];');
  L.push('      if (withLog) ll += x * Math.log(m);');
  L.push('      const r = x / m;');
  for (const k of ks) L.push(`      c${k} += r * b${k}; outB[bj + ${k}] += r * a${k};`);
  L.push('    }');
  for (const k of ks) L.push(`    outA[ai + ${k}] = c${k};`);
  L.push('  }');
  L.push('  return ll;');
  L.push('};');
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    const f = new Function(L.join('\n'))() as PassFn;
    codegenAllowed = true;
    return f;
  } catch {
    codegenAllowed = false;
    return undefined;
  }
}

const genericPass: PassFn = (rows, indptr, indices, data, A, B, outA, outB, withLog, h) => {
  const acc = new Float64Array(h);
  let ll = 0;
  for (let i = 0; i < rows; i++) {
    const ai = i * h;
    acc.fill(0);
    for (let q = indptr[i]; q < indptr[i + 1]; q++) {
      const bj = indices[q] * h;
      let m = 0;
      for (let k = 0; k < h; k++) m += A[ai + k] * B[bj + k];
      if (!(m > MODEL_FLOOR)) m = MODEL_FLOOR;
      const x = data[q];
      if (withLog) ll += x * Math.log(m);
      const r = x / m;
      for (let k = 0; k < h; k++) {
        acc[k] += r * B[bj + k];
        outB[bj + k] += r * A[ai + k];
      }
    }
    for (let k = 0; k < h; k++) outA[ai + k] = acc[k];
  }
  return ll;
};

/** Forces the generic loop (tests compare it with the generated one). */
export function ratioPassGeneric(X: Csr, A: Float64Array, B: Float64Array, h: number, outA: Float64Array, outB: Float64Array, withLog: boolean): number {
  outB.fill(0);
  return genericPass(X.rows, X.indptr, X.indices, X.data, A, B, outA, outB, withLog, h);
}

/** The TypeScript `Kernels.ratioPass64`: the generated (or generic) loop over X for rank h. */
export function createTsRatioPass64(X: Csr, h: number): RatioPass64 {
  const pass = passFor(h);
  return {
    run(A, B, outA, outB, withLog) {
      outB.fill(0);
      return pass(X.rows, X.indptr, X.indices, X.data, A, B, outA, outB, withLog, h);
    },
    dispose() {},
  };
}
