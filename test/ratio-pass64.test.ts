/**
 * SIID's float64 fused ratio pass (Kernels.ratioPass64): the generated TS loop, the generic TS
 * loop and the wasm kernel (both SIMD variants, 1 and 2 threads, shared and unshared memory)
 * against a direct float64 evaluation of outA = R·B, outB = Rᵀ·A and Σ x·log m, with
 * R = X / max(A·Bᵀ, 1e-300) at the stored entries.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Csr } from '../src/linalg/csr.js';
import type { Kernels } from '../src/linalg/kernels.js';
import { Rng } from '../src/linalg/rng.js';
import { createTsKernels } from '../src/linalg/ts-kernels.js';
import { MODEL_FLOOR, modelAtNonzeros, ratioPass, ratioPassGeneric } from '../src/linalg/ratio-pass64.js';
import { createWasmKernels } from '../src/linalg/wasm/index.js';

const made: Kernels[] = [];
after(() => made.forEach((k) => k.dispose()));

/** Random counts (Poisson-like, up to a few hundred) with empty rows and a long row. */
function counts(rng: Rng, rows: number, cols: number, density: number): Csr {
  const indptr = new Int32Array(rows + 1);
  const idx: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < rows; i++) {
    const d = i % 5 === 2 ? 0 : i === 1 ? 1 : density;
    for (let j = 0; j < cols; j++) {
      if (rng.uniform() < d) {
        idx.push(j);
        val.push(Math.floor(-Math.log(rng.uniform() + 1e-12) * (j % 3 === 0 ? 40 : 2)) + 1);
      }
    }
    indptr[i + 1] = idx.length;
  }
  return { rows, cols, indptr, indices: Int32Array.from(idx), data: Float32Array.from(val) };
}

/** The pass written out directly from its definition. */
function direct(X: Csr, A: Float64Array, B: Float64Array, h: number) {
  const m = new Float64Array(X.indptr[X.rows]);
  modelAtNonzeros(X, A, B, h, m);
  const outA = new Float64Array(X.rows * h), outB = new Float64Array(X.cols * h);
  let ll = 0;
  for (let i = 0; i < X.rows; i++) {
    for (let q = X.indptr[i]; q < X.indptr[i + 1]; q++) {
      const mm = Math.max(m[q], MODEL_FLOOR);
      const x = X.data[q], j = X.indices[q];
      ll += x * Math.log(mm);
      for (let k = 0; k < h; k++) {
        outA[i * h + k] += (x / mm) * B[j * h + k];
        outB[j * h + k] += (x / mm) * A[i * h + k];
      }
    }
  }
  return { outA, outB, ll };
}

function close(got: Float64Array, want: Float64Array, rel: number, what: string): void {
  let scale = 0;
  for (const v of want) scale = Math.max(scale, Math.abs(v));
  for (let t = 0; t < want.length; t++) {
    assert.ok(Math.abs(got[t] - want[t]) <= rel * (Math.abs(want[t]) + 1e-3 * scale), `${what}[${t}]: ${got[t]} vs ${want[t]}`);
  }
}

async function backends(): Promise<Array<[string, Kernels]>> {
  const out: Array<[string, Kernels]> = [['ts', createTsKernels()]];
  for (const [variant, threads, shared] of [['simd128', 1, true], ['simd128', 2, true], ['auto', 2, true], ['auto', 1, false]] as const) {
    const k = await createWasmKernels({ variant, threads, splitThreshold: 0, sharedMemory: shared });
    assert.ok(k, 'WebAssembly SIMD is available in Node 20');
    made.push(k);
    out.push([`${k.name}/${k.threads}t/${shared ? 'shared' : 'unshared'}`, k]);
  }
  return out;
}

test('every backend computes the ratio pass to 1e-12 of the direct float64 formula', async () => {
  const rng = new Rng(11);
  const X = counts(rng, 57, 41, 0.35);
  for (const [name, k] of await backends()) {
    for (const h of [1, 2, 3, 8, 13, 20, 32, 33]) {
      const A = Float64Array.from({ length: X.rows * h }, () => rng.uniform() * 2);
      const B = Float64Array.from({ length: X.cols * h }, () => rng.uniform());
      // One model value at the floor: a zero row of A must give m = 1e-300, not NaN.
      A.fill(0, 3 * h, 4 * h);
      const want = direct(X, A, B, h);
      const pass = k.ratioPass64(X, h);
      const outA = new Float64Array(X.rows * h).fill(NaN), outB = new Float64Array(X.cols * h).fill(NaN);
      for (const withLog of [true, false, true]) {
        const ll = pass.run(A, B, outA, outB, withLog);
        close(outA, want.outA, 1e-12, `${name} h=${h} outA`);
        close(outB, want.outB, 1e-12, `${name} h=${h} outB`);
        if (withLog) assert.ok(Math.abs(ll - want.ll) <= 1e-12 * Math.abs(want.ll), `${name} h=${h}: Σ x log m ${ll} vs ${want.ll}`);
        else assert.equal(ll, 0);
      }
      pass.dispose();
    }
  }
});

test('the wasm pass is bit-identical across reruns and matches the TS pass on skewed counts', async () => {
  const rng = new Rng(5);
  const X = counts(rng, 400, 300, 0.3);
  const h = 8;
  const A = Float64Array.from({ length: X.rows * h }, () => rng.uniform());
  const B = Float64Array.from({ length: X.cols * h }, () => rng.uniform() * 1e-3);
  const tsA = new Float64Array(X.rows * h), tsB = new Float64Array(X.cols * h);
  const tsLl = ratioPass(X, A, B, h, tsA, tsB, true);
  const gA = tsA.slice(), gB = tsB.slice();
  const gLl = ratioPassGeneric(X, A, B, h, gA, gB, true);
  assert.ok(Math.abs(gLl - tsLl) <= 1e-12 * Math.abs(tsLl));
  close(gA, tsA, 1e-12, 'generic outA');
  const k = await createWasmKernels({ threads: 2, splitThreshold: 0 });
  assert.ok(k);
  made.push(k);
  const pass = k.ratioPass64(X, h);
  const runs = [0, 1].map(() => {
    const oa = new Float64Array(X.rows * h), ob = new Float64Array(X.cols * h);
    return { ll: pass.run(A, B, oa, ob, true), oa, ob };
  });
  pass.dispose();
  assert.equal(runs[0].ll, runs[1].ll);
  assert.deepEqual(runs[0].oa, runs[1].oa);
  assert.deepEqual(runs[0].ob, runs[1].ob);
  assert.ok(Math.abs(runs[0].ll - tsLl) <= 1e-12 * Math.abs(tsLl), `wasm ${runs[0].ll} vs ts ${tsLl}`);
  close(runs[0].oa, tsA, 1e-12, 'wasm outA');
  close(runs[0].ob, tsB, 1e-12, 'wasm outB');
  assert.throws(() => pass.run(A, B, runs[0].oa, runs[0].ob, true), /after dispose/);
});
