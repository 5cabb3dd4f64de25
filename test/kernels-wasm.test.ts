import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Csr } from '../src/linalg/csr.js';
import type { Dense } from '../src/linalg/dense.js';
import type { Kernels } from '../src/linalg/kernels.js';
import { createTsKernels } from '../src/linalg/ts-kernels.js';
import { Rng } from '../src/linalg/rng.js';
import { createKernels, createWasmKernels } from '../src/linalg/wasm/index.js';

const ts = createTsKernels();
const backends: Kernels[] = [];
async function make(threads: number, variant: 'auto' | 'simd128' = 'auto', sharedMemory = true): Promise<Kernels> {
  const k = await createWasmKernels({ threads, splitThreshold: 0, variant, sharedMemory });
  assert.ok(k, 'WebAssembly SIMD is available in Node 20');
  backends.push(k);
  return k;
}
after(() => {
  for (const b of backends) b.dispose();
});

// ---- data --------------------------------------------------------------------------------------

function randDense(rng: Rng, rows: number, cols: number, signed = false): Dense {
  const d = new Float32Array(rows * cols);
  for (let q = 0; q < d.length; q++) d[q] = signed ? rng.uniform() * 2 - 1 : rng.uniform() + 0.05;
  return { rows, cols, data: d };
}

/** Random CSR with empty rows (0, every 7th, last) and empty columns (1 and the last). */
function randCsr(rng: Rng, rows: number, cols: number, density: number): Csr {
  const indptr = new Int32Array(rows + 1);
  const idx: number[] = [], val: number[] = [];
  for (let i = 0; i < rows; i++) {
    const empty = i === 0 || i % 7 === 3 || i === rows - 1;
    for (let j = 0; j < cols && !empty; j++) {
      if (j === 1 || j === cols - 1) continue;
      if (rng.uniform() < density) {
        idx.push(j);
        val.push(1 + Math.floor(rng.uniform() * 9));
      }
    }
    indptr[i + 1] = idx.length;
  }
  return { rows, cols, indptr, indices: Int32Array.from(idx), data: Float32Array.from(val) };
}

/** The same matrix with storage from `kern.alloc*` (or plain arrays when `owned` is false). */
function place(kern: Kernels, d: Dense, owned: boolean): Dense {
  if (!owned) return { rows: d.rows, cols: d.cols, data: d.data.slice() };
  const a = kern.allocF32(d.data.length);
  a.set(d.data);
  return { rows: d.rows, cols: d.cols, data: a };
}
function placeCsr(kern: Kernels, x: Csr, owned: boolean): Csr {
  if (!owned) return { ...x, indptr: x.indptr.slice(), indices: x.indices.slice(), data: x.data.slice() };
  const ip = kern.allocI32(x.indptr.length), ix = kern.allocI32(x.indices.length), xd = kern.allocF32(x.data.length);
  ip.set(x.indptr);
  ix.set(x.indices);
  xd.set(x.data);
  return { rows: x.rows, cols: x.cols, indptr: ip, indices: ix, data: xd };
}
function outDense(kern: Kernels, rows: number, cols: number, owned: boolean): Dense {
  const data = owned ? kern.allocF32(rows * cols) : new Float32Array(rows * cols);
  data.fill(NaN); // outputs must be overwritten, never accumulated into
  return { rows, cols, data };
}

/** |a − e| ≤ rtol·(|e| + floor·max|e|) entry by entry. */
function close(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, rtol = 1e-5, floor = 1e-3): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let scale = 0;
  for (let q = 0; q < expected.length; q++) scale = Math.max(scale, Math.abs(expected[q]));
  for (let q = 0; q < expected.length; q++) {
    const e = expected[q], a = actual[q];
    const tol = rtol * (Math.abs(e) + floor * scale) + 1e-30;
    if (!(Math.abs(a - e) <= tol)) assert.fail(`${what}: entry ${q} is ${a}, expected ${e} (tolerance ${tol})`);
  }
}
function closeNum(a: number, e: number, scale: number, what: string, rtol = 1e-5): void {
  assert.ok(Math.abs(a - e) <= rtol * scale, `${what}: ${a} vs ${e} (scale ${scale})`);
}

// ---- every kernel against the TypeScript reference ---------------------------------------------

const K_VALUES = [1, 3, 20, 33];

async function checkAll(threads: number, owned: boolean, variant: 'auto' | 'simd128' = 'auto', sharedMemory = true): Promise<void> {
  const kern = await make(threads, variant, sharedMemory);
  assert.equal(kern.threads, sharedMemory ? threads : 1);
  const tag = `${kern.name} threads=${threads} ${owned ? 'alloc' : 'plain'}`;
  for (const k of K_VALUES) {
    const rng = new Rng(1000 + k);
    const n = 37, p = 29; // neither a multiple of the 4-row tile nor of the 4-lane vector
    const X = randDense(rng, n, p);
    const H = randDense(rng, k, p);
    const W = randDense(rng, n, k);
    const S = randDense(rng, k, k);
    const C = randCsr(rng, 41, 23, 0.3);
    const Cw = randDense(rng, 41, k), Ch = randDense(rng, 23, k);
    const t = `${tag} k=${k}`;

    // dense products
    let e = outDense(ts, n, k, false);
    ts.denseXBt(X, H, e);
    let o = outDense(kern, n, k, owned);
    kern.denseXBt(place(kern, X, owned), place(kern, H, owned), o);
    close(o.data, e.data, `denseXBt ${t}`);

    e = outDense(ts, k, p, false);
    ts.denseAtX(W, X, e);
    o = outDense(kern, k, p, owned);
    kern.denseAtX(place(kern, W, owned), place(kern, X, owned), o);
    close(o.data, e.data, `denseAtX ${t}`);

    e = outDense(ts, n, k, false);
    ts.denseAB(W, S, e);
    o = outDense(kern, n, k, owned);
    kern.denseAB(place(kern, W, owned), place(kern, S, owned), o);
    close(o.data, e.data, `denseAB ${t}`);
    const Wide = randDense(rng, n, 5); // k x m with m != k
    const Bwide = randDense(rng, 5, k + 2);
    e = outDense(ts, n, k + 2, false);
    ts.denseAB(Wide, Bwide, e);
    o = outDense(kern, n, k + 2, owned);
    kern.denseAB(place(kern, Wide, owned), place(kern, Bwide, owned), o);
    close(o.data, e.data, `denseAB (m=k+2) ${t}`);

    e = outDense(ts, k, k, false);
    ts.gram(W, e);
    o = outDense(kern, k, k, owned);
    kern.gram(place(kern, W, owned), o);
    close(o.data, e.data, `gram ${t}`);
    for (let s = 0; s < k; s++) for (let r = 0; r < k; r++) assert.equal(o.data[s * k + r], o.data[r * k + s], `gram symmetric ${t}`);

    // sparse products
    e = outDense(ts, C.rows, k, false);
    ts.spmm(C, Ch, e);
    o = outDense(kern, C.rows, k, owned);
    kern.spmm(placeCsr(kern, C, owned), place(kern, Ch, owned), o);
    close(o.data, e.data, `spmm ${t}`);

    e = outDense(ts, C.cols, k, false);
    ts.spmmT(C, Cw, e);
    o = outDense(kern, C.cols, k, owned);
    kern.spmmT(placeCsr(kern, C, owned), place(kern, Cw, owned), o);
    close(o.data, e.data, `spmmT ${t}`);

    const nnz = C.indptr[C.rows];
    const es = new Float32Array(nnz);
    ts.sddmm(C, Cw, Ch, es);
    const os = owned ? kern.allocF32(nnz) : new Float32Array(nnz);
    kern.sddmm(placeCsr(kern, C, owned), place(kern, Cw, owned), place(kern, Ch, owned), os);
    close(os, es, `sddmm ${t}`);

    e = outDense(ts, C.rows, k, false);
    ts.ratioSpmm(C, Cw, Ch, 1e-10, e);
    o = outDense(kern, C.rows, k, owned);
    kern.ratioSpmm(placeCsr(kern, C, owned), place(kern, Cw, owned), place(kern, Ch, owned), 1e-10, o);
    close(o.data, e.data, `ratioSpmm ${t}`);
    // eps larger than every model value: every ratio is x/eps
    e = outDense(ts, C.rows, k, false);
    ts.ratioSpmm(C, Cw, Ch, 1e4, e);
    o = outDense(kern, C.rows, k, owned);
    kern.ratioSpmm(placeCsr(kern, C, owned), place(kern, Cw, owned), place(kern, Ch, owned), 1e4, o);
    close(o.data, e.data, `ratioSpmm eps=1e4 ${t}`);

    const lt = ts.nzLossTerms(C, Cw, Ch, 1e-10);
    const lw = kern.nzLossTerms(placeCsr(kern, C, owned), place(kern, Cw, owned), place(kern, Ch, owned), 1e-10);
    let sx = 0, sxl = 0;
    for (let q = 0; q < nnz; q++) sx += C.data[q];
    for (let q = 0; q < nnz; q++) sxl += C.data[q] * (1 + Math.abs(Math.log(C.data[q])));
    closeNum(lw.cross, lt.cross, lt.cross, `nzLossTerms cross ${t}`);
    // Per-term error is x·(relative error of m), so scale by Σx·(1+|log x|).
    closeNum(lw.kl, lt.kl, sxl + sx, `nzLossTerms kl ${t}`);

    // factor updates
    const A = randDense(rng, n, k);
    const G = randDense(rng, k, p);
    const B = { rows: k, cols: k, data: new Float32Array(k * k) };
    ts.denseXBt(G, G, B); // a realistic Hessian G·Gᵀ
    ts.denseXBt(X, G, A);
    const F0 = randDense(rng, n, k);
    for (let q = 0; q < F0.data.length; q += 5) F0.data[q] = 0; // exercise the projected gradient at 0
    const Ft = { ...F0, data: F0.data.slice() };
    const vt = ts.halsSweep(Ft, A, B);
    const Fw = place(kern, F0, owned);
    const vw = kern.halsSweep(Fw, place(kern, A, owned), place(kern, B, owned));
    // The float32 gradient F·B − A cancels near the optimum, so errors scale with |F|, not
    // with each entry: compare against 2% of the largest entry (about 1e-6 absolute here).
    close(Fw.data, Ft.data, `halsSweep F ${t}`, 1e-4, 0.02);
    closeNum(vw, vt, vt, `halsSweep violation ${t}`, 1e-4);
    const Bz = { ...B, data: B.data.slice() };
    Bz.data[0] = 0; // a zero diagonal skips the update of that component
    const Ft2 = { ...F0, data: F0.data.slice() };
    ts.halsSweep(Ft2, A, Bz);
    const Fw2 = place(kern, F0, owned);
    kern.halsSweep(Fw2, place(kern, A, owned), place(kern, Bz, owned));
    close(Fw2.data, Ft2.data, `halsSweep zero diagonal ${t}`, 1e-4, 0.02);

    const num = randDense(rng, n, k);
    const denM = randDense(rng, n, k);
    denM.data[3] = 0;
    const denV = randDense(rng, 1, k).data;
    denV[0] = 0;
    for (const den of [denM, denV]) {
      const Fa = { ...F0, data: F0.data.slice() };
      ts.muApply(Fa, num, den, 1e-7);
      const Fb = place(kern, F0, owned);
      const denP = ArrayBuffer.isView(den) ? (owned ? place(kern, { rows: 1, cols: k, data: den }, true).data : den.slice()) : place(kern, den, owned);
      kern.muApply(Fb, place(kern, num, owned), denP, 1e-7);
      // Computed in float64 and rounded once, exactly like the reference.
      assert.deepEqual(Array.from(Fb.data), Array.from(Fa.data), `muApply ${ArrayBuffer.isView(den) ? 'vector' : 'matrix'} ${t}`);
    }

    // reductions and scalings
    const Xs = randDense(rng, n, k, true);
    const ct = new Float64Array(k), cw = new Float64Array(k).fill(NaN);
    ts.colSums(Xs, ct);
    kern.colSums(place(kern, Xs, owned), cw);
    close(cw, ct, `colSums ${t}`, 1e-12);
    closeNum(kern.sumSquares(place(kern, Xs, owned).data), ts.sumSquares(Xs.data), ts.sumSquares(Xs.data), `sumSquares ${t}`, 1e-12);
    // Poisson ratios at the non-zeros: x / max(model, eps), float32, models below eps (and 0) included.
    const model = randDense(rng, n, k, true).data;
    for (let q = 0; q < model.length; q += 5) model[q] = q % 2 ? 0 : 1e-9;
    const ra = model.slice();
    ts.nzRatios(Xs.data, ra, 1e-7);
    const rb = owned ? place(kern, { rows: n, cols: k, data: model }, true).data : model.slice();
    kern.nzRatios(owned ? place(kern, Xs, true).data : Xs.data, rb, 1e-7);
    assert.deepEqual(Array.from(rb), Array.from(ra), `nzRatios ${t}`);
    const scol = Array.from({ length: k }, (_, q) => 0.5 + q / 7);
    const srow = Float64Array.from({ length: n }, (_, q) => 1.5 - q / 50);
    const Sa = { ...Xs, data: Xs.data.slice() };
    ts.scaleCols(Sa, scol);
    ts.scaleRows(Sa, srow);
    const Sb = place(kern, Xs, owned);
    kern.scaleCols(Sb, scol);
    kern.scaleRows(Sb, srow);
    assert.deepEqual(Array.from(Sb.data), Array.from(Sa.data), `scaleCols/scaleRows ${t}`);
  }
}

test('wasm kernels match the TS reference: 1 thread, backend-allocated inputs', async () => {
  await checkAll(1, true);
});
test('wasm kernels match the TS reference: 1 thread, plain arrays (copied in and out)', async () => {
  await checkAll(1, false);
});
test('wasm kernels match the TS reference: 2 threads, every call split', async () => {
  await checkAll(2, true);
  await checkAll(2, false);
});
test('plain SIMD128 build (no relaxed FMA) matches the TS reference', async () => {
  await checkAll(1, true, 'simd128');
});

test('unshared memory (pages without cross-origin isolation): one thread, inputs copied, same results', async () => {
  await checkAll(2, true, 'auto', false);
  await checkAll(1, true, 'simd128', false);
});

test('nzLossTerms: the vectorised float64 log agrees with Math.log to rounding, over 50 orders of magnitude', async () => {
  const kern = await make(1);
  const rng = new Rng(8);
  const rows = 300, c = 7, k = 3, nnz = rows * c;
  const x = new Float32Array(nnz);
  for (let q = 0; q < nnz; q++) x[q] = Math.exp((rng.uniform() - 0.5) * 115); // 1e-25 .. 1e25
  x[5] = 0; // a stored zero contributes its limit 0
  const X: Csr = {
    rows, cols: c,
    indptr: Int32Array.from({ length: rows + 1 }, (_, i) => i * c),
    indices: Int32Array.from({ length: nnz }, (_, q) => q % c),
    data: x,
  };
  const A = randDense(rng, rows, k), B = randDense(rng, c, k);
  const m = new Float32Array(nnz);
  kern.sddmm(X, A, B, m);
  let kl = 0, cross = 0, abs = 0;
  for (let q = 0; q < nnz; q++) {
    if (x[q] === 0) continue;
    const t = x[q] * Math.log(x[q] / m[q]);
    kl += t;
    abs += Math.abs(t);
    cross += x[q] * m[q];
  }
  const r = kern.nzLossTerms(X, A, B, 1e-30);
  assert.ok(Math.abs(r.kl - kl) <= 1e-13 * abs, `kl ${r.kl} vs ${kl}`);
  assert.ok(Math.abs(r.cross - cross) <= 1e-13 * cross, `cross ${r.cross} vs ${cross}`);
});

test('edge shapes: nnz = 0, zero rows, one row, one column', async () => {
  for (const threads of [1, 2]) {
    const kern = await make(threads);
    const rng = new Rng(5);
    const empty: Csr = { rows: 6, cols: 4, indptr: new Int32Array(7), indices: new Int32Array(0), data: new Float32Array(0) };
    const B = randDense(rng, 4, 3), A = randDense(rng, 6, 3);
    const o = outDense(kern, 6, 3, true);
    kern.spmm(empty, B, o);
    assert.deepEqual(Array.from(o.data), new Array(18).fill(0));
    const ot = outDense(kern, 4, 3, false);
    kern.spmmT(empty, A, ot);
    assert.deepEqual(Array.from(ot.data), new Array(12).fill(0));
    kern.ratioSpmm(empty, A, B, 1e-10, o);
    assert.deepEqual(Array.from(o.data), new Array(18).fill(0));
    assert.deepEqual(kern.nzLossTerms(empty, A, B, 1e-10), { kl: 0, cross: 0 });
    kern.sddmm(empty, A, B, new Float32Array(0));
    const g = outDense(kern, 3, 3, true);
    kern.gram({ rows: 0, cols: 3, data: new Float32Array(0) }, g);
    assert.deepEqual(Array.from(g.data), new Array(9).fill(0));
    const at = outDense(kern, 3, 5, true);
    kern.denseAtX({ rows: 0, cols: 3, data: new Float32Array(0) }, { rows: 0, cols: 5, data: new Float32Array(0) }, at);
    assert.deepEqual(Array.from(at.data), new Array(15).fill(0));
    for (const [n, p, k] of [[1, 1, 1], [1, 7, 2], [5, 1, 4], [9, 4, 8]]) {
      const X = randDense(rng, n, p), H = randDense(rng, k, p);
      const e = outDense(ts, n, k, false), w = outDense(kern, n, k, true);
      ts.denseXBt(X, H, e);
      kern.denseXBt(X, H, w);
      close(w.data, e.data, `denseXBt ${n}x${p} k=${k}`);
      const W = randDense(rng, n, k);
      const e2 = outDense(ts, k, p, false), w2 = outDense(kern, k, p, false);
      ts.denseAtX(W, X, e2);
      kern.denseAtX(W, X, w2);
      close(w2.data, e2.data, `denseAtX ${n}x${p} k=${k}`);
    }
  }
});

test('larger shapes: thread splits balanced by nnz agree with the reference', async () => {
  const kern = await make(2);
  const rng = new Rng(77);
  for (const k of [8, 20]) {
    const C = randCsr(rng, 700, 300, 0.1);
    const Ww = randDense(rng, 700, k), Hh = randDense(rng, 300, k);
    const e = outDense(ts, 700, k, false), o = outDense(kern, 700, k, true);
    ts.ratioSpmm(C, Ww, Hh, 1e-10, e);
    kern.ratioSpmm(placeCsr(kern, C, true), place(kern, Ww, true), place(kern, Hh, true), 1e-10, o);
    close(o.data, e.data, `ratioSpmm 700x300 k=${k}`);
    const et = outDense(ts, 300, k, false), ot = outDense(kern, 300, k, true);
    ts.spmmT(C, Ww, et);
    kern.spmmT(placeCsr(kern, C, true), place(kern, Ww, true), ot);
    close(ot.data, et.data, `spmmT 700x300 k=${k}`);
    const X = randDense(rng, 301, 257), H = randDense(rng, k, 257);
    const ex = outDense(ts, 301, k, false), ox = outDense(kern, 301, k, true);
    ts.denseXBt(X, H, ex);
    kern.denseXBt(place(kern, X, true), place(kern, H, true), ox);
    close(ox.data, ex.data, `denseXBt 301x257 k=${k}`);
    const Wx = randDense(rng, 301, k);
    const ea = outDense(ts, k, 257, false), oa = outDense(kern, k, 257, true);
    ts.denseAtX(Wx, X, ea);
    kern.denseAtX(place(kern, Wx, true), place(kern, X, true), oa);
    close(oa.data, ea.data, `denseAtX 301x257 k=${k}`);
  }
});

test('same inputs and thread count give bit-identical outputs', async () => {
  for (const threads of [1, 2]) {
    const kern = await make(threads);
    const rng = new Rng(99);
    const k = 20;
    const C = placeCsr(kern, randCsr(rng, 500, 200, 0.15), true);
    const W = place(kern, randDense(rng, 500, k), true), Ht = place(kern, randDense(rng, 200, k), true);
    const X = place(kern, randDense(rng, 203, 150), true), H = place(kern, randDense(rng, k, 150), true);
    const run = () => {
      const r: number[][] = [];
      const o1 = outDense(kern, 500, k, true); kern.spmm(C, Ht, o1); r.push(Array.from(o1.data));
      const o2 = outDense(kern, 200, k, true); kern.spmmT(C, W, o2); r.push(Array.from(o2.data));
      const o3 = outDense(kern, 500, k, true); kern.ratioSpmm(C, W, Ht, 1e-10, o3); r.push(Array.from(o3.data));
      const s = kern.allocF32(C.indptr[C.rows]); kern.sddmm(C, W, Ht, s); r.push(Array.from(s));
      const l = kern.nzLossTerms(C, W, Ht, 1e-10); r.push([l.kl, l.cross]);
      const o4 = outDense(kern, k, k, true); kern.gram(W, o4); r.push(Array.from(o4.data));
      const o5 = outDense(kern, 203, k, true); kern.denseXBt(X, H, o5); r.push(Array.from(o5.data));
      const o6 = outDense(kern, k, 150, true); kern.denseAtX(place(kern, randDense(new Rng(3), 203, k), true), X, o6); r.push(Array.from(o6.data));
      const F = place(kern, randDense(new Rng(4), 500, k), true);
      const v = kern.halsSweep(F, o3, o4); r.push(Array.from(F.data), [v]);
      const cs = new Float64Array(k); kern.colSums(W, cs); r.push(Array.from(cs));
      r.push([kern.sumSquares(W.data)]);
      return r;
    };
    const a = run(), b = run();
    assert.equal(a.length, b.length);
    for (let q = 0; q < a.length; q++) {
      const x = new Float64Array(a[q]), y = new Float64Array(b[q]);
      assert.deepEqual(new Uint8Array(x.buffer), new Uint8Array(y.buffer), `output ${q} differs between two runs with ${threads} threads`);
    }
  }
});

test('views from alloc stay valid across memory growth; free reuses zeroed storage', async () => {
  const kern = await make(1);
  const v = kern.allocF32(1000);
  v.fill(2);
  const big = kern.allocF32(40 * 1024 * 1024); // 160 MiB: forces the memory to grow
  big[big.length - 1] = 1;
  assert.equal(v.length, 1000);
  v[999] = 3;
  assert.equal(kern.sumSquares(v), 999 * 4 + 9); // the kernel sees writes made through the old view
  kern.free(big);
  const again = kern.allocF32(1000);
  assert.ok(again.every((x) => x === 0));
  kern.free(again);
  kern.free(new Float32Array(3)); // foreign arrays are ignored
});

test('createKernels registers the wasm backend; threads option is honoured', async () => {
  const k1 = await createKernels({ backend: 'wasm', threads: 2 });
  backends.push(k1);
  assert.match(k1.name, /^wasm-/);
  assert.equal(k1.threads, 2);
  const k2 = await createKernels({ backend: 'auto' });
  backends.push(k2);
  assert.match(k2.name, /^wasm-/);
  const ts2 = await createKernels({ backend: 'ts' });
  assert.equal(ts2.name, 'ts');
});

test('a process with live worker threads exits without dispose()', () => {
  const mod = new URL('../src/linalg/wasm/index.js', import.meta.url);
  const script = `const { createWasmKernels } = await import(${JSON.stringify(mod.href)});
const k = await createWasmKernels({ threads: 2, splitThreshold: 0 });
const a = k.allocF32(1000).fill(1);
console.log(k.threads, k.sumSquares(a));`;
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20000, cwd: fileURLToPath(new URL('.', import.meta.url)) });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '2 1000');
  assert.ok(Date.now() - t0 < 15000);
});

test('ratioSpmmT is bit for bit sddmm, nzRatios and spmmT in turn, on 1 and 2 threads, every k', async () => {
  const rng = new Rng(41);
  for (const threads of [1, 2]) {
    const kern = await make(threads);
    for (const k of [1, 3, 4, 8, 20, 32, 33]) {
      const X = randCsr(rng, 300, 90, 0.15);
      const A = randDense(rng, X.rows, k), B = randDense(rng, X.cols, k);
      // Tiny model values next to eps exercise the floor of the ratio.
      for (let q = 0; q < 5; q++) A.data[q] = 1e-9;
      const nnz = X.indptr[X.rows];
      const r = new Float32Array(nnz);
      kern.sddmm(X, A, B, r);
      kern.nzRatios(X.data, r, 1.1920928955078125e-7);
      const composed = { rows: X.cols, cols: k, data: new Float32Array(X.cols * k) };
      kern.spmmT({ ...X, data: r }, A, composed);
      for (const owned of [false, true]) {
        const fused = place(kern, { rows: X.cols, cols: k, data: new Float32Array(X.cols * k) }, owned);
        kern.ratioSpmmT(placeCsr(kern, X, owned), place(kern, A, owned), place(kern, B, owned), 1.1920928955078125e-7, fused);
        assert.deepEqual(fused.data, composed.data, `k = ${k}, ${threads} thread(s), ${owned ? 'kernel' : 'plain'} arrays`);
      }
      const ref = { rows: X.cols, cols: k, data: new Float32Array(X.cols * k) };
      ts.ratioSpmmT(X, A, B, 1.1920928955078125e-7, ref);
      let gap = 0, top = 0;
      for (let q = 0; q < ref.data.length; q++) {
        gap = Math.max(gap, Math.abs(ref.data[q] - composed.data[q]));
        top = Math.max(top, Math.abs(ref.data[q]));
      }
      assert.ok(gap <= 1e-5 * top, `k = ${k}: the TS reference differs by ${gap / top}`);
    }
  }
});
