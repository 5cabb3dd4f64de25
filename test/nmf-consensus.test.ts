// cNMF consensus, fixed-H refits and the rank sweep on a simulated slide with 4 planted programs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTsKernels } from '../src/linalg/index.js';
import { consensusNmf, nmf, rankSweep } from '../src/nmf/index.js';
import { simulateSpatialCounts } from '../src/simulate/index.js';

const sim = simulateSpatialCounts({ cells: 600, genes: 80, programs: 4, seed: 11, meanCounts: 400 });
const X = sim.dataset.X;
const p = X.cols;

function bestCosines(truth: Float32Array, fitted: Float32Array, k: number): number[] {
  const out: number[] = [];
  for (let a = 0; a < k; a++) {
    let best = 0;
    for (let b = 0; b < fitted.length / p; b++) {
      let dot = 0, na = 0, nb = 0;
      for (let j = 0; j < p; j++) {
        dot += truth[a * p + j] * fitted[b * p + j];
        na += truth[a * p + j] ** 2;
        nb += fitted[b * p + j] ** 2;
      }
      best = Math.max(best, dot / Math.sqrt(na * nb));
    }
    out.push(best);
  }
  return out;
}

test('updateH false keeps H fixed and fits W only', async () => {
  const r = await nmf(X, { rank: 4, loss: 'poisson', H0: sim.programs, updateH: false, maxIter: 100, kernels: createTsKernels() });
  assert.deepEqual(Array.from(r.H.data), Array.from(sim.programs.data));
  // The usages are the planted ones up to each cell's library size.
  let agree = 0;
  for (let i = 0; i < X.rows; i++) {
    let a = 0, b = 0;
    for (let t = 1; t < 4; t++) {
      if (r.W.data[i * 4 + t] > r.W.data[i * 4 + a]) a = t;
      if (sim.usage.data[i * 4 + t] > sim.usage.data[i * 4 + b]) b = t;
    }
    if (a === b) agree++;
  }
  assert.ok(agree / X.rows > 0.95, `argmax agreement ${agree / X.rows}`);
});

test('consensus NMF recovers the planted programs and reports a high stability', async () => {
  const c = await consensusNmf(X, { rank: 4, runs: 8, loss: 'poisson', maxIter: 200, seed: 2, kernels: createTsKernels() });
  assert.equal(c.totalPrograms, 32);
  assert.ok(c.keptPrograms >= 28, `kept ${c.keptPrograms}`);
  for (let t = 0; t < 4; t++) {
    let s = 0;
    for (let j = 0; j < p; j++) s += c.H.data[t * p + j];
    assert.ok(Math.abs(s - 1) < 1e-5, 'consensus programs sum to 1');
  }
  const cos = bestCosines(sim.programs.data, c.H.data, 4);
  assert.ok(Math.min(...cos) > 0.98, `cosines ${cos}`);
  assert.ok(c.stability > 0.8, `stability ${c.stability}`);
});

test('rank sweep: loss falls with k and the planted rank is stable and well dispersed', async () => {
  const rows = await rankSweep(X, { ranks: [2, 4, 7], runs: 4, loss: 'poisson', maxIter: 150, seed: 3, dispersionCells: 300 });
  assert.deepEqual(rows.map((r) => r.rank), [2, 4, 7]);
  assert.ok(rows[0].loss > rows[1].loss && rows[1].loss > rows[2].loss, 'loss decreases with rank');
  const at4 = rows[1];
  assert.ok(at4.stability > 0.8, `stability at the true rank ${at4.stability}`);
  assert.ok(at4.dispersion > 0.9, `dispersion at the true rank ${at4.dispersion}`);
  assert.ok(at4.stability > rows[2].stability, 'over-splitting lowers the stability');
});
