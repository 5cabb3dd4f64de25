/**
 * bcNMF against its mathematics (methods-spec M4.2–M4.4, M4.9) on small random data: the
 * objective, the update rules vs a float64 reference, the gradient split checked by finite
 * differences, stationarity at the fixed point, monotonicity where it is guaranteed, block-wise
 * = full batch, dense = sparse, and the enrichment score on simulated data with known truth.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrFromDense } from '../src/linalg/csr.js';
import type { Dense } from '../src/linalg/dense.js';
import { Rng } from '../src/linalg/rng.js';
import { contrastiveNmf, targetNmfBaseline, topFeatures } from '../src/methods/contrastive/index.js';
import { adjustedRandIndex } from '../src/metrics/index.js';
import { kmeans } from '../src/nmf/index.js';
import { simulateContrastive } from '../src/simulate/contrastive.js';

type Loss = 'frobenius' | 'poisson';
/** Dense float64 matrices in the original's layout: X p x nX (features x samples), W p x k, H k x n. */
interface F64 { r: number; c: number; d: Float64Array }
const mat = (r: number, c: number, f: (i: number, j: number) => number): F64 => {
  const d = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) d[i * c + j] = f(i, j);
  return { r, c, d };
};
const mul = (A: F64, B: F64): F64 => mat(A.r, B.c, (i, j) => { let s = 0; for (let t = 0; t < A.c; t++) s += A.d[i * A.c + t] * B.d[t * B.c + j]; return s; });
const tr = (A: F64): F64 => mat(A.c, A.r, (i, j) => A.d[j * A.c + i]);
const div = (D: number, loss: Loss, X: F64, M: F64): number => {
  let s = 0;
  for (let q = 0; q < X.d.length; q++) {
    const x = X.d[q], m = M.d[q];
    s += loss === 'frobenius' ? (x - m) ** 2 : (x > 0 ? x * Math.log(x / m) : 0) - x + m;
  }
  return s * D;
};
const J = (loss: Loss, a: number, X: F64, Y: F64, W: F64, HX: F64, HY: F64) => div(1, loss, X, mul(W, HX)) - a * div(1, loss, Y, mul(W, HY));

/** Gradient pieces (negative part N, positive part P, ∇ = P − N up to a factor 2 for frobenius) of M4.3. */
function parts(loss: Loss, a: number, X: F64, Y: F64, W: F64, HX: F64, HY: F64) {
  const ones = (r: number, c: number) => mat(r, c, () => 1);
  const ratio = (A: F64, M: F64) => mat(A.r, A.c, (i, j) => A.d[i * A.c + j] / M.d[i * A.c + j]);
  const add = (A: F64, B: F64, s = 1) => mat(A.r, A.c, (i, j) => A.d[i * A.c + j] + s * B.d[i * A.c + j]);
  if (loss === 'frobenius') {
    const WtW = mul(tr(W), W);
    return {
      HX: { N: mul(tr(W), X), P: mul(WtW, HX) },
      HY: { N: mul(tr(W), Y), P: mul(WtW, HY) },
      W: { N: add(mul(X, tr(HX)), mul(W, mul(HY, tr(HY))), a), P: add(mul(W, mul(HX, tr(HX))), mul(Y, tr(HY)), a) },
    };
  }
  const RX = ratio(X, mul(W, HX)), RY = ratio(Y, mul(W, HY));
  return {
    HX: { N: mul(tr(W), RX), P: mul(tr(W), ones(X.r, X.c)) },
    HY: { N: mul(tr(W), RY), P: mul(tr(W), ones(Y.r, Y.c)) },
    W: { N: add(mul(RX, tr(HX)), mul(ones(Y.r, Y.c), tr(HY)), a), P: add(mul(ones(X.r, X.c), tr(HX)), mul(RY, tr(HY)), a) },
  };
}

/** One sweep of M4.3 in float64 (H_X, H_Y, W; each with the newest values). */
function refSweep(loss: Loss, a: number, X: F64, Y: F64, W: F64, HX: F64, HY: F64): void {
  const step = (F: F64, g: { N: F64; P: F64 }) => { for (let q = 0; q < F.d.length; q++) F.d[q] *= g.N.d[q] / g.P.d[q]; };
  step(HX, parts(loss, a, X, Y, W, HX, HY).HX);
  step(HY, parts(loss, a, X, Y, W, HX, HY).HY);
  step(W, parts(loss, a, X, Y, W, HX, HY).W);
}

function problem(seed: number) {
  const rng = new Rng(seed);
  const p = 12, nX = 20, nY = 15, k = 3;
  const X = mat(p, nX, () => (rng.uniform() < 0.3 ? 0 : rng.poisson(4)));
  const Y = mat(p, nY, () => (rng.uniform() < 0.3 ? 0 : rng.poisson(4)));
  const W = mat(p, k, () => 0.2 + rng.uniform()), HX = mat(k, nX, () => 0.2 + rng.uniform()), HY = mat(k, nY, () => 0.2 + rng.uniform());
  return { p, nX, nY, k, X, Y, W, HX, HY };
}
/** F64 (r x c) → float32 Dense of its transpose (samples x features, or n x k). */
const toApi = (A: F64): Dense => ({ rows: A.c, cols: A.r, data: Float32Array.from(tr(A).d) });
const maxRel = (a: ArrayLike<number>, b: ArrayLike<number>) => { let m = 0; for (let q = 0; q < a.length; q++) m = Math.max(m, Math.abs(a[q] - b[q]) / Math.max(Math.abs(b[q]), 1e-3)); return m; };

test('objective and 5 sweeps match a float64 reference of the M4.3 rules (both losses, dense and CSR)', async () => {
  for (const loss of ['frobenius', 'poisson'] as const) {
    for (const sparse of [false, true]) {
      const P = problem(3);
      const a = 0.7;
      const init = { basis: toApi(P.W), hTarget: toApi(P.HX), hBackground: toApi(P.HY) };
      const Xa = toApi(P.X), Ya = toApi(P.Y);
      const r0 = await contrastiveNmf(sparse ? csrFromDense(Xa) : Xa, sparse ? csrFromDense(Ya) : Ya, { rank: P.k, alpha: a, loss, maxIter: 0, init, normalize: 'none' });
      const J0 = J(loss, a, P.X, P.Y, P.W, P.HX, P.HY);
      assert.ok(Math.abs(r0.objective - J0) < 1e-5 * Math.abs(J0) + 1e-6, `${loss}: J ${r0.objective} vs ${J0}`);
      const r = await contrastiveNmf(sparse ? csrFromDense(Xa) : Xa, sparse ? csrFromDense(Ya) : Ya, { rank: P.k, alpha: a, loss, maxIter: 5, init, normalize: 'none' });
      for (let s = 0; s < 5; s++) refSweep(loss, a, P.X, P.Y, P.W, P.HX, P.HY);
      assert.ok(maxRel(r.basis.data, tr(P.W).d) < 2e-4, `${loss} sparse=${sparse}: basis differs ${maxRel(r.basis.data, tr(P.W).d)}`);
      assert.ok(maxRel(r.hTarget.data, tr(P.HX).d) < 2e-4, `${loss}: hTarget differs`);
      assert.ok(maxRel(r.hBackground.data, tr(P.HY).d) < 2e-4, `${loss}: hBackground differs`);
    }
  }
});

test('update numerators/denominators are the negative/positive parts of the gradient of J (finite differences)', () => {
  for (const loss of ['frobenius', 'poisson'] as const) {
    const P = problem(5);
    const a = 0.7;
    const g = parts(loss, a, P.X, P.Y, P.W, P.HX, P.HY);
    const f = loss === 'frobenius' ? 2 : 1;
    // W: ∂J/∂W = f (P − N); H_X: ∂D_X/∂H_X = f (P − N); H_Y: ∂D_Y/∂H_Y = f (P − N) (its own term).
    const checks: [F64, { N: F64; P: F64 }, () => number][] = [
      [P.W, g.W, () => J(loss, a, P.X, P.Y, P.W, P.HX, P.HY)],
      [P.HX, g.HX, () => div(1, loss, P.X, mul(P.W, P.HX))],
      [P.HY, g.HY, () => div(1, loss, P.Y, mul(P.W, P.HY))],
    ];
    for (const [F, gp, fn] of checks) {
      for (let q = 0; q < F.d.length; q += 3) {
        const h = 1e-6, v = F.d[q];
        F.d[q] = v + h; const up = fn();
        F.d[q] = v - h; const dn = fn();
        F.d[q] = v;
        const fd = (up - dn) / (2 * h), an = f * (gp.P.d[q] - gp.N.d[q]);
        assert.ok(Math.abs(fd - an) <= 1e-5 * Math.max(1, Math.abs(an)), `${loss}: entry ${q}: finite difference ${fd} vs ${an}`);
      }
    }
  }
});

test('fixed point: after convergence the gradient vanishes on the support (KKT), checked by finite differences', async () => {
  const P = problem(7);
  const a = 0.3;
  const r = await contrastiveNmf(toApi(P.X), toApi(P.Y), { rank: P.k, alpha: a, maxIter: 20000, normalize: 'none', seed: 2, evalEvery: 1000 });
  const W = mat(P.p, P.k, (j, t) => r.basis.data[t * P.p + j]);
  const HX = tr({ r: P.nX, c: P.k, d: Float64Array.from(r.hTarget.data) });
  const HY = tr({ r: P.nY, c: P.k, d: Float64Array.from(r.hBackground.data) });
  const scaleJ = Math.abs(r.targetTerm) + a * Math.abs(r.backgroundTerm);
  const fn = () => J('frobenius', a, P.X, P.Y, W, HX, HY);
  let maxWv = 0;
  for (let q = 0; q < W.d.length; q++) maxWv = Math.max(maxWv, W.d[q]);
  for (let q = 0; q < W.d.length; q++) {
    const h = 1e-4 * maxWv, v = W.d[q];
    W.d[q] = v + h; const up = fn();
    W.d[q] = v; const mid = fn();
    const g = (up - mid) / h;
    // Relative to the objective's scale per unit of W: interior entries have g ≈ 0, entries at the floor g ≥ 0.
    const rel = (g * maxWv) / scaleJ;
    if (v > 1e-3 * maxWv) assert.ok(Math.abs(rel) < 2e-3, `W entry ${q} = ${v}: gradient ${rel}`);
    else assert.ok(rel > -2e-3, `W entry ${q} at the boundary: gradient ${rel} should be >= 0`);
  }
});

test('alpha = 0 is Lee–Seung NMF of the target: the objective never increases (both losses)', async () => {
  for (const loss of ['frobenius', 'poisson'] as const) {
    const P = problem(11);
    const r = await contrastiveNmf(toApi(P.X), toApi(P.Y), { rank: P.k, alpha: 0, loss, maxIter: 200, evalEvery: 1, seed: 4 });
    for (let i = 1; i < r.history.length; i++) {
      const d = r.history[i].objective - r.history[i - 1].objective;
      assert.ok(d <= 1e-6 * Math.abs(r.history[i - 1].objective), `${loss}: J rose at sweep ${r.history[i].iteration}: ${d}`);
    }
    assert.equal(r.objective, r.targetTerm);
  }
});

test('block-wise training equals full batch; CSR equals dense; same seed gives identical output', async () => {
  const P = problem(13);
  const Xa = toApi(P.X), Ya = toApi(P.Y);
  for (const loss of ['frobenius', 'poisson'] as const) {
    const full = await contrastiveNmf(Xa, Ya, { rank: P.k, alpha: 0.5, loss, maxIter: 60, seed: 9 });
    const again = await contrastiveNmf(Xa, Ya, { rank: P.k, alpha: 0.5, loss, maxIter: 60, seed: 9 });
    assert.deepEqual(again.basis.data, full.basis.data);
    const mb = await contrastiveNmf(csrFromDense(Xa), csrFromDense(Ya), { rank: P.k, alpha: 0.5, loss, maxIter: 60, seed: 9, batchSize: 6 });
    assert.ok(maxRel(mb.basis.data, full.basis.data) < 1e-3, `${loss}: blocks/CSR vs full dense ${maxRel(mb.basis.data, full.basis.data)}`);
    assert.ok(Math.abs(mb.objective - full.objective) < 1e-5 * Math.abs(full.objective));
  }
});

test('simulated truth: bcNMF finds the target-only groups, plain NMF does not; enrichment ranks target-only programs first at alpha 0', async () => {
  const sim = simulateContrastive({ nTarget: 240, nBackground: 160, features: 120, seed: 1 });
  const r = await contrastiveNmf(sim.target, sim.background, { rank: 2, alpha: 1, alphaScale: 'perSample', loss: 'poisson', maxIter: 200, seed: 0 });
  const km = kmeans(r.hTarget.data, r.hTarget.rows, 2, { k: 2, seed: 0 });
  const ari = adjustedRandIndex(km.labels, sim.targetGroup);
  const b = await targetNmfBaseline(sim.target, { rank: 2, loss: 'poisson', maxIter: 200, seed: 0 });
  const kb = kmeans(b.hTarget.data, b.hTarget.rows, 2, { k: 2, seed: 0 });
  const ariPlain = adjustedRandIndex(kb.labels, sim.targetGroup);
  assert.ok(ari > 0.9 && ariPlain < 0.3, `bcNMF ARI ${ari}, plain NMF ARI ${ariPlain}`);
  // With all programs in the model (K = 6), the factors the background does not use are the target-only ones.
  const r6 = await contrastiveNmf(sim.target, sim.background, { rank: 6, alpha: 0, loss: 'poisson', maxIter: 200, seed: 0 });
  const p = sim.programs.cols;
  const best = (t: number) => {
    let bi = -1, bc = -1;
    for (let s = 0; s < 6; s++) {
      let d = 0, x = 0, y = 0;
      for (let j = 0; j < p; j++) { const u = r6.basis.data[t * p + j], v = sim.programs.data[s * p + j]; d += u * v; x += u * u; y += v * v; }
      if (d / Math.sqrt(x * y) > bc) { bc = d / Math.sqrt(x * y); bi = s; }
    }
    return bi;
  };
  const topTwo = [best(r6.enrichmentOrder[0]), best(r6.enrichmentOrder[1])].sort();
  assert.deepEqual(topTwo, [4, 5], `most enriched factors match programs ${topTwo}; enrichment ${Array.from(r6.enrichment)}`);
  assert.ok(r6.enrichment[r6.enrichmentOrder[1]] > 2 && r6.enrichment[r6.enrichmentOrder[2]] < 0.5);
  const tf = topFeatures(r6.basis, r6.enrichmentOrder[0], 3, r6.featureNames);
  assert.equal(tf.length, 3);
  assert.ok(tf[0].weight >= tf[1].weight && tf[0].feature.startsWith('gene_'));
});
