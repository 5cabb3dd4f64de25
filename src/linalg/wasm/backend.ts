/**
 * The WebAssembly SIMD backend of `Kernels` (architecture.md §3, compute-notes.md §6): kernels
 * compiled from `assembly/` by AssemblyScript, one `WebAssembly.Memory` holding the operands,
 * and optional worker threads sharing that memory for large calls.
 *
 * Arrays from `allocF32`/`allocI32` are views into the memory and are used in place; any other
 * array is copied in (and, for outputs, back out) on each call, which is correct but costs a
 * copy. With unshared memory (browser pages without cross-origin isolation) growth would
 * detach views, so `alloc*` then returns ordinary arrays and every call copies.
 */
import type { Csr } from '../csr.js';
import type { Dense } from '../dense.js';
import { MU_FLOOR, type Kernels, type RatioPass64 } from '../kernels.js';
import { createTsRatioPass64 } from '../ratio-pass64.js';
import { defaultThreads } from '../threads.js';
import { StnmfError } from '../../errors.js';
import { WasmHeap } from './heap.js';
import { MAX_PAGES, getModule, relaxedAvailable, wasmSimdAvailable } from './module.js';
import { SLOT_BYTES, WorkerPool, canBlock } from './pool.js';
import { wasmRatioPass64 } from './ratio-pass64.js';
import { Scope } from './scope.js';
import { csrSplit, evenSplit, ranges } from './split.js';

export { unshareMemoryImport, wasmSimdAvailable } from './module.js';

/** Options of {@link createWasmKernels}. */
export interface WasmKernelOptions {
  /**
   * Threads for large calls, the calling thread included. Default: `os.availableParallelism()`
   * in Node, `navigator.hardwareConcurrency` in browsers (compute-notes.md §2.5). Falls back to
   * 1 where shared memory or blocking waits are unavailable.
   */
  threads?: number;
  /**
   * Calls estimated below this many floating-point operations run on the calling thread only.
   * Default 4e6: a few MFLOP, where a round trip to the workers (about 10–50 µs) stops
   * mattering (compute-notes.md §2.5). Tests set it to 0 to exercise the threaded paths.
   */
  splitThreshold?: number;
  /**
   * `auto` (default) takes the relaxed-SIMD (FMA) build when `WebAssembly.validate` accepts it
   * (in Node after enabling V8's flag), else plain SIMD128. `simd128` and `relaxed` force one;
   * `relaxed` throws where it cannot run.
   */
  variant?: 'auto' | 'simd128' | 'relaxed';
  /** Initial memory in MiB (it grows on demand up to 4 GiB). Default 16. */
  initialMiB?: number;
  /**
   * Use shared memory when the environment allows it (default true). `false` forces the
   * unshared path browsers take without cross-origin isolation: one thread, every call copies.
   */
  sharedMemory?: boolean;
}

/** The exports the JS side calls; their order is the index workers receive. */
const EXPORTS = [
  'denseXBt', 'denseAtX', 'denseAB', 'gramPart', 'spmm', 'spmmTPart', 'addParts', 'sddmm', 'ratioSpmm', 'nzLoss',
  'halsSweep', 'muApply', 'colSums', 'sumSquares', 'scaleCols', 'scaleRows', 'ratioPass64', 'nzRatios',
  'ratioSpmmTPart',
] as const;
type ExportName = (typeof EXPORTS)[number];
type Fn = (...a: number[]) => number | undefined;

/**
 * Creates the WebAssembly SIMD backend, or returns `undefined` when WebAssembly SIMD is not
 * available here. Await it once and reuse it; call `dispose()` to stop its workers.
 */
export async function createWasmKernels(options: WasmKernelOptions = {}): Promise<Kernels | undefined> {
  if (!wasmSimdAvailable()) return undefined;
  const threadsWanted = options.threads ?? (await defaultThreads());
  if (!Number.isInteger(threadsWanted) || threadsWanted < 1) {
    throw new StnmfError('BAD_OPTION', `kernels: option threads must be a positive integer, got ${options.threads}`);
  }
  const variant = options.variant ?? 'auto';
  let shared = options.sharedMemory !== false && typeof SharedArrayBuffer === 'function';
  let memory: WebAssembly.Memory | undefined;
  const initialPages = Math.max(1, Math.ceil(((options.initialMiB ?? 16) * 1048576) / 65536));
  if (shared) {
    try {
      memory = new WebAssembly.Memory({ initial: initialPages, maximum: MAX_PAGES, shared: true });
    } catch {
      shared = false;
    }
  }
  if (!memory) memory = new WebAssembly.Memory({ initial: initialPages, maximum: MAX_PAGES });
  let relaxed = false;
  if (variant !== 'simd128') relaxed = await relaxedAvailable(shared);
  if (variant === 'relaxed' && !relaxed) throw new StnmfError('BAD_OPTION', 'kernels: variant "relaxed" requested but relaxed SIMD is not available here');
  const module = getModule(relaxed ? 'relaxed' : 'simd128', shared);
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const ex = instance.exports as unknown as Record<string, Fn>;
  const heap = new WasmHeap(memory, (ex.heapBase() as number) + 1024, MAX_PAGES);

  let pool: WorkerPool | undefined;
  let threads = threadsWanted;
  if (threads > 1 && (!shared || !canBlock())) threads = 1;
  if (threads > 1) {
    const ctl = heap.alloc((threads - 1) * SLOT_BYTES);
    try {
      pool = await WorkerPool.create(module, memory, ctl, threads - 1, [...EXPORTS]);
    } catch {
      // Workers are an optimisation: without them every call runs on this thread.
      heap.release(ctl);
      threads = 1;
    }
  }
  return new WasmKernels(relaxed ? 'wasm-relaxed-simd' : 'wasm-simd128', threads, heap, ex, pool, shared, options.splitThreshold ?? 4e6);
}

class WasmKernels implements Kernels {
  private readonly fnIndex = new Map<string, number>(EXPORTS.map((n, i) => [n, i]));
  private disposed = false;

  constructor(
    readonly name: string,
    readonly threads: number,
    private readonly heap: WasmHeap,
    private readonly ex: Record<string, Fn>,
    private readonly pool: WorkerPool | undefined,
    private readonly shared: boolean,
    private readonly splitThreshold: number,
  ) {}

  // ---- memory ------------------------------------------------------------------------------

  allocF32(length: number): Float32Array {
    if (!this.shared) return new Float32Array(length);
    return this.heap.f32(this.heap.alloc(length * 4), length);
  }

  allocI32(length: number): Int32Array {
    if (!this.shared) return new Int32Array(length);
    return this.heap.i32(this.heap.alloc(length * 4), length);
  }

  free(a: Float32Array | Int32Array): void {
    if (this.shared && this.heap.owns(a)) this.heap.release(a.byteOffset);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.pool?.dispose();
  }

  // ---- plumbing ------------------------------------------------------------------------------

  /** Number of shares for a call of `work` flops over `units` splittable units. */
  private shares(work: number, units: number): number {
    if (this.threads <= 1 || work < this.splitThreshold || units < 2) return 1;
    return Math.min(this.threads, units);
  }

  /** Runs export `name` once per argument list (share 0 on this thread); results in share order. */
  private exec(name: ExportName, args: number[][]): number[] {
    const f = this.ex[name];
    const local = (a: number[]) => (f(...a) as number | undefined) ?? 0;
    if (args.length === 1 || !this.pool) return args.map(local);
    return this.pool.run(this.fnIndex.get(name)!, args, local);
  }

  private scoped<T>(body: (s: Scope) => T): T {
    if (this.disposed) throw new Error('wasm kernels: used after dispose()');
    const s = new Scope(this.heap, this.shared);
    let ok = false;
    try {
      const r = body(s);
      ok = true;
      return r;
    } finally {
      s.close(ok);
    }
  }

  // ---- dense products -------------------------------------------------------------------------

  denseXBt(X: Dense, B: Dense, out: Dense): void {
    const n = X.rows, p = X.cols, k = B.rows;
    if (n === 0 || k === 0) return;
    this.scoped((s) => {
      const x = s.in(X.data), b = s.in(B.data), o = s.out(out.data);
      const parts = this.shares(2 * n * p * k, Math.ceil(n / 4));
      const bnd = evenSplit(n, parts, 4);
      this.exec('denseXBt', ranges(bnd, (r0, r1) => [x, b, o, p, k, r0, r1]));
    });
  }

  denseAtX(A: Dense, X: Dense, out: Dense): void {
    const n = X.rows, p = X.cols, k = A.cols;
    if (k === 0 || p === 0) return;
    this.scoped((s) => {
      const a = s.in(A.data), x = s.in(X.data), o = s.out(out.data);
      const parts = this.shares(2 * n * p * k, Math.ceil(p / 8));
      const bnd = evenSplit(p, parts, 8);
      this.exec('denseAtX', ranges(bnd, (c0, c1) => [a, x, o, n, k, p, c0, c1]));
    });
  }

  denseAB(A: Dense, B: Dense, out: Dense): void {
    const n = A.rows, ka = A.cols, m = B.cols;
    if (n === 0 || m === 0) return;
    this.scoped((s) => {
      const a = s.in(A.data), b = s.in(B.data), o = s.out(out.data);
      const parts = this.shares(2 * n * ka * m, n);
      const bnd = evenSplit(n, parts);
      this.exec('denseAB', ranges(bnd, (r0, r1) => [a, b, o, ka, m, r0, r1]));
    });
  }

  gram(A: Dense, out: Dense): void {
    const n = A.rows, k = A.cols;
    if (k === 0) return;
    this.scoped((s) => {
      const a = s.in(A.data);
      const k4 = Math.ceil(k / 4) * 4, ld = Math.ceil(k / 8) * 8;
      const parts = this.shares(2 * n * k * k, Math.ceil(n / 64));
      const accBytes = k4 * ld * 8;
      const acc = s.scratch(parts * accBytes);
      const bnd = evenSplit(n, parts);
      this.exec('gramPart', ranges(bnd, (r0, r1, t) => [a, k, r0, r1, acc + t * accBytes, ld]));
      const accs = this.heap.f64(acc, (parts * accBytes) / 8);
      const o = out.data, stride = accBytes / 8;
      for (let i = 0; i < k; i++) {
        for (let j = i; j < k; j++) {
          let v = accs[i * ld + j];
          for (let t = 1; t < parts; t++) v += accs[t * stride + i * ld + j];
          o[i * k + j] = o[j * k + i] = v;
        }
      }
    });
  }

  // ---- sparse products ------------------------------------------------------------------------

  private csrPtrs(s: Scope, X: Csr): { ip: number; ix: number; xd: number; nnz: number } {
    return { ip: s.in(X.indptr), ix: s.in(X.indices), xd: s.in(X.data), nnz: X.indptr[X.rows] };
  }

  spmm(X: Csr, B: Dense, out: Dense): void {
    const k = B.cols;
    if (X.rows === 0 || k === 0) return;
    this.scoped((s) => {
      const { ip, ix, xd, nnz } = this.csrPtrs(s, X);
      const b = s.in(B.data), o = s.out(out.data);
      const bnd = csrSplit(X.indptr, X.rows, this.shares(2 * nnz * k, X.rows));
      this.exec('spmm', ranges(bnd, (r0, r1) => [ip, ix, xd, b, o, k, r0, r1]));
    });
  }

  spmmT(X: Csr, A: Dense, out: Dense): void {
    const k = A.cols, cols = X.cols;
    if (cols === 0 || k === 0) return;
    this.scoped((s) => {
      const { ip, ix, xd, nnz } = this.csrPtrs(s, X);
      const a = s.in(A.data);
      const kp = Math.ceil(k / 4) * 4;
      const parts = this.shares(2 * nnz * k, X.rows);
      const bnd = csrSplit(X.indptr, X.rows, parts);
      if (parts === 1 && kp === k) {
        const o = s.out(out.data);
        this.exec('spmmTPart', [[ip, ix, xd, a, o, k, kp, cols, 0, X.rows]]);
        return;
      }
      // One padded partial per share, then a column-split sum in share order, so the result
      // depends on the thread count but not on timing.
      const partBytes = cols * kp * 4;
      const part = s.scratch(parts * partBytes);
      this.exec('spmmTPart', ranges(bnd, (r0, r1, t) => [ip, ix, xd, a, part + t * partBytes, k, kp, cols, r0, r1]));
      const o = s.out(out.data);
      const cb = evenSplit(cols, this.shares(cols * kp * parts * 4, cols));
      this.exec('addParts', ranges(cb, (j0, j1) => [o, part, parts, partBytes, k, kp, j0, j1]));
    });
  }

  sddmm(X: Csr, A: Dense, B: Dense, out: Float32Array): void {
    const k = A.cols;
    const nnz = X.indptr[X.rows];
    if (nnz === 0) return;
    if (k === 0) {
      out.fill(0, 0, nnz);
      return;
    }
    this.scoped((s) => {
      const { ip, ix } = this.csrPtrs(s, X);
      const a = s.in(A.data), b = s.in(B.data), o = s.out(out);
      const bnd = csrSplit(X.indptr, X.rows, this.shares(2 * nnz * k, X.rows));
      this.exec('sddmm', ranges(bnd, (r0, r1) => [ip, ix, a, b, o, k, r0, r1]));
    });
  }

  ratioSpmm(X: Csr, A: Dense, B: Dense, eps: number, out: Dense): void {
    const k = A.cols;
    if (X.rows === 0 || k === 0) return;
    this.scoped((s) => {
      const { ip, ix, xd, nnz } = this.csrPtrs(s, X);
      const a = s.in(A.data), b = s.in(B.data), o = s.out(out.data);
      const bnd = csrSplit(X.indptr, X.rows, this.shares(4 * nnz * k, X.rows));
      const parts = bnd.length - 1;
      // k ≤ 32: one row of ratios per thread; wider k: every non-zero (global indexing).
      let rowMax = 0;
      if (k <= 32) for (let i = 0; i < X.rows; i++) rowMax = Math.max(rowMax, X.indptr[i + 1] - X.indptr[i]);
      const per = k <= 32 ? (rowMax + 4) * 4 : 0;
      const scratch = this.heap.alloc(k <= 32 ? parts * per : nnz * 4, false);
      s.adopt(scratch);
      this.exec('ratioSpmm', ranges(bnd, (r0, r1, t) => [ip, ix, xd, a, b, o, k, eps, scratch + t * per, r0, r1]));
    });
  }

  ratioSpmmT(X: Csr, A: Dense, B: Dense, eps: number, out: Dense): void {
    const k = A.cols, cols = X.cols;
    if (cols === 0 || k === 0) return;
    const nnz = X.indptr[X.rows];
    if (k > 32) {
      // Wider k: the three kernels in turn, the ratios in an ordinary array (a view of the wasm
      // memory could be detached by a growth in between when the memory is unshared).
      const r = new Float32Array(nnz);
      this.sddmm(X, A, B, r);
      this.nzRatios(X.data, r, eps);
      this.spmmT({ rows: X.rows, cols, indptr: X.indptr, indices: X.indices, data: r }, A, out);
      return;
    }
    this.scoped((s) => {
      const { ip, ix, xd } = this.csrPtrs(s, X);
      const a = s.in(A.data), b = s.in(B.data);
      const kp = Math.ceil(k / 4) * 4;
      // The shares and row split of spmmT, so the partial sums (and the result) are spmmT's.
      const parts = this.shares(2 * nnz * k, X.rows);
      const bnd = csrSplit(X.indptr, X.rows, parts);
      let rowMax = 0;
      for (let i = 0; i < X.rows; i++) rowMax = Math.max(rowMax, X.indptr[i + 1] - X.indptr[i]);
      const per = (rowMax + 4) * 4;
      const scratch = s.scratch(parts * per);
      if (parts === 1 && kp === k) {
        const o = s.out(out.data);
        this.exec('ratioSpmmTPart', [[ip, ix, xd, a, b, o, k, kp, cols, eps, scratch, 0, X.rows]]);
        return;
      }
      const partBytes = cols * kp * 4;
      const part = s.scratch(parts * partBytes);
      this.exec('ratioSpmmTPart', ranges(bnd, (r0, r1, t) => [ip, ix, xd, a, b, part + t * partBytes, k, kp, cols, eps, scratch + t * per, r0, r1]));
      const o = s.out(out.data);
      const cb = evenSplit(cols, this.shares(cols * kp * parts * 4, cols));
      this.exec('addParts', ranges(cb, (j0, j1) => [o, part, parts, partBytes, k, kp, j0, j1]));
    });
  }

  nzLossTerms(X: Csr, A: Dense, B: Dense, eps: number): { kl: number; cross: number } {
    const k = A.cols;
    const nnz = X.indptr[X.rows];
    if (nnz === 0) return { kl: 0, cross: 0 };
    return this.scoped((s) => {
      const { ip, ix, xd } = this.csrPtrs(s, X);
      const a = s.in(A.data), b = s.in(B.data);
      const scratch = k > 32 ? s.scratch(nnz * 4) : 0;
      // The logarithm costs about as much as 20 flops.
      const parts = this.shares(nnz * (2 * k + 20), X.rows);
      const res = s.scratch(parts * 16);
      const bnd = csrSplit(X.indptr, X.rows, parts);
      this.exec('nzLoss', ranges(bnd, (r0, r1, t) => [ip, ix, xd, a, b, k, eps, scratch, r0, r1, res + 16 * t]));
      const r = this.heap.f64(res, parts * 2);
      let kl = 0, cross = 0;
      for (let t = 0; t < parts; t++) {
        kl += r[2 * t];
        cross += r[2 * t + 1];
      }
      return { kl, cross };
    });
  }

  // ---- factor updates -------------------------------------------------------------------------

  halsSweep(F: Dense, A: Dense, B: Dense): number {
    const n = F.rows, k = F.cols;
    if (n === 0 || k === 0) return 0;
    return this.scoped((s) => {
      const f = s.inout(F.data), a = s.in(A.data);
      const kp = Math.ceil(k / 4) * 4;
      // B and Bᵀ with rows padded to whole vectors: the k ≤ 32 kernels update the gradient
      // row with columns of B, the generic one takes dot products with rows of B.
      const bp = s.scratch(k * kp * 4), bt = s.scratch(k * kp * 4);
      const bv = this.heap.f32(bp, k * kp), btv = this.heap.f32(bt, k * kp), bd = B.data;
      for (let t = 0; t < k; t++) {
        for (let r = 0; r < k; r++) {
          bv[t * kp + r] = bd[t * k + r];
          btv[r * kp + t] = bd[t * k + r];
        }
      }
      const bnd = evenSplit(n, this.shares(2 * n * k * k, n));
      const v = this.exec('halsSweep', ranges(bnd, (r0, r1) => [f, a, bp, bt, k, kp, r0, r1]));
      let viol = 0;
      for (const x of v) viol += x;
      return viol;
    });
  }

  muApply(F: Dense, num: Dense, den: Float32Array | Dense, eps: number, floor = MU_FLOOR): void {
    const n = F.rows, k = F.cols;
    if (n === 0 || k === 0) return;
    this.scoped((s) => {
      const isVec = ArrayBuffer.isView(den);
      const f = s.inout(F.data), nu = s.in(num.data);
      const d = s.in(isVec ? (den as Float32Array) : (den as Dense).data);
      const bnd = evenSplit(n, this.shares(8 * n * k, n));
      this.exec('muApply', ranges(bnd, (r0, r1) => [f, nu, d, k, isVec ? 1 : 0, eps, floor, r0, r1]));
    });
  }

  // ---- reductions and scalings ----------------------------------------------------------------

  colSums(A: Dense, out: Float64Array): void {
    const n = A.rows, k = A.cols;
    if (k === 0) return;
    this.scoped((s) => {
      const a = s.in(A.data);
      const parts = this.shares(8 * n * k, n);
      const acc = s.scratch(parts * k * 8);
      const bnd = evenSplit(n, parts);
      this.exec('colSums', ranges(bnd, (r0, r1, t) => [a, k, r0, r1, acc + t * k * 8]));
      const v = this.heap.f64(acc, parts * k);
      for (let t = 0; t < k; t++) {
        let x = v[t];
        for (let q = 1; q < parts; q++) x += v[q * k + t];
        out[t] = x;
      }
    });
  }

  sumSquares(a: Float32Array): number {
    const len = a.length;
    if (len === 0) return 0;
    return this.scoped((s) => {
      const p = s.in(a);
      const bnd = evenSplit(len, this.shares(8 * len, Math.ceil(len / 4)), 4);
      const v = this.exec('sumSquares', ranges(bnd, (q0, q1) => [p, q0, q1]));
      let r = 0;
      for (const x of v) r += x;
      return r;
    });
  }

  nzRatios(data: Float32Array, vals: Float32Array, eps: number): void {
    const len = vals.length;
    if (len === 0) return;
    this.scoped((s) => {
      const d = s.in(data), v = s.inout(vals);
      const bnd = evenSplit(len, this.shares(4 * len, Math.ceil(len / 4)), 4);
      this.exec('nzRatios', ranges(bnd, (q0, q1) => [d, v, eps, q0, q1]));
    });
  }

  scaleCols(A: Dense, sc: ArrayLike<number>): void {
    const n = A.rows, k = A.cols;
    if (n === 0 || k === 0) return;
    this.scoped((s) => {
      const a = s.inout(A.data);
      const sp = s.scratch(k * 8);
      const sv = this.heap.f64(sp, k);
      for (let t = 0; t < k; t++) sv[t] = sc[t];
      const bnd = evenSplit(n, this.shares(8 * n * k, n));
      this.exec('scaleCols', ranges(bnd, (r0, r1) => [a, sp, k, r0, r1]));
    });
  }

  scaleRows(A: Dense, sc: ArrayLike<number>): void {
    const n = A.rows, k = A.cols;
    if (n === 0 || k === 0) return;
    this.scoped((s) => {
      const a = s.inout(A.data);
      const sp = s.scratch(n * 8);
      const sv = this.heap.f64(sp, n);
      for (let i = 0; i < n; i++) sv[i] = sc[i];
      const bnd = evenSplit(n, this.shares(8 * n * k, n));
      this.exec('scaleRows', ranges(bnd, (r0, r1) => [a, sp, k, r0, r1]));
    });
  }

  // ---- float64 ------------------------------------------------------------------------------

  ratioPass64(X: Csr, h: number): RatioPass64 {
    if (this.disposed) throw new Error('wasm kernels: used after dispose()');
    // The kernel is specialised up to 16 f64x2 vectors; larger ranks take the TS loop.
    if (!(h >= 1 && h <= 32)) return createTsRatioPass64(X, h);
    return wasmRatioPass64(
      { heap: this.heap, exec: (args) => this.exec('ratioPass64', args), shares: (work, units) => this.shares(work, units), disposed: () => this.disposed },
      X,
      h,
    );
  }
}
