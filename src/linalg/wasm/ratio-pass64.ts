/**
 * The float64 ratio pass of the WebAssembly kernels (`Kernels.ratioPass64`, used by SIID's
 * float64 Poisson updates): a handle that copies X into the wasm memory once, then per call
 * pads the factors to whole f64x2 vectors, runs the kernel on every share and sums the shares'
 * column parts in share order.
 */
import type { Csr } from '../csr.js';
import type { RatioPass64 } from '../kernels.js';
import { MODEL_FLOOR } from '../ratio-pass64.js';
import type { WasmHeap } from './heap.js';
import { csrSplit, ranges } from './split.js';

/** What the handle needs of its backend. */
export interface RatioPassHost {
  heap: WasmHeap;
  /** Runs the `ratioPass64` export once per argument list (share 0 on the calling thread). */
  exec(args: number[][]): number[];
  /** Shares for a call of `work` flops over `units` splittable units. */
  shares(work: number, units: number): number;
  /** True once the backend was disposed. */
  disposed(): boolean;
}

/** A ratio-pass handle over X for rank `h` (1 ≤ h ≤ 32: the kernel holds up to 16 f64x2 vectors). */
export function wasmRatioPass64(ctx: RatioPassHost, X: Csr, h: number): RatioPass64 {
  const { heap } = ctx;
  const rows = X.rows, cols = X.cols, nnz = X.indptr[rows];
  const v = Math.ceil(h / 2), hp = 2 * v;
  const parts = ctx.shares(6 * nnz * h, rows);
  const bnd = csrSplit(X.indptr, rows, parts);
  let longest = 0;
  for (let i = 0; i < rows; i++) longest = Math.max(longest, X.indptr[i + 1] - X.indptr[i]);
  const blocks: number[] = [];
  const alloc = (bytes: number, zero = true) => {
    const p = heap.alloc(bytes, zero);
    blocks.push(p);
    return p;
  };
  const copyIn = (a: Int32Array | Float32Array) => {
    const p = alloc(a.byteLength, false);
    new Uint8Array(heap.buffer(), p, a.byteLength).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    return p;
  };
  // X is copied once per handle, so the per-call cost is the factors (rows + cols)·h.
  const ip = copyIn(X.indptr), ix = copyIn(X.indices), xd = copyIn(X.data);
  // Factors padded to an even width; the padding lanes are zeroed here and never written.
  const a = alloc(rows * hp * 8), b = alloc(cols * hp * 8), oa = alloc(rows * hp * 8);
  const partLen = cols * hp;
  const ob = alloc(parts * partLen * 8);
  const scratchLen = longest + 2;
  const sc = alloc(parts * scratchLen * 8);
  const args = ranges(bnd, (r0, r1, t) => [ip, ix, xd, a, b, oa, ob + t * partLen * 8, v, 0, MODEL_FLOOR, sc + t * scratchLen * 8, r0, r1]);
  let live = true;
  const pad = (src: Float64Array, n: number, dst: Float64Array) => {
    if (hp === h) dst.set(src.subarray(0, n * h));
    else for (let i = 0; i < n; i++) for (let k = 0; k < h; k++) dst[i * hp + k] = src[i * h + k];
  };
  const unpad = (src: Float64Array, n: number, dst: Float64Array) => {
    if (hp === h) dst.set(src.subarray(0, n * h));
    else for (let i = 0; i < n; i++) for (let k = 0; k < h; k++) dst[i * h + k] = src[i * hp + k];
  };
  return {
    run: (A, B, outA, outB, withLog) => {
      if (!live || ctx.disposed()) throw new Error('wasm kernels: ratioPass64 handle used after dispose()');
      // Views are taken per call: with unshared memory a growth elsewhere detaches old ones.
      pad(A, rows, heap.f64(a, rows * hp));
      pad(B, cols, heap.f64(b, cols * hp));
      const parts64 = heap.f64(ob, parts * partLen);
      parts64.fill(0);
      for (const x of args) x[8] = withLog ? 1 : 0;
      const ll = ctx.exec(args);
      unpad(heap.f64(oa, rows * hp), rows, outA);
      // Shares summed in share order: the result depends on the thread count, not on timing.
      for (let t = 1; t < parts; t++) {
        const o = t * partLen;
        for (let e = 0; e < partLen; e++) parts64[e] += parts64[o + e];
      }
      unpad(parts64, cols, outB);
      let sum = 0;
      for (const x of ll) sum += x;
      return sum;
    },
    dispose: () => {
      if (!live) return;
      live = false;
      for (const p of blocks) heap.release(p);
    },
  };
}
