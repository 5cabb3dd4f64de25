import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrFromCoo, csrFromDense, csrToDense, fromRows, selectCols, selectRows, transposeCsr, transposeDense } from '../src/linalg/index.js';
import { Rng } from '../src/linalg/rng.js';

test('csr: coo build sums duplicates, sorts columns and drops zeros', () => {
  const a = csrFromCoo(2, 3, [0, 0, 1, 0, 1], [2, 0, 1, 2, 1], [1, 5, 2, 3, -2]);
  assert.deepEqual(Array.from(a.indptr), [0, 2, 2]);
  assert.deepEqual(Array.from(a.indices), [0, 2]);
  assert.deepEqual(Array.from(a.data), [5, 4]);
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
