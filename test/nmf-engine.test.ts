// Behaviour of the NMF engine on small and simulated data: validation, monotonicity,
// determinism, sparse/dense equivalence, restarts, cancellation, and the inits against
// scikit-learn's _initialize_nmf (fixture from scripts/fixtures/nmf_init_sklearn.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { StnmfError } from '../src/errors.js';
import { createKernels, createTsKernels, csrFromDense, fromRows, Rng, zeros, type Dense } from '../src/linalg/index.js';
import { initialize, nmf } from '../src/nmf/index.js';
import { simulateSpatialCounts } from '../src/simulate/index.js';

const ts = createTsKernels();

function randomCounts(n: number, p: number, density: number, seed: number): Dense {
  const rng = new Rng(seed);
  const d = zeros(n, p);
  for (let q = 0; q < n * p; q++) if (rng.uniform() < density) d.data[q] = 1 + rng.poisson(3);
  return d;
}

function denseLosses(X: Dense, W: Dense, H: Dense): { fro: number; kl: number } {
  let fro = 0, kl = 0;
  for (let i = 0; i < X.rows; i++) {
    for (let j = 0; j < X.cols; j++) {
      let m = 0;
      for (let t = 0; t < W.cols; t++) m += W.data[i * W.cols + t] * H.data[t * X.cols + j];
      const x = X.data[i * X.cols + j];
      fro += (x - m) ** 2;
      kl += (x > 0 ? x * Math.log(x / m) : 0) - x + m;
    }
  }
  return { fro: 0.5 * fro, kl };
}

async function rejects(p: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof StnmfError, `expected StnmfError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, pattern);
    assert.ok(!e.message.includes('\n'), 'error message must be one line');
    return true;
  });
}

test('bad input: negative, NaN, infinite values, empty matrix, bad rank, bad W0/H0', async () => {
  const good = fromRows([[1, 0, 2], [0, 3, 1]]);
  await rejects(nmf(fromRows([[1, -2, 0], [0, 1, 1]]), { rank: 1, kernels: ts }), 'BAD_INPUT', /row 0, column 1 is negative/);
  await rejects(nmf(csrFromDense(fromRows([[1, 0, 0], [0, NaN, 1]])), { rank: 1, kernels: ts }), 'BAD_INPUT', /row 1, column 1 is NaN/);
  await rejects(nmf(fromRows([[1, Infinity, 0], [0, 1, 1]]), { rank: 1, kernels: ts }), 'BAD_INPUT', /infinite/);
  await rejects(nmf(zeros(0, 3), { rank: 1, kernels: ts }), 'BAD_INPUT', /empty/);
  await rejects(nmf(good, { rank: 0, kernels: ts }), 'BAD_OPTION', /rank: must be a whole number from 1 to .* = 2; got 0/);
  await rejects(nmf(good, { rank: 3, kernels: ts }), 'BAD_OPTION', /rank/);
  await rejects(nmf(good, { rank: 1.5, kernels: ts }), 'BAD_OPTION', /rank/);
  await rejects(nmf(good, { rank: 1, W0: zeros(2, 2), H0: zeros(1, 3), kernels: ts }), 'BAD_OPTION', /W0: expected shape 2 x 1/);
  await rejects(nmf(good, { rank: 1, W0: fromRows([[1], [-1]]), H0: fromRows([[1, 1, 1]]), kernels: ts }), 'BAD_INPUT', /W0/);
  await rejects(nmf(good, { rank: 1, loss: 'poisson', solver: 'hals', kernels: ts }), 'BAD_OPTION', /hals minimises the Frobenius loss only/);
  await rejects(nmf(good, { rank: 1, tol: -1, kernels: ts }), 'BAD_OPTION', /tol/);
});

test('all-zero rows and columns are legal: their factors go to zero under Poisson MU', async () => {
  const X = randomCounts(30, 12, 0.4, 1);
  for (let j = 0; j < 12; j++) X.data[5 * 12 + j] = 0; // row 5 empty
  for (let i = 0; i < 30; i++) X.data[i * 12 + 7] = 0; // column 7 empty
  const r = await nmf(csrFromDense(X), { rank: 3, loss: 'poisson', maxIter: 50, kernels: ts });
  assert.ok(Number.isFinite(r.loss));
  for (let t = 0; t < 3; t++) {
    assert.equal(r.W.data[5 * 3 + t], 0);
    assert.equal(r.H.data[t * 12 + 7], 0);
  }
  const f = await nmf(X, { rank: 3, maxIter: 50, kernels: ts });
  assert.ok(Number.isFinite(f.loss) && f.W.data.every(Number.isFinite));
});

test('losses equal a dense brute-force evaluation', async () => {
  const X = randomCounts(25, 9, 0.5, 2);
  for (const loss of ['frobenius', 'poisson'] as const) {
    const r = await nmf(csrFromDense(X), { rank: 3, loss, maxIter: 7, tol: 0, kernels: ts });
    const ref = denseLosses(X, r.W, r.H);
    const want = loss === 'frobenius' ? ref.fro : ref.kl;
    assert.ok(Math.abs(r.loss - want) / want < 1e-5, `${loss}: ${r.loss} vs ${want}`);
  }
});

test('the loss never increases under MU (both losses) and HALS', async () => {
  const { dataset } = simulateSpatialCounts({ cells: 400, genes: 60, programs: 4, seed: 3 });
  for (const [loss, solver] of [['poisson', 'mu'], ['frobenius', 'mu'], ['frobenius', 'hals']] as const) {
    const r = await nmf(dataset.X, { rank: 4, loss, solver, maxIter: 60, tol: 0, historyEvery: 1, init: 'random', seed: 5, kernels: ts });
    for (let i = 1; i < r.history.length; i++) {
      const a = r.history[i - 1].loss, b = r.history[i].loss;
      // 1e-5: float32 factors and the ‖X‖² − 2⟨X,WH⟩ + ‖WH‖² cancellation make plateaus jitter at ~1e-6.
      assert.ok(b <= a * (1 + 1e-5), `${loss}/${solver}: loss rose from ${a} to ${b} at iteration ${r.history[i].iteration}`);
    }
  }
});

test('dense and sparse inputs give the same factorization', async () => {
  const X = randomCounts(40, 15, 0.3, 4);
  for (const loss of ['frobenius', 'poisson'] as const) {
    const a = await nmf(X, { rank: 3, loss, maxIter: 30, kernels: ts });
    const b = await nmf(csrFromDense(X), { rank: 3, loss, maxIter: 30, kernels: ts });
    assert.ok(Math.abs(a.loss - b.loss) / b.loss < 1e-5, `${loss}: dense ${a.loss} vs sparse ${b.loss}`);
  }
});

test('same seed and thread count give bit-identical W and H (default backend, 1 and 2 threads)', async () => {
  const { dataset } = simulateSpatialCounts({ cells: 1500, genes: 120, programs: 5, seed: 6 });
  for (const threads of [1, 2]) {
    const kernels = await createKernels({ threads });
    try {
      const runs = [];
      for (let r = 0; r < 2; r++) runs.push(await nmf(dataset.X, { rank: 5, loss: 'poisson', maxIter: 40, seed: 9, init: 'nndsvdar', kernels }));
      assert.deepEqual(Buffer.from(runs[0].W.data.buffer), Buffer.from(runs[1].W.data.buffer));
      assert.deepEqual(Buffer.from(runs[0].H.data.buffer), Buffer.from(runs[1].H.data.buffer));
    } finally {
      kernels.dispose();
    }
  }
});

test('restarts keep the lowest loss; Poisson NMF recovers planted programs', async () => {
  const sim = simulateSpatialCounts({ cells: 1200, genes: 100, programs: 4, seed: 7 });
  const r = await nmf(sim.dataset.X, { rank: 4, loss: 'poisson', maxIter: 300, restarts: 3, seed: 1, kernels: ts });
  assert.equal(r.restartLosses.length, 3);
  assert.equal(r.loss, Math.min(...r.restartLosses));
  assert.equal(r.restartLosses[r.bestRestart], r.loss);
  // Each planted program is matched by a fitted one (cosine similarity).
  const p = 100;
  for (let a = 0; a < 4; a++) {
    let best = 0;
    for (let b = 0; b < 4; b++) {
      let dot = 0, na = 0, nb = 0;
      for (let j = 0; j < p; j++) {
        const u = sim.programs.data[a * p + j], v = r.H.data[b * p + j];
        dot += u * v; na += u * u; nb += v * v;
      }
      best = Math.max(best, dot / Math.sqrt(na * nb));
    }
    assert.ok(best > 0.98, `program ${a} recovered with cosine ${best}`);
  }
});

test('an AbortSignal stops the run with an ABORTED error', async () => {
  const ac = new AbortController();
  ac.abort();
  await rejects(nmf(randomCounts(20, 8, 0.5, 8), { rank: 2, signal: ac.signal, kernels: ts }), 'ABORTED', /aborted/);
});

test('NNDSVD and NNDSVDa equal scikit-learn _initialize_nmf on a small dense matrix', async () => {
  const fx = JSON.parse(readFileSync(new URL('../../test/fixtures/nmf/init-small.json', import.meta.url), 'utf8'));
  const X = zeros(fx.n, fx.p);
  for (let i = 0; i < fx.n; i++) for (let j = 0; j < fx.p; j++) X.data[i * fx.p + j] = ((i * 7 + j * 13) % 11) * ((i + 2 * j) % 5 !== 0 ? 1 : 0);
  for (const init of ['nndsvd', 'nndsvda'] as const) {
    const { W, H } = await initialize(X, { rank: fx.k, init, kernels: ts });
    for (const [name, ours, theirs] of [['W', W.data, fx[init].W], ['H', H.data, fx[init].H]] as const) {
      let maxAbs = 0, maxDiff = 0;
      for (let q = 0; q < ours.length; q++) {
        maxAbs = Math.max(maxAbs, Math.abs(theirs[q]));
        maxDiff = Math.max(maxDiff, Math.abs(ours[q] - theirs[q]));
      }
      assert.ok(maxDiff / maxAbs < 1e-5, `${init} ${name}: max difference ${maxDiff} (scale ${maxAbs})`);
    }
  }
});
