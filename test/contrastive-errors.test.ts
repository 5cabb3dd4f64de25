/** bcNMF input validation (issue 8 "bad input") and the KMeans / ARI helpers it is evaluated with. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeDataset } from '../src/dataset.js';
import { StnmfError } from '../src/errors.js';
import { csrFromDense } from '../src/linalg/csr.js';
import { contrastiveNmf } from '../src/methods/contrastive/index.js';
import { adjustedRandIndex } from '../src/metrics/index.js';
import { kmeans } from '../src/nmf/index.js';

const dense = (rows: number, cols: number, f = (i: number, j: number) => 1 + ((i * 7 + j * 3) % 5)) => {
  const d = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) d[i * cols + j] = f(i, j);
  return { rows, cols, data: d };
};
const ds = (rows: number, genes: string[]) => makeDataset(csrFromDense(dense(rows, genes.length)), Array.from({ length: rows }, (_, i) => `c${i}`), genes);
const rejects = async (p: Promise<unknown>, code: string, re: RegExp) => {
  await assert.rejects(p, (e: unknown) => e instanceof StnmfError && e.code === code && re.test(e.message) && !e.message.includes('\n'));
};

test('different features: error lists the difference; intersect keeps the common ones; reordering is fine', async () => {
  const t = ds(8, ['A', 'B', 'C', 'D']);
  const b = ds(6, ['B', 'C', 'D', 'E', 'F']);
  await rejects(contrastiveNmf(t, b, { rank: 2, alpha: 1 }), 'BAD_INPUT', /only in target: 1 \(A\); only in background: 2 \(E, F\).*intersect/);
  const r = await contrastiveNmf(t, b, { rank: 2, alpha: 1, maxIter: 5, intersect: true });
  assert.deepEqual(r.featureNames, ['B', 'C', 'D']);
  assert.equal(r.basis.cols, 3);
  const shuffled = ds(6, ['D', 'B', 'A', 'C']);
  const r2 = await contrastiveNmf(t, shuffled, { rank: 2, alpha: 1, maxIter: 5 });
  assert.deepEqual(r2.featureNames, ['A', 'B', 'C', 'D']);
  await rejects(contrastiveNmf(dense(5, 4), dense(5, 3), { rank: 2, alpha: 1 }), 'BAD_INPUT', /target has 4 features .* background has 3/);
  await rejects(contrastiveNmf(t, ds(6, ['X', 'Y']), { rank: 1, alpha: 1, intersect: true }), 'BAD_INPUT', /share no feature/);
});

test('alpha < 0, bad rank, empty background, negative values, bad options', async () => {
  const X = dense(6, 5), Y = dense(4, 5);
  await rejects(contrastiveNmf(X, Y, { rank: 2, alpha: -0.5 }), 'BAD_OPTION', /alpha must be >= 0.*-0\.5/);
  await rejects(contrastiveNmf(X, Y, { rank: 2, alpha: NaN }), 'BAD_OPTION', /alpha must be a finite number/);
  await rejects(contrastiveNmf(X, Y, { rank: 0, alpha: 1 }), 'BAD_OPTION', /rank/);
  await rejects(contrastiveNmf(X, Y, { rank: 6, alpha: 1 }), 'BAD_OPTION', /rank must not exceed the number of features \(5\)/);
  await rejects(contrastiveNmf(X, dense(0, 5), { rank: 2, alpha: 1 }), 'BAD_INPUT', /background has no observations/);
  await rejects(contrastiveNmf(X, ds(0, ['a']), { rank: 1, alpha: 1 }), 'BAD_INPUT', /both be Datasets or both be matrices/);
  await rejects(contrastiveNmf(ds(3, ['a', 'b']), ds(0, ['a', 'b']), { rank: 1, alpha: 1 }), 'BAD_INPUT', /background has no observations/);
  await rejects(contrastiveNmf(X, dense(4, 5, (i, j) => (i === 2 && j === 1 ? -1 : 1)), { rank: 2, alpha: 1 }), 'BAD_INPUT', /background has value -1 at row 2, column 1/);
  await rejects(contrastiveNmf(X, Y, { rank: 2, alpha: 1, batchSize: 0 }), 'BAD_OPTION', /batchSize/);
  await rejects(contrastiveNmf(X, Y, { rank: 2, alpha: 1, staleRatio: true }), 'BAD_OPTION', /staleRatio.*poisson/);
  await rejects(contrastiveNmf(X, Y, { rank: 2, alpha: 1, loss: 'kl' as never }), 'BAD_OPTION', /loss must be/);
});

test('a diverging run stops with a diagnostic instead of returning NaN', async () => {
  // Poisson bcNMF is unbounded below when the background is expressed where the target is not (M4.2).
  const X = dense(10, 6, (i, j) => (j < 3 ? 5 : 0));
  const Y = dense(10, 6, (i, j) => (j >= 3 ? 5 : 1e-3));
  // The advice names only what would still help: per-sample scaling is not suggested twice.
  await rejects(contrastiveNmf(X, Y, { rank: 2, alpha: 1e6, loss: 'poisson', maxIter: 3000, seed: 0 }), 'BAD_OPTION', /non-finite after \d+ sweeps .*; lower alpha or use alphaScale 'perSample'$/);
  await rejects(contrastiveNmf(X, Y, { rank: 2, alpha: 1e6, loss: 'poisson', maxIter: 3000, seed: 0, alphaScale: 'perSample' }), 'BAD_OPTION', /non-finite after \d+ sweeps .*; lower alpha$/);
});

test('ARI matches scikit-learn on known cases; KMeans recovers separated blobs and is seeded', () => {
  // adjusted_rand_score values from scikit-learn 1.2.1 (peers environment).
  assert.ok(Math.abs(adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 2]) - 0.5714285714285714) < 1e-12);
  assert.ok(Math.abs(adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1]) - -0.5) < 1e-12);
  assert.ok(Math.abs(adjustedRandIndex([0, 0, 0, 1, 1, 1, 2, 2], [1, 1, 0, 0, 2, 2, 2, 0]) - 0.047619047619047616) < 1e-12);
  assert.equal(adjustedRandIndex([3, 3, 7, 7], [1, 1, 0, 0]), 1);
  const n = 90, d = 3, data = new Float64Array(n * d), truth = new Int32Array(n);
  let s = 12345;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
  for (let i = 0; i < n; i++) {
    truth[i] = i % 3;
    for (let c = 0; c < d; c++) data[i * d + c] = (c === truth[i] ? 10 : 0) + rnd();
  }
  const a = kmeans(data, n, d, { k: 3, seed: 1 });
  assert.equal(adjustedRandIndex(a.labels, truth), 1);
  const b = kmeans(data, n, d, { k: 3, seed: 1 });
  assert.deepEqual(b.labels, a.labels);
  assert.ok(a.inertia > 0 && a.inertia < n * d * 0.1);
  assert.throws(() => kmeans(data, n, d, { k: 0 }), StnmfError);
  assert.throws(() => kmeans([NaN, 1], 2, 1, { k: 1 }), StnmfError);
});
