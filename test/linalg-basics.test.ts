import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalRows, csrFromCoo, csrFromDense, csrToDense, fromRows, selectCols, selectRows, transposeCsr, transposeDense } from '../src/linalg/index.js';
import { Rng } from '../src/linalg/rng.js';

test('csr: coo build sums duplicates, sorts columns and drops zeros', () => {
  const a = csrFromCoo(2, 3, [0, 0, 1, 0, 1], [2, 0, 1, 2, 1], [1, 5, 2, 3, -2]);
  assert.deepEqual(Array.from(a.indptr), [0, 2, 2]);
  assert.deepEqual(Array.from(a.indices), [0, 2]);
  assert.deepEqual(Array.from(a.data), [5, 4]);
});

test('csr: canonicalRows (behind csrFromCoo and the readers) equals a dense float64 oracle on random unsorted rows with duplicates', () => {
  const rng = new Rng(3);
  for (let trial = 0; trial < 20; trial++) {
    const rows = 1 + Math.floor(rng.uniform() * 8), cols = 1 + Math.floor(rng.uniform() * 6);
    const ri: number[] = [], ci: number[] = [], v: number[] = [];
    for (let t = 0; t < 40; t++) {
      ri.push(Math.floor(rng.uniform() * rows));
      ci.push(Math.floor(rng.uniform() * cols));
      v.push(rng.uniform() < 0.2 ? 0 : Math.round(rng.uniform() * 6 - 2) * 0.5); // zeros, and pairs that cancel
    }
    const oracle = new Float64Array(rows * cols);
    ri.forEach((i, t) => (oracle[i * cols + ci[t]] += v[t]));
    // Rows bucketed in input order, as a reader or csrFromCoo hands them over.
    const indptr = new Int32Array(rows + 1);
    ri.forEach((i) => indptr[i + 1]++);
    for (let i = 0; i < rows; i++) indptr[i + 1] += indptr[i];
    const next = indptr.slice(0, rows);
    const indices = new Int32Array(ri.length), data = new Float32Array(ri.length);
    ri.forEach((i, t) => {
      const q = next[i]++;
      indices[q] = ci[t];
      data[q] = v[t];
    });
    for (const dropZeros of [false, true]) {
      const a = canonicalRows({ rows, cols, indptr, indices, data }, dropZeros);
      const seen = new Float64Array(rows * cols).fill(NaN);
      for (let i = 0; i < rows; i++) {
        for (let p = a.indptr[i]; p < a.indptr[i + 1]; p++) {
          if (p > a.indptr[i]) assert.ok(a.indices[p] > a.indices[p - 1], 'sorted, unique within a row');
          if (dropZeros) assert.notEqual(a.data[p], 0, 'no stored zero');
          seen[i * cols + a.indices[p]] = a.data[p];
        }
      }
      for (let e = 0; e < rows * cols; e++) {
        const stored = !Number.isNaN(seen[e]);
        if (stored) assert.ok(seen[e] === Math.fround(oracle[e]), `${seen[e]} stored where the sum is ${oracle[e]}`);
        else assert.equal(oracle[e], 0, 'a non-zero sum is stored');
        // Without dropZeros a cell any triplet touched stays stored, zero or not.
        if (!dropZeros) assert.equal(stored, ri.some((i, t) => i * cols + ci[t] === e));
      }
    }
    const b = csrFromCoo(rows, cols, ri, ci, v);
    assert.deepEqual(b, canonicalRows({ rows, cols, indptr, indices, data: Float64Array.from(data) }, true));
  }
  const sorted = csrFromDense(fromRows([[1, 0, 2], [0, 3, 0]]));
  assert.equal(canonicalRows(sorted), sorted, 'an already canonical float32 matrix is returned as it is');
});

test('csr: transpose, dense round trip and row/column selection', () => {
  const d = fromRows([[0, 1, 2], [3, 0, 0], [0, 0, 4]]);
  const a = csrFromDense(d);
  assert.deepEqual(Array.from(csrToDense(a).data), Array.from(d.data));
  assert.deepEqual(Array.from(csrToDense(transposeCsr(a)).data), Array.from(transposeDense(d).data));
  assert.deepEqual(Array.from(csrToDense(selectRows(a, [2, 0])).data), [0, 0, 4, 0, 1, 2]);
  assert.deepEqual(Array.from(csrToDense(selectCols(a, [2, 0])).data), [2, 0, 0, 3, 4, 0]);
});

test('rng: same seed same stream, forks differ, moments of distributions', () => {
  const a = new Rng(42), b = new Rng(42);
  for (let i = 0; i < 100; i++) assert.equal(a.nextUint32(), b.nextUint32());
  assert.notEqual(new Rng(42).fork(1).nextUint32(), new Rng(42).fork(2).nextUint32());
  const r = new Rng(7);
  const N = 200000;
  let su = 0, sn = 0, sn2 = 0, sg = 0, sp = 0, spl = 0;
  for (let i = 0; i < N; i++) {
    su += r.uniform();
    const z = r.normal();
    sn += z;
    sn2 += z * z;
    sg += r.gamma(2.5);
    sp += r.poisson(3.2);
    spl += r.poisson(120);
  }
  assert.ok(Math.abs(su / N - 0.5) < 0.005);
  assert.ok(Math.abs(sn / N) < 0.01);
  assert.ok(Math.abs(sn2 / N - 1) < 0.01);
  assert.ok(Math.abs(sg / N - 2.5) < 0.02);
  assert.ok(Math.abs(sp / N - 3.2) < 0.02);
  assert.ok(Math.abs(spl / N - 120) < 0.1);
  const p = r.permutation(1000);
  assert.deepEqual(Array.from(p).sort((x, y) => x - y), Array.from({ length: 1000 }, (_, i) => i));
  const dir = r.dirichlet([0.3, 0.3, 0.3, 0.3]);
  assert.ok(Math.abs(dir.reduce((s, v) => s + v, 0) - 1) < 1e-12);
});
