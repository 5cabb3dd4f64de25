/**
 * SIID solvers on small random instances (methods-spec M2.13): closed-form Adam gradients vs
 * central finite differences, nnz-only objective vs the dense formula, ECM monotonicity at
 * fixed ω, simplex constraints (the fused pass itself: test/ratio-pass64.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrFromCoo, type Csr } from '../src/linalg/csr.js';
import { Rng } from '../src/linalg/rng.js';
import {
  ecmSweep,
  eStep,
  initParams,
  makeEcmScratch,
  makeWork,
  objectiveAndGradient,
  objectiveParts,
  problemStats,
  siidFit,
  solveSimplexRow,
  thetaFromParams,
  thetaLayout,
  type SiidParams,
  type SiidProblem,
} from '../src/methods/siid/index.js';

/** A random problem: n cells, m spots, G genes of which gX in the panel, one spot per mapped cell. */
function randomProblem(seed: number, n = 40, m = 7, G = 25, gX = 12, density = 0.5): SiidProblem {
  const rng = new Rng(seed);
  const panel = rng.permutation(G).slice(0, gX).sort();
  const coo = (rows: number, cols: number, scale: number) => {
    const ri: number[] = [], ci: number[] = [], v: number[] = [];
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) if (rng.uniform() < density) {
      ri.push(i);
      ci.push(j);
      v.push(1 + rng.poisson(scale));
    }
    return csrFromCoo(rows, cols, ri, ci, v);
  };
  const AX = coo(n, gX, 3);
  const AV = coo(m, G, 20);
  const gr: number[] = [], gc: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 9 === 8) continue; // a few unmapped cells
    gr.push(i);
    gc.push(i % m);
  }
  const gamma = csrFromCoo(n, m, gr, gc, new Float32Array(gr.length).fill(1));
  return { n, m, G, AX, panelCols: Int32Array.from(panel), AV, gamma };
}

function denseOf(X: Csr): Float64Array {
  const out = new Float64Array(X.rows * X.cols);
  for (let i = 0; i < X.rows; i++) for (let q = X.indptr[i]; q < X.indptr[i + 1]; q++) out[i * X.cols + X.indices[q]] = X.data[q];
  return out;
}

/** F_data by the dense formula Σ (λ − A log λ) over every entry. */
function denseObjective(p: SiidProblem, x: SiidParams, h: number): { lossX: number; lossV: number } {
  const AX = denseOf(p.AX), AV = denseOf(p.AV);
  const gX = p.panelCols.length;
  let lossX = 0;
  for (let i = 0; i < p.n; i++) for (let j = 0; j < gX; j++) {
    let z = 0;
    for (let k = 0; k < h; k++) z += x.P[i * h + k] * x.Qt[p.panelCols[j] * h + k];
    const lam = x.N[i] * z;
    const a = AX[i * gX + j];
    lossX += lam - (a > 0 ? a * Math.log(lam) : 0);
  }
  let lossV = 0;
  for (let s = 0; s < p.m; s++) for (let g = 0; g < p.G; g++) {
    let y = 0;
    for (let i = 0; i < p.n; i++) for (let q = p.gamma.indptr[i]; q < p.gamma.indptr[i + 1]; q++) {
      if (p.gamma.indices[q] !== s) continue;
      for (let k = 0; k < h; k++) y += x.M[q] * x.P[i * h + k] * x.Qt[g * h + k];
    }
    const lam = x.phi[g] * y;
    const a = AV[s * p.G + g];
    lossV += lam - (a > 0 ? a * Math.log(lam) : 0);
  }
  return { lossX, lossV };
}

function perturbedParams(p: SiidProblem, h: number, seed: number): SiidParams {
  const st = problemStats(p);
  const x = initParams(p, st, h, new Rng(seed), 'random');
  const rng = new Rng(seed + 100);
  for (let q = 0; q < x.M.length; q++) x.M[q] *= 0.5 + rng.uniform();
  for (let i = 0; i < p.n; i++) x.N[i] = 1 + 30 * rng.uniform();
  for (const g of p.panelCols) x.phi[g] = 0.5 + rng.uniform();
  return x;
}

test('nnz-only objective equals the dense formula', () => {
  const p = randomProblem(1);
  const h = 4;
  const x = perturbedParams(p, h, 2);
  const st = problemStats(p);
  const w = makeWork(p, h);
  eStep(p, x, w, true);
  const parts = objectiveParts(p, st, x, w);
  const d = denseObjective(p, x, h);
  assert.ok(Math.abs(parts.lossX - d.lossX) <= 1e-10 * Math.abs(d.lossX), `lossX ${parts.lossX} vs dense ${d.lossX}`);
  assert.ok(Math.abs(parts.lossV - d.lossV) <= 1e-10 * Math.abs(d.lossV), `lossV ${parts.lossV} vs dense ${d.lossV}`);
});

test('Adam closed-form gradients agree with central finite differences (every block)', () => {
  const p = randomProblem(5, 24, 5, 18, 9);
  const h = 3;
  const x0 = perturbedParams(p, h, 6);
  const st = problemStats(p);
  const L = thetaLayout(p, h);
  const th = thetaFromParams(p, x0, L);
  const scratch: SiidParams = { P: x0.P.slice(), Qt: x0.Qt.slice(), N: x0.N.slice(), M: x0.M.slice(), phi: x0.phi.slice() };
  const w = makeWork(p, h);
  for (const settings of [
    { omegaEff: 0, l2: 1e-5, platformScaling: true },
    { omegaEff: 7.5, l2: 1e-5, platformScaling: true },
    { omegaEff: 0.3, l2: 0, platformScaling: false },
  ]) {
    const grad = new Float64Array(L.length);
    objectiveAndGradient(p, st, th, L, settings, scratch, w, grad, true);
    const tmp = new Float64Array(L.length);
    const blocks: Array<[string, number, number]> = [
      ['a (P logits)', L.a, L.b],
      ['b (Q logits)', L.b, L.nu],
      ['nu (log N)', L.nu, L.mu],
      ['mu (log M)', L.mu, L.psi],
      ['psi (log phi)', L.psi, settings.platformScaling ? L.length : L.psi],
    ];
    for (const [name, start, end] of blocks) {
      let worst = 0;
      for (let t = start; t < end; t += Math.max(1, Math.floor((end - start) / 25))) {
        const step = 1e-6 * Math.max(1, Math.abs(th[t]));
        const tp = th.slice();
        tp[t] += step;
        const fp = objectiveAndGradient(p, st, tp, L, settings, scratch, w, tmp, true);
        tp[t] -= 2 * step;
        const fm = objectiveAndGradient(p, st, tp, L, settings, scratch, w, tmp, true);
        const fd = (fp - fm) / (2 * step);
        // Relative to the block's gradient scale: round-off in F (~1e-16·|F|) limits the differences.
        const scale = Math.max(Math.abs(grad[t]), 1e-3 * Math.max(...Array.from(grad.subarray(start, end), Math.abs)), 1e-6);
        worst = Math.max(worst, Math.abs(fd - grad[t]) / scale);
      }
      assert.ok(worst < 1e-5, `${name} (omega ${settings.omegaEff}): worst relative error ${worst}`);
    }
  }
});

test('ECM objective never increases at fixed omega (300 sweeps; omega 0, 10, 500)', () => {
  for (const [seed, omega, platformScaling] of [
    [11, 0, true],
    [12, 10, true],
    [13, 500, false],
    [14, 0, false],
  ] as const) {
    const p = randomProblem(seed, 50, 8, 30, 14);
    const h = 4;
    const st = problemStats(p);
    const x = initParams(p, st, h, new Rng(seed), 'random');
    const w = makeWork(p, h);
    const sc = makeEcmScratch(p, h);
    let prev = Infinity;
    let first = NaN;
    let worstRise = 0;
    for (let it = 0; it < 300; it++) {
      const info = ecmSweep(p, st, x, w, sc, omega, platformScaling, true);
      const F = info.lossX + info.lossV + omega * info.entropy;
      if (it === 0) first = F;
      worstRise = Math.max(worstRise, (F - prev) / Math.abs(F));
      prev = F;
      // Simplex constraints after every sweep.
      for (let i = 0; i < p.n; i++) {
        let s = 0;
        for (let k = 0; k < h; k++) s += x.P[i * h + k];
        assert.ok(Math.abs(s - 1) < 1e-12, `P row ${i} sums to ${s}`);
      }
      for (let k = 0; k < h; k++) {
        let s = 0;
        for (let g = 0; g < p.G; g++) s += x.Qt[g * h + k];
        assert.ok(Math.abs(s - 1) < 1e-12, `Q row ${k} sums to ${s}`);
      }
    }
    assert.ok(worstRise <= 1e-12, `omega ${omega}: objective rose by ${worstRise} (relative)`);
    assert.ok(prev < first - 1e-3 * Math.abs(first), `omega ${omega}: no real decrease (${first} -> ${prev})`);
  }
});

test('accelerated ECM keeps the objective monotone and beats plain ECM at equal E-steps', async () => {
  const p = randomProblem(21, 120, 12, 40, 20, 0.6);
  const plain = await siidFit(p, { rank: 4, restarts: 1, maxIter: 120, tol: 0, acceleration: false });
  const fast = await siidFit(p, { rank: 4, restarts: 1, maxIter: 80, tol: 0 });
  for (const f of [plain, fast]) {
    for (let t = 1; t < f.history.length; t++) assert.ok(f.history[t][1] <= f.history[t - 1][1] + 1e-12 * Math.abs(f.history[t][1]));
  }
  assert.ok(fast.eSteps! <= plain.eSteps!, `accelerated used ${fast.eSteps} E-steps, plain ${plain.eSteps}`);
  assert.ok(fast.objective <= plain.objective + 1e-9 * Math.abs(plain.objective), `accelerated ${fast.objective} vs plain ${plain.objective}`);
});

test('Adam decreases the objective and lands near the ECM optimum on a small instance', async () => {
  const p = randomProblem(31, 60, 8, 24, 12, 0.7);
  const ecm = await siidFit(p, { rank: 3, restarts: 2, maxIter: 2000, tol: 1e-12 });
  const adam = await siidFit(p, { rank: 3, restarts: 2, solver: 'adam', maxIter: 3000, l2: 0 });
  assert.ok(adam.history[adam.history.length - 1][1] < adam.history[0][1]);
  const rel = (adam.objective - ecm.objective) / Math.abs(ecm.objective);
  assert.ok(rel > -1e-6 && rel < 5e-3, `Adam ${adam.objective} vs ECM ${ecm.objective} (relative ${rel})`);
});

test('simplex root solver: exact M-step of a row', () => {
  const s = Float64Array.from([3, 0, 1.5, 0.25]);
  const w = Float64Array.from([1, 2, 0.5, 4]);
  const out = new Float64Array(4);
  solveSimplexRow(s, 0, 1, 4, w, out);
  assert.equal(out[1], 0);
  assert.ok(Math.abs(out.reduce((a, b) => a + b, 0) - 1) < 1e-14);
  // KKT: s_t/x_t − w_t is the same multiplier η for every positive coordinate.
  const eta = [0, 2, 3].map((t) => s[t] / out[t] - w[t]);
  for (const e of eta) assert.ok(Math.abs(e - eta[0]) < 1e-10, `multipliers ${eta}`);
});
